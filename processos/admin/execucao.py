import json

from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from brm.common.admin import (
    HistoricoInline,
    MudancasDeSituacaoInline,
    SalvarSoAlteradosMixin,
    SituacaoErroMixin,
    SomenteLeituraAdmin,
    badge,
    badge_status,
    truncar,
)
from brm.common.paginacao import ListaGrandeMixin

from ..models import Execucao, ExecucaoEvento, ExecucaoLog, Processo, ProcessoEvento
from ..selectors import (
    ORDEM_EXECUCOES,
    ORDEM_LOGS,
    ORDEM_LOGS_DA_EXECUCAO,
    eventos_buscar,
    execucao_log_ultimas,
    execucao_logs_buscar,
    execucao_logs_lista,
    execucoes_buscar,
    execucoes_lista,
)
from .controles import ControlesDaExecucaoMixin
from .filtros import FalhaAReexecutarFilter

COR_AINDA_NO_ROBO = "#fd7e14"
# Shown on a job's page; the whole log is in the list of log lines, filtered by the job.
LINHAS_NA_PAGINA = 50
FILTRO_DA_EXECUCAO = "execucao__id__exact"


@admin.register(ProcessoEvento)
class ProcessoEventoAdmin(ListaGrandeMixin, SomenteLeituraAdmin):
    list_display = ("quando", "processo", "de", "para_badge", "por", "motivo_resumo")
    # A date filter, not a date hierarchy: the hierarchy scans the whole table for its distinct dates.
    list_filter = ("para", "de", ("quando", admin.DateFieldListFilter))
    list_select_related = ("processo__cliente", "por")
    # The search itself is `eventos_buscar`; these only switch the search box on.
    search_fields = ("processo__cliente__razao_social", "processo__cliente__cnpj", "motivo")
    search_help_text = "CNPJ (inteiro ou o começo, com pontuação), parte da razão social, conta ou parte do motivo."
    fields = ("processo", "de", "para", "por", "motivo", "quando")

    def get_search_results(self, request, queryset, search_term):
        return eventos_buscar(queryset=queryset, termo=search_term), False

    @admin.display(description="para", ordering="para")
    def para_badge(self, obj):
        return badge(obj.get_para_display(), Processo.CORES.get(obj.para))

    @admin.display(description="motivo")
    def motivo_resumo(self, obj):
        return truncar(obj.motivo)


class HistoricoExecucaoInline(MudancasDeSituacaoInline):
    model = ExecucaoEvento
    verbose_name = "mudança de situação"
    verbose_name_plural = "histórico da execução"
    cores = Execucao.CORES


class UltimasLinhasFormSet(BaseInlineFormSet):
    def get_queryset(self):
        if not hasattr(self, "_ultimas"):
            self._ultimas = execucao_log_ultimas(execucao=self.instance, limite=LINHAS_NA_PAGINA)
        return self._ultimas


class LogInline(HistoricoInline):
    """The end of the log, where a job that failed says why; the whole of it is one click away."""

    model = ExecucaoLog
    formset = UltimasLinhasFormSet
    verbose_name_plural = f"log do robô (últimas {LINHAS_NA_PAGINA} linhas)"
    fields = readonly_fields = ("seq", "quando", "nivel", "mensagem")


