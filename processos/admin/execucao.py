from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from brm.common.admin import (
    BuscaCNPJMixin,
    HistoricoInline,
    SalvarSoAlteradosMixin,
    SomenteLeituraAdmin,
    badge,
    badge_status,
    truncar,
)

from ..models import Execucao, ExecucaoLog, Processo, ProcessoEvento


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


class LogInline(HistoricoInline):
    model = ExecucaoLog
    limite = 500
    verbose_name_plural = "log do robô (primeiras 500 linhas)"
    fields = readonly_fields = ("seq", "quando", "nivel", "mensagem")


@admin.register(Execucao)
class ExecucaoAdmin(BuscaCNPJMixin, SalvarSoAlteradosMixin, admin.ModelAdmin):
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
    inlines = [LogInline]
    fieldsets = (
        (None, {"fields": ("processo", "tipo", "origem", "situacao")}),
        ("Robô", {"fields": ("job_id", "tentativa", "tentativas_envio", "anterior", "solicitado_por")}),
        ("Datas", {"fields": ("criado_em", "enviado_em", "iniciado_em", "finalizado_em", "proxima_tentativa_em")}),
        ("Resultado", {"fields": ("erro", "resultado", "linhas_de_log")}),
    )
    # Written by the dispatcher and by the robot's answers, never by hand.
    campos_do_robo = (
        "situacao",
        "job_id",
        "tentativa",
        "tentativas_envio",
        "anterior",
        "solicitado_por",
        "criado_em",
        "enviado_em",
        "iniciado_em",
        "finalizado_em",
        "proxima_tentativa_em",
        "erro",
        "resultado",
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

    @admin.display(description="situação", ordering="status")
    def situacao(self, obj):
        return badge_status(obj)

    @admin.display(description="erro")
    def erro_resumo(self, obj):
        return truncar(obj.erro)

    @admin.display(description="linhas de log")
    def linhas_de_log(self, obj):
        total = obj.logs.count()
        url = reverse(f"{self.admin_site.name}:processos_execucaolog_changelist")
        return format_html('<a href="{}?execucao__id__exact={}">{} linhas</a>', url, obj.pk, total)


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
