import json

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from brm.common.admin import (
    BuscaCNPJMixin,
    HistoricoInline,
    SalvarSoAlteradosMixin,
    SituacaoErroMixin,
    SomenteLeituraAdmin,
    badge,
    badge_status,
    truncar,
)

from ..models import Execucao, ExecucaoEvento, ExecucaoLog, Processo, ProcessoEvento
from .controles import ControlesDaExecucaoMixin


@admin.register(ProcessoEvento)
class ProcessoEventoAdmin(BuscaCNPJMixin, SomenteLeituraAdmin):
    campo_cnpj = "processo__cliente__cnpj"
    list_display = ("quando", "processo", "de", "para_badge", "por", "motivo_resumo")
    list_filter = ("para", "de")
    list_select_related = ("processo__cliente", "por")
    search_fields = ("processo__cliente__razao_social", "processo__cliente__cnpj", "motivo")
    date_hierarchy = "quando"
    fields = ("processo", "de", "para", "por", "motivo", "quando")

    @admin.display(description="para", ordering="para")
    def para_badge(self, obj):
        return badge(obj.get_para_display(), Processo.CORES.get(obj.para))

    @admin.display(description="motivo")
    def motivo_resumo(self, obj):
        return truncar(obj.motivo)


class HistoricoExecucaoInline(HistoricoInline):
    model = ExecucaoEvento
    verbose_name = "mudança de situação"
    verbose_name_plural = "histórico da execução"
    fields = readonly_fields = ("quando", "de", "para_badge", "por", "motivo")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("por")

    @admin.display(description="para")
    def para_badge(self, obj):
        return badge(obj.get_para_display(), Execucao.CORES.get(obj.para))


class LogInline(HistoricoInline):
    model = ExecucaoLog
    limite = 500
    verbose_name_plural = "log do robô (primeiras 500 linhas)"
    fields = readonly_fields = ("seq", "quando", "nivel", "mensagem")


@admin.register(Execucao)
class ExecucaoAdmin(
    ControlesDaExecucaoMixin, SituacaoErroMixin, BuscaCNPJMixin, SalvarSoAlteradosMixin, admin.ModelAdmin
):
    campo_cnpj = "processo__cliente__cnpj"
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
    list_filter = ("status", "tipo", "origem", "processo__cliente__operadora")
    list_select_related = ("processo__cliente",)
    search_fields = ("processo__cliente__razao_social", "processo__cliente__cnpj", "job_id")
    date_hierarchy = "criado_em"
    autocomplete_fields = ("processo",)
    inlines = [HistoricoExecucaoInline, LogInline]
    actions = ["reexecutar_selecionadas", "cancelar_selecionadas"]
    fieldsets = (
        (None, {"fields": ("processo", "tipo", "origem", "situacao")}),
        ("Robô", {"fields": ("job_id", "tentativa", "tentativas_envio", "solicitado_por")}),
        ("Reexecuções", {"fields": ("anterior_link", "reexecucoes_links")}),
        ("Datas", {"fields": ("criado_em", "enviado_em", "iniciado_em", "finalizado_em", "proxima_tentativa_em")}),
        ("Resultado", {"fields": ("erro", "resultado_formatado", "linhas_de_log")}),
    )
    # Written by the dispatcher and by the robot's answers, never by hand.
    campos_do_robo = (
        "situacao",
        "job_id",
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
        return format_html('<a href="{}?execucao__id__exact={}">{} linhas</a>', url, obj.pk, total)

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
class ExecucaoLogAdmin(SomenteLeituraAdmin):
    list_display = ("execucao", "seq", "quando", "nivel", "mensagem_resumo")
    list_filter = ("nivel",)
    list_select_related = ("execucao__processo__cliente",)
    search_fields = ("mensagem", "execucao__job_id")
    date_hierarchy = "quando"
    fields = ("execucao", "seq", "quando", "nivel", "mensagem")

    @admin.display(description="mensagem")
    def mensagem_resumo(self, obj):
        return truncar(obj.mensagem, 120)
