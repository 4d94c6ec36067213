"""The schedules in the admin: created and changed through the services, so beat only sees validated timings.

Admins manage; the other roles see (their groups have only the view permission).
"""

import datetime as dt

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    PeriodicTasks,
    SolarSchedule,
)

from brm.common.admin import (
    HistoricoInline,
    SituacaoErroMixin,
    SomenteLeituraAdmin,
    adotar_linha_salva,
    badge,
    badge_status,
)
from brm.common.admin_auditoria import AuditoriaAdminMixin
from brm.common.errors import ErroDeNegocio
from brm.common.formatacao import formatar_deslocamento, formatar_instante

from .forms import AgendamentoForm
from .models import Agendamento, AgendamentoExecucao
from .selectors import (
    agendamento_descricao_cron,
    agendamento_por_id,
    agendamento_proximas_execucoes,
    agendamento_ultima_execucao,
    agendamentos_com_ultima_situacao,
    no_fuso,
)
from .services import (
    agendamento_ativar,
    agendamento_atualizar,
    agendamento_criar,
    agendamento_desativar,
    agendamento_excluir,
    agendamento_solicitar_execucao,
)
from .services.cadastro import CAMPOS_EDITAVEIS


def quando(instante: dt.datetime | None, *, com_dia: bool = False) -> str:
    """Every time of the schedules' pages on one clock, the system's zone with its offset, whatever each schedule's
    own zone: runs of schedules in different zones then read in one order."""
    return formatar_instante(instante, com_dia_da_semana=com_dia)


def no_relogio_do_agendamento(instante: dt.datetime, fuso: str) -> str:
    """The same instant on the wall clock the cron expression is read in, when that zone is not the system's."""
    if fuso == settings.TIME_ZONE:
        return ""
    local = no_fuso(instante, fuso)
    return f"{local:%H:%M} em {fuso} ({formatar_deslocamento(local)})"


def _relogio_do_agendamento(instante: dt.datetime, fuso: str) -> str:
    texto = no_relogio_do_agendamento(instante, fuso)
    return format_html(' <span class="brm-discreto">· {}</span>', texto) if texto else ""


def plural(quantidade: int, singular: str, varios: str) -> str:
    return f"{quantidade} {singular if quantidade == 1 else varios}"


class AgendamentoExecucaoInline(SituacaoErroMixin, HistoricoInline):
    tamanho_erro = 160
    model = AgendamentoExecucao
    limite = 20
    show_change_link = True
    verbose_name_plural = "últimas execuções (as 20 mais recentes)"
    fields = readonly_fields = ("inicio_no_fuso", "duracao", "situacao", "solicitado_por", "resultado", "erro_resumo")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("solicitado_por", "agendamento")

    @admin.display(description="início")
    def inicio_no_fuso(self, obj):
        return quando(obj.inicio)

    @admin.display(description="duração")
    def duracao(self, obj):
        if not obj.fim:
            return "—"
        segundos = (obj.fim - obj.inicio).total_seconds()
        return f"{segundos:.1f} s".replace(".", ",") if segundos < 120 else f"{segundos / 60:.0f} min"


