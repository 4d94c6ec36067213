from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from brm.common.admin import (
    HistoricoInline,
    SalvarSoAlteradosMixin,
    SituacaoErroMixin,
    aplicar_em_lote,
    badge_status,
)
from brm.common.formatacao import formatar_competencia, formatar_moeda
from brm.common.paginacao import ListaGrandeMixin

from ..models import Execucao, Processo
from ..selectors import (
    ORDEM_PROCESSOS,
    processo_alertas,
    processo_pode_receber_fatura,
    processo_pode_ser_aprovado,
    processos_buscar,
    processos_competencias,
    processos_lista,
)
from ..services import processo_aprovar, processo_criar, processo_rejeitar
from .filtros import AtrasadaFilter
from .forms import ProcessoAdicionarForm, RejeitarForm
from .pagina_processo import PaginaDoProcessoMixin
from .robos import RobosDoProcessoMixin
from .views import PaginasDoProcessoMixin


class CompetenciaFilter(admin.SimpleListFilter):
    title = "competência"
    parameter_name = "competencia"

    def lookups(self, request, model_admin):
        meses = processos_competencias(limite=24)
        return [(f"{mes:%Y-%m-%d}", formatar_competencia(mes)) for mes in meses]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            return queryset.filter(competencia=self.value())
        except ValidationError as exc:
            raise IncorrectLookupParameters(exc) from exc


class ExecucaoInline(SituacaoErroMixin, HistoricoInline):
    model = Execucao
    limite = 20
    show_change_link = True
    verbose_name_plural = "execuções do robô (últimas 20)"
    fields = readonly_fields = ("tipo", "situacao", "origem", "tentativa", "criado_em", "finalizado_em", "erro_resumo")

    def get_queryset(self, request):
        # Each row is labelled with the job's name, which names the process and its client: one query
        # for the inline, not two more per row.
        return super().get_queryset(request).select_related("processo__cliente")


