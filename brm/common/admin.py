"""Pieces shared by the admin of every app: status badges, read-only history, CNPJ search, hidden secrets."""

from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html
from django.utils.text import Truncator

from .busca import termo_interpretar
from .errors import ErroDeNegocio

COR_NEUTRA = "#6c757d"


def badge(rotulo: str, cor: str | None) -> str:
    """A small coloured pill with the label of a status."""
    return format_html('<span class="brm-badge" style="background-color: {}">{}</span>', cor or COR_NEUTRA, rotulo)


def badge_status(obj) -> str:
    """The badge of a model with `status`, its choices and a `CORES` table."""
    return badge(obj.get_status_display(), obj.CORES.get(obj.status))


def plural(quantidade: int, singular: str, varios: str) -> str:
    return f"{quantidade} {singular if quantidade == 1 else varios}"


def aplicar_em_lote(modeladmin, request, objetos, servico, *, feito: tuple[str, str], nivel_recusa=messages.WARNING):
    """Call `servico(objeto)` for each selected object, as a bulk action does.

    Each refusal becomes a message naming the object; what was done is summed up in one message.
    """
    feitos = 0
    for objeto in objetos:
        try:
            servico(objeto)
        except ErroDeNegocio as erro:
            modeladmin.message_user(request, f"{objeto}: {erro.mensagem}", nivel_recusa)
        else:
            feitos += 1
    if feitos:
        modeladmin.message_user(request, f"{plural(feitos, *feito)}.", messages.SUCCESS)
    return feitos


def adotar_linha_salva(obj, salvo) -> None:
    """Make the admin's `obj` the row a service wrote (`salvo`): the admin goes on with `obj` (history entry,
    redirect) after `save_model`, which saved through the service instead of `obj.save()`."""
    for campo in type(salvo)._meta.concrete_fields:
        setattr(obj, campo.attname, getattr(salvo, campo.attname))
    obj._state.adding = False
    obj._state.db = salvo._state.db


class SituacaoErroMixin:
    """The status badge and the first words of the error, for lists and inlines of runs and jobs."""

    tamanho_erro = 80

    @admin.display(description="situação", ordering="status")
    def situacao(self, obj):
        return badge_status(obj)

    @admin.display(description="erro")
    def erro_resumo(self, obj):
        return truncar(obj.erro, self.tamanho_erro)


def truncar(texto: str, tamanho: int = 80) -> str:
    return Truncator(texto or "").chars(tamanho)


class SomenteLeituraMixin:
    """History written by services and robots: people may look at it, nobody edits it here, not even admins."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SomenteLeituraAdmin(SomenteLeituraMixin, admin.ModelAdmin):
    pass


class SalvarSoAlteradosMixin:
    """A change form writes only the columns the person changed.

    Services and robots move these rows at any moment; saving the whole row would write back the
    status read at the start of the request and undo a transition made in between.
    """

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        campos = [campo for campo in form.changed_data if campo in {f.name for f in obj._meta.concrete_fields}]
        if campos:
            obj.save(update_fields=[*campos, "updated_at"])


class _UltimosFormSet(BaseInlineFormSet):
    limite = 50

    def get_queryset(self):
        if not hasattr(self, "_ultimos"):
            self._ultimos = super().get_queryset()[: self.limite]
        return self._ultimos


class HistoricoInline(SomenteLeituraMixin, admin.TabularInline):
    """A read-only list of child rows on a parent's page; `limite` keeps long histories from loading whole."""

    extra = 0
    can_delete = False
    limite: int | None = None

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if self.limite:
            formset = type(formset.__name__, (_UltimosFormSet, formset), {"limite": self.limite})
        return formset


class MudancasDeSituacaoInline(HistoricoInline):
    """The history of a row's status changes (when, from, to, who, why), the new status as a badge.

    `cores` is the status table of the parent's model (its `CORES`).
    """

    fields = readonly_fields = ("quando", "de", "para_badge", "por", "motivo")
    cores: dict = {}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("por")

    @admin.display(description="para")
    def para_badge(self, obj):
        return badge(obj.get_para_display(), self.cores.get(obj.para))


class BuscaCNPJMixin:
    """Search finds a CNPJ typed with or without punctuation (`12.345.678/0001-95` or `12345678000195`).

    The database holds the 14 bare characters, so the typed term is compared in that form: a whole CNPJ
    exactly (one index probe, and nothing else is searched), the start of one typed with its punctuation
    as a prefix, next to the list's usual search.
    """

    campo_cnpj = "cnpj"

    def get_search_results(self, request, queryset, search_term):
        termo = termo_interpretar(search_term)
        if termo.cnpj:
            return queryset.filter(**{self.campo_cnpj: termo.cnpj}), False
        resultado, duplicatas = super().get_search_results(request, queryset, search_term)
        if termo.prefixo_cnpj:
            resultado = resultado | queryset.filter(**{f"{self.campo_cnpj}__startswith": termo.prefixo_cnpj})
        return resultado, duplicatas


class SegredosOcultosMixin:
    """Encrypted fields are never shown, not even to someone who may only look at the record.

    With change permission the field's own widget is write-only. Without it Django would render the
    stored value as text, so the field is swapped for a line that only says whether it is set.
    `campos_secretos` maps each secret field to its label.
    """

    campos_secretos: dict[str, str] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for campo, rotulo in cls.campos_secretos.items():
            setattr(cls, _nome_situacao(campo), _exibir_situacao(campo, rotulo))

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj):
            return fieldsets
        return trocar_campos(fieldsets, {campo: _nome_situacao(campo) for campo in self.campos_secretos})

    def get_readonly_fields(self, request, obj=None):
        campos = list(super().get_readonly_fields(request, obj))
        if not self.has_change_permission(request, obj):
            campos += [_nome_situacao(campo) for campo in self.campos_secretos]
        return campos


def _nome_situacao(campo: str) -> str:
    return f"{campo}_situacao"


def _exibir_situacao(campo: str, rotulo: str):
    @admin.display(description=rotulo)
    def situacao(self, obj):
        return "Definido" if obj is not None and getattr(obj, campo) else "Não definido"

    return situacao


def trocar_campos(fieldsets, troca: dict[str, str]) -> list:
    """The same fieldsets with some field names replaced (for instance by a read-only line)."""

    def trocar(campo):
        if isinstance(campo, list | tuple):
            return tuple(troca.get(c, c) for c in campo)
        return troca.get(campo, campo)

    return [(nome, {**opcoes, "fields": [trocar(c) for c in opcoes["fields"]]}) for nome, opcoes in fieldsets]