@admin.register(Agendamento)
class AgendamentoAdmin(AuditoriaAdminMixin, admin.ModelAdmin):
    form = AgendamentoForm
    list_display = (
        "nome",
        "tipo",
        "cron_descrito",
        "fuso_horario",
        "ativo",
        "proxima",
        "ultima",
        "total_execucoes",
        "total_sucessos",
        "total_falhas",
        "ultima_situacao_badge",
    )
    list_filter = ("ativo", "tipo")
    search_fields = ("nome",)
    inlines = [AgendamentoExecucaoInline]
    actions = ["executar_agora_selecionados", "ativar_selecionados", "desativar_selecionados"]
    # Counters and dates are written by the task when it really runs; the beat link by the sync service.
    readonly_fields = (
        "descricao_cron",
        "proximas_execucoes",
        "proxima",
        "ultima",
        "total_execucoes",
        "total_sucessos",
        "total_falhas",
        "periodic_task",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("nome", "tipo", "ativo")}),
        ("Quando", {"fields": ("expressao_cron", "fuso_horario", "descricao_cron", "proximas_execucoes")}),
        ("Parâmetros", {"fields": ("parametros",)}),
        ("Execuções", {"fields": ("ultima", "total_execucoes", "total_sucessos", "total_falhas")}),
        ("Registro", {"classes": ("collapse",), "fields": ("periodic_task", "created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return agendamentos_com_ultima_situacao(super().get_queryset(request))

    # Columns and read-only fields

    @admin.display(description="expressão cron", ordering="expressao_cron")
    def cron_descrito(self, obj):
        return format_html(
            '<code>{}</code><br><span class="brm-discreto">{}</span>',
            obj.expressao_cron,
            agendamento_descricao_cron(obj),
        )

    @admin.display(description="próxima execução", ordering="proxima_execucao")
    def proxima(self, obj):
        if obj is None:
            return "—"
        proximas = agendamento_proximas_execucoes(agendamento=obj, n=1)
        return quando(proximas[0]) if proximas else "—"

    @admin.display(description="última execução", ordering="ultima_execucao")
    def ultima(self, obj):
        return quando(obj.ultima_execucao) if obj else "—"

    @admin.display(description="última situação")
    def ultima_situacao_badge(self, obj):
        situacao = getattr(obj, "ultima_situacao", None)
        if not situacao:
            return "—"
        S = AgendamentoExecucao.Status
        return badge(S(situacao).label, AgendamentoExecucao.CORES.get(situacao))

    @admin.display(description="em palavras")
    def descricao_cron(self, obj):
        return agendamento_descricao_cron(obj) if obj and obj.expressao_cron else "—"

    @admin.display(description="próximas cinco execuções")
    def proximas_execucoes(self, obj):
        if obj is None or obj._state.adding:
            return "—"
        if not obj.ativo:
            return "Nenhuma: o agendamento está desativado."
        proximas = agendamento_proximas_execucoes(agendamento=obj, n=5)
        if not proximas:
            return "Nenhuma."
        itens = format_html_join(
            "",
            "<li>{}{}</li>",
            (
                (quando(instante, com_dia=True), _relogio_do_agendamento(instante, obj.fuso_horario))
                for instante in proximas
            ),
        )
        return format_html(
            '<ol class="brm-proximas">{}</ol><span class="brm-discreto">A expressão cron vale no fuso {}.</span>',
            itens,
            obj.fuso_horario,
        )

    # Writes go through the services

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ErroDeNegocio as erro:
            # The form checked everything already; this is someone else changing the same data meanwhile.
            self.message_user(request, erro.mensagem, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        dados = form.cleaned_data
        if change:
            campos = {campo: dados[campo] for campo in CAMPOS_EDITAVEIS if campo in form.changed_data}
            # `parametros` also changes when validation filled in defaults the person left out.
            campos["parametros"] = dados["parametros"]
            atual = agendamento_por_id(obj.pk)
            if atual is None:
                raise ErroDeNegocio(
                    "Este agendamento foi excluído enquanto você o editava.", codigo=ErroDeNegocio.NAO_ENCONTRADO
                )
            salvo = agendamento_atualizar(agendamento=atual, por=request.user, **campos)
        else:
            salvo = agendamento_criar(por=request.user, **{campo: dados[campo] for campo in CAMPOS_EDITAVEIS})
        adotar_linha_salva(obj, salvo)

    def delete_model(self, request, obj):
        agendamento_excluir(agendamento=obj, por=request.user)

    def delete_queryset(self, request, queryset):
        for agendamento in queryset:
            agendamento_excluir(agendamento=agendamento, por=request.user)

    # Buttons of one schedule

    def get_urls(self):
        nome = f"{self.opts.app_label}_{self.opts.model_name}"

        def botao(view):
            return self.admin_site.admin_view(require_POST(view))

        return [
            path("<path:object_id>/executar/", botao(self.executar_view), name=f"{nome}_executar"),
            path("<path:object_id>/ativar/", botao(self.ativar_view), name=f"{nome}_ativar"),
            path("<path:object_id>/desativar/", botao(self.desativar_view), name=f"{nome}_desativar"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        agendamento = self.get_object(request, unquote(object_id))
        contexto = dict(extra_context or {})
        if agendamento is not None:
            pode = self.has_change_permission(request, agendamento)
            ultima = agendamento_ultima_execucao(agendamento=agendamento)
            contexto.update(
                pode_executar=pode,
                pode_ativar=pode and not agendamento.ativo,
                pode_desativar=pode and agendamento.ativo,
                ultima_execucao_obj=ultima,
                ultima_situacao=badge_status(ultima) if ultima else None,
                erro_em_destaque=ultima.erro if ultima and ultima.status == AgendamentoExecucao.Status.FALHA else "",
            )
        return super().change_view(request, object_id, form_url, contexto)

    def _obter_para_alterar(self, request, object_id) -> Agendamento:
        agendamento = self.get_object(request, unquote(object_id))
        if agendamento is None:
            raise Http404("Agendamento não encontrado.")
        if not self.has_change_permission(request, agendamento):
            raise PermissionDenied
        return agendamento

    def _url(self, agendamento: Agendamento) -> str:
        return reverse(f"{self.admin_site.name}:agendamentos_agendamento_change", args=[agendamento.pk])

    def _executar_servico(self, request, servico, agendamento: Agendamento, sucesso: str) -> bool:
        try:
            with transaction.atomic():
                servico(agendamento=agendamento, por=request.user)
        except ErroDeNegocio as erro:
            self.message_user(request, f"{agendamento}: {erro.mensagem}", messages.ERROR)
            return False
        if sucesso:
            self.message_user(request, sucesso, messages.SUCCESS)
        return True

    def executar_view(self, request, object_id):
        agendamento = self._obter_para_alterar(request, object_id)
        self._executar_servico(
            request,
            agendamento_solicitar_execucao,
            agendamento,
            f"Execução enfileirada: “{agendamento}” começa em instantes; o resultado aparece no histórico abaixo.",
        )
        return redirect(self._url(agendamento))

    def ativar_view(self, request, object_id):
        agendamento = self._obter_para_alterar(request, object_id)
        self._executar_servico(request, agendamento_ativar, agendamento, f"“{agendamento}” ativado.")
        return redirect(self._url(agendamento))

    def desativar_view(self, request, object_id):
        agendamento = self._obter_para_alterar(request, object_id)
        self._executar_servico(request, agendamento_desativar, agendamento, f"“{agendamento}” desativado.")
        return redirect(self._url(agendamento))

    # Bulk actions

    def _em_lote(self, request, queryset, servico, singular: str, varios: str) -> None:
        feitos = sum(self._executar_servico(request, servico, agendamento, "") for agendamento in queryset)
        if feitos:
            self.message_user(request, f"{plural(feitos, singular, varios)}.", messages.SUCCESS)

    @admin.action(description="Executar agora", permissions=["change"])
    def executar_agora_selecionados(self, request, queryset):
        self._em_lote(
            request, queryset, agendamento_solicitar_execucao, "execução enfileirada", "execuções enfileiradas"
        )

    @admin.action(description="Ativar", permissions=["change"])
    def ativar_selecionados(self, request, queryset):
        self._em_lote(request, queryset, agendamento_ativar, "agendamento ativado", "agendamentos ativados")

    @admin.action(description="Desativar", permissions=["change"])
    def desativar_selecionados(self, request, queryset):
        self._em_lote(request, queryset, agendamento_desativar, "agendamento desativado", "agendamentos desativados")


@admin.register(AgendamentoExecucao)
class AgendamentoExecucaoAdmin(SituacaoErroMixin, SomenteLeituraAdmin):
    list_display = ("agendamento", "inicio_formatado", "fim_formatado", "situacao", "solicitado_por", "erro_resumo")
    list_filter = ("status", "agendamento")
    list_select_related = ("agendamento", "solicitado_por")
    search_fields = ("agendamento__nome", "erro")
    date_hierarchy = "inicio"
    fields = ("agendamento", "inicio_formatado", "fim_formatado", "status", "resultado", "erro", "solicitado_por")
    readonly_fields = ("inicio_formatado", "fim_formatado")

    @admin.display(description="início", ordering="inicio")
    def inicio_formatado(self, obj):
        return quando(obj.inicio)

    @admin.display(description="fim", ordering="fim")
    def fim_formatado(self, obj):
        return quando(obj.fim)


# Schedules are edited only through Agendamento: beat's own rows are written by `agendamento_sincronizar`, and a
# second way to change them in the admin would let a PeriodicTask drift from its Agendamento. (The admin role
# keeps its view permissions on them in papeis.py: harmless without pages, and dropping them would take a
# migration that re-applies the role table.)
for _modelo in (PeriodicTask, PeriodicTasks, CrontabSchedule, IntervalSchedule, ClockedSchedule, SolarSchedule):
    if admin.site.is_registered(_modelo):
        admin.site.unregister(_modelo)