@admin.register(Processo)
class ProcessoAdmin(
    PaginaDoProcessoMixin,
    RobosDoProcessoMixin,
    PaginasDoProcessoMixin,
    ListaGrandeMixin,
    SalvarSoAlteradosMixin,
    admin.ModelAdmin,
):
    list_display = (
        "cliente_razao_social",
        "cliente_cnpj",
        "operadora",
        "competencia_formatada",
        "situacao",
        "valor",
        "vencimento_formatado",
        "numero_fatura",
    )
    # The month is CompetenciaFilter; a date hierarchy would repeat it and scan the table for distinct dates.
    list_filter = ("status", CompetenciaFilter, "cliente__operadora", "cliente__ativo", AtrasadaFilter)
    list_select_related = ("cliente", "cliente__operadora")
    # The search itself is `processos_buscar`; these only switch the search box on.
    search_fields = ("cliente__razao_social", "cliente__cnpj", "cliente__conta", "numero_fatura")
    search_help_text = "CNPJ (inteiro ou o começo, com pontuação), parte da razão social, conta ou número da fatura."
    ordering = ORDEM_PROCESSOS
    autocomplete_fields = ("cliente",)
    # The timeline (status changes and robot jobs together) is drawn by the page itself (`PaginaDoProcessoMixin`).
    inlines = [ExecucaoInline]
    actions = ["aprovar_selecionados", "rejeitar_selecionados", "baixar_fatura_selecionados", "enviar_sat_selecionados"]
    add_fieldsets = ((None, {"fields": ("cliente", "competencia")}),)
    # Nothing here is edited by hand: the status and the invoice change only through the services.
    fieldsets = (
        (None, {"fields": ("cliente", "competencia_formatada", "situacao")}),
        (
            "Fatura",
            {"fields": ("fatura_link", "fatura_sha256", "valor", "vencimento_formatado", "numero_fatura")},
        ),
        ("Aprovação", {"fields": ("aprovado_por", "aprovado_em", "motivo_rejeicao")}),
        ("SAT", {"fields": ("protocolo_sat", "enviado_sat_em")}),
        ("Registro", {"classes": ("collapse",), "fields": ("created_at", "updated_at")}),
    )

    # Columns and read-only lines

    @admin.display(description="cliente", ordering="cliente__razao_social")
    def cliente_razao_social(self, obj):
        return obj.cliente.razao_social

    @admin.display(description="CNPJ", ordering="cliente__cnpj")
    def cliente_cnpj(self, obj):
        return obj.cliente.cnpj_formatado

    @admin.display(description="operadora", ordering="cliente__operadora__nome")
    def operadora(self, obj):
        return obj.cliente.operadora

    @admin.display(description="competência", ordering="competencia")
    def competencia_formatada(self, obj):
        return formatar_competencia(obj.competencia)

    @admin.display(description="situação", ordering="status")
    def situacao(self, obj):
        return badge_status(obj)

    @admin.display(description="valor total", ordering="valor_total")
    def valor(self, obj):
        return formatar_moeda(obj.valor_total)

    @admin.display(description="vencimento", ordering="vencimento")
    def vencimento_formatado(self, obj):
        return obj.vencimento.strftime("%d/%m/%Y") if obj.vencimento else "—"

    @admin.display(description="fatura (PDF)")
    def fatura_link(self, obj):
        # Always through the permission-checked view, never through MEDIA_URL.
        if not obj.fatura:
            return "—"
        url = reverse(f"{self.admin_site.name}:processos_processo_fatura", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, obj.fatura_nome_original or "fatura.pdf")

    # Lists and search

    def get_queryset(self, request):
        return processos_lista()

    def get_search_results(self, request, queryset, search_term):
        return processos_buscar(queryset=queryset, termo=search_term), False

    # Forms

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return [campo for _, opcoes in self.fieldsets for campo in opcoes["fields"]]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ProcessoAdicionarForm
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # A process typed in here is created by the service, which writes the first event of its timeline.
        criado = processo_criar(
            cliente=form.cleaned_data["cliente"], competencia=form.cleaned_data["competencia"], por=request.user
        )
        obj.pk = criado.pk
        obj.refresh_from_db()
        return None

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            pode_aprovar = self.has_aprovar_permission(request) and processo_pode_ser_aprovado(obj)
            context.update(
                situacao_badge=badge_status(obj),
                pode_enviar_fatura=self.has_enviar_fatura_permission(request) and processo_pode_receber_fatura(obj),
                pode_aprovar=pode_aprovar,
                # A flagged invoice is approved with a justification: the button asks for it.
                alertas_aprovacao=processo_alertas(obj) if pode_aprovar else None,
                **self.contexto_dos_robos(request, obj),
                **self.contexto_da_pagina(request, obj),
                show_save=False,
                show_save_and_continue=False,
                show_save_and_add_another=False,
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "pode_criar_mensais": self.has_criar_processos_mensais_permission(request),
            "pode_aprovar": self.has_aprovar_permission(request),
        }
        return super().changelist_view(request, extra_context)

    # Permissions of the actions and pages

    def has_aprovar_permission(self, request):
        return request.user.has_perm("processos.aprovar_processo")

    def has_enviar_fatura_permission(self, request):
        return request.user.has_perm("processos.enviar_fatura")

    def has_criar_processos_mensais_permission(self, request):
        return request.user.has_perm("processos.criar_processos_mensais")

    # Bulk actions

    @admin.action(description="Aprovar faturas selecionadas", permissions=["aprovar"])
    def aprovar_selecionados(self, request, queryset):
        aplicar_em_lote(
            self,
            request,
            queryset.select_related("cliente"),
            lambda processo: processo_aprovar(processo=processo, por=request.user),
            feito=("fatura aprovada", "faturas aprovadas"),
            nivel_recusa=messages.ERROR,
        )

    @admin.action(description="Rejeitar faturas selecionadas", permissions=["aprovar"])
    def rejeitar_selecionados(self, request, queryset):
        processos = list(queryset.select_related("cliente"))
        form = RejeitarForm(request.POST if "confirmar" in request.POST else None)
        if not form.is_valid():
            return self._pagina_rejeitar(request, form, processos, em_lote=True)
        aplicar_em_lote(
            self,
            request,
            processos,
            lambda processo: processo_rejeitar(processo=processo, por=request.user, motivo=form.cleaned_data["motivo"]),
            feito=("fatura rejeitada", "faturas rejeitadas"),
            nivel_recusa=messages.ERROR,
        )
        return None