@admin.register(Execucao)
class ExecucaoAdmin(
    ControlesDaExecucaoMixin, SituacaoErroMixin, ListaGrandeMixin, SalvarSoAlteradosMixin, admin.ModelAdmin
):
    list_display = (
        "processo",
        "tipo",
        "situacao",
        "origem",
        "tentativa",
        "criado_em",
        "finalizado_em",
        "erro_resumo",
    )
    list_filter = (
        "status",
        "tipo",
        "origem",
        "processo__cliente__operadora",
        ("criado_em", admin.DateFieldListFilter),
        FalhaAReexecutarFilter,
    )
    list_select_related = ("processo__cliente",)
    # The search itself is `execucoes_buscar`; these only switch the search box on.
    search_fields = ("processo__cliente__razao_social", "processo__cliente__cnpj", "job_id")
    search_help_text = "CNPJ (inteiro ou o começo, com pontuação), parte da razão social, conta ou id do trabalho."
    ordering = ORDEM_EXECUCOES
    autocomplete_fields = ("processo",)
    inlines = [HistoricoExecucaoInline, LogInline]
    actions = ["reexecutar_selecionadas", "cancelar_selecionadas"]
    fieldsets = (
        (None, {"fields": ("processo", "tipo", "origem", "situacao")}),
        ("Robô", {"fields": ("job_id", "robo_ocupado", "tentativa", "tentativas_envio", "solicitado_por")}),
        ("Reexecuções", {"fields": ("anterior_link", "reexecucoes_links")}),
        ("Datas", {"fields": ("criado_em", "enviado_em", "iniciado_em", "finalizado_em", "proxima_tentativa_em")}),
        ("Resultado", {"fields": ("erro", "resultado_formatado", "linhas_de_log")}),
    )
    # Written by the dispatcher and by the robot's answers, never by hand.
    campos_do_robo = (
        "situacao",
        "job_id",
        "robo_ocupado",
        "tentativa",
        "tentativas_envio",
        "anterior_link",
        "reexecucoes_links",
        "solicitado_por",
        "criado_em",
        "enviado_em",
        "iniciado_em",
        "finalizado_em",
        "proxima_tentativa_em",
        "erro",
        "resultado_formatado",
        "linhas_de_log",
    )

    def get_queryset(self, request):
        return execucoes_lista()

    @admin.display(description="situação", ordering="status")
    def situacao(self, obj):
        # A job BRM stopped following may still run at the robot, and still holds its slot: say so beside it.
        if obj.robo_ocupado:
            return format_html("{} {}", badge_status(obj), badge("ainda no robô", COR_AINDA_NO_ROBO))
        return badge_status(obj)

    def get_search_results(self, request, queryset, search_term):
        return execucoes_buscar(queryset=queryset, termo=search_term), False

    def has_add_permission(self, request):
        # Jobs are created by services (download, SAT upload, re-run), never typed in here.
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != Execucao.Status.PENDENTE:
            # Once handed to the robot, what it ran is history.
            return ("processo", "tipo", "origem", *self.campos_do_robo)
        return self.campos_do_robo

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self.contexto_dos_controles(request, obj))
            if obj.status != Execucao.Status.PENDENTE:
                # Nothing on the page can be edited any more: a save button would only confuse.
                context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="linhas de log")
    def linhas_de_log(self, obj):
        total = obj.logs.count()
        url = reverse(f"{self.admin_site.name}:processos_execucaolog_changelist")
        return format_html('<a href="{}?{}={}">{} linhas</a>', url, FILTRO_DA_EXECUCAO, obj.pk, total)

    @admin.display(description="resultado")
    def resultado_formatado(self, obj):
        if obj.resultado in (None, "", {}, []):
            return "—"
        return format_html(
            '<pre class="brm-json">{}</pre>', json.dumps(obj.resultado, indent=2, ensure_ascii=False, sort_keys=True)
        )

    @admin.display(description="execução anterior")
    def anterior_link(self, obj):
        if obj.anterior_id is None:
            return "—"
        return self._link_execucao(obj.anterior)

    @admin.display(description="reexecutada em")
    def reexecucoes_links(self, obj):
        reexecucoes = list(obj.reexecucoes.order_by("criado_em"))
        if not reexecucoes:
            return "—"
        return format_html_join(mark_safe("<br>"), "{}", ((self._link_execucao(r),) for r in reexecucoes))

    def _link_execucao(self, execucao: Execucao) -> str:
        url = reverse(f"{self.admin_site.name}:processos_execucao_change", args=[execucao.pk])
        return format_html(
            '<a href="{}">Tentativa {} · {}</a> {} <span class="brm-discreto">{}</span>',
            url,
            execucao.tentativa,
            execucao.get_origem_display(),
            badge_status(execucao),
            date_format(timezone.localtime(execucao.criado_em), "SHORT_DATETIME_FORMAT"),
        )


@admin.register(ExecucaoLog)
class ExecucaoLogAdmin(ListaGrandeMixin, SomenteLeituraAdmin):
    list_display = ("execucao", "seq", "quando", "nivel", "mensagem_resumo")
    list_filter = ("nivel",)
    list_select_related = ("execucao__processo__cliente",)
    # The search itself is `execucao_logs_buscar`; these only switch the search box on.
    search_fields = ("mensagem", "execucao__job_id")
    search_help_text = "Nas linhas de uma execução: parte da mensagem. Em todas: o id do trabalho no robô."
    fields = ("execucao", "seq", "quando", "nivel", "mensagem")

    def get_queryset(self, request):
        return execucao_logs_lista().order_by(*self.get_ordering(request))

    def get_ordering(self, request):
        return ORDEM_LOGS_DA_EXECUCAO if _execucao_filtrada(request) else ORDEM_LOGS

    def get_search_results(self, request, queryset, search_term):
        execucao_id = _execucao_filtrada(request)
        return execucao_logs_buscar(queryset=queryset, termo=search_term, execucao_id=execucao_id), False

    @admin.display(description="mensagem")
    def mensagem_resumo(self, obj):
        return truncar(obj.mensagem, 120)


def _execucao_filtrada(request) -> str | None:
    """The job whose lines the log list shows, when it shows one job's."""
    return request.GET.get(FILTRO_DA_EXECUCAO) or request.GET.get("execucao") or None
