from django.contrib import admin

from brm.common.admin import HistoricoInline, SomenteLeituraAdmin, badge_status, truncar

from .models import Agendamento, AgendamentoExecucao


class AgendamentoExecucaoInline(HistoricoInline):
    model = AgendamentoExecucao
    limite = 20
    show_change_link = True
    verbose_name_plural = "últimas execuções"
    fields = readonly_fields = ("inicio", "fim", "situacao", "solicitado_por", "erro_resumo")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("solicitado_por")

    @admin.display(description="situação")
    def situacao(self, obj):
        return badge_status(obj)

    @admin.display(description="erro")
    def erro_resumo(self, obj):
        return truncar(obj.erro)


@admin.register(Agendamento)
class AgendamentoAdmin(admin.ModelAdmin):
    list_display = (
        "nome",
        "tipo",
        "expressao_cron",
        "fuso_horario",
        "ativo",
        "proxima_execucao",
        "ultima_execucao",
        "total_execucoes",
        "total_sucessos",
        "total_falhas",
    )
    list_filter = ("ativo", "tipo")
    search_fields = ("nome",)
    inlines = [AgendamentoExecucaoInline]
    # Counters and dates are written by the task when it really runs; the beat link by the sync service.
    readonly_fields = (
        "proxima_execucao",
        "ultima_execucao",
        "total_execucoes",
        "total_sucessos",
        "total_falhas",
        "periodic_task",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("nome", "tipo", "ativo")}),
        ("Quando", {"fields": ("expressao_cron", "fuso_horario", "proxima_execucao", "ultima_execucao")}),
        ("Parâmetros", {"fields": ("parametros",)}),
        ("Contadores", {"fields": ("total_execucoes", "total_sucessos", "total_falhas")}),
        ("Registro", {"classes": ("collapse",), "fields": ("periodic_task", "created_at", "updated_at")}),
    )


@admin.register(AgendamentoExecucao)
class AgendamentoExecucaoAdmin(SomenteLeituraAdmin):
    list_display = ("agendamento", "inicio", "fim", "situacao", "solicitado_por", "erro_resumo")
    list_filter = ("status", "agendamento")
    list_select_related = ("agendamento", "solicitado_por")
    search_fields = ("agendamento__nome", "erro")
    date_hierarchy = "inicio"
    fields = ("agendamento", "inicio", "fim", "status", "resultado", "erro", "solicitado_por")

    @admin.display(description="situação", ordering="status")
    def situacao(self, obj):
        return badge_status(obj)

    @admin.display(description="erro")
    def erro_resumo(self, obj):
        return truncar(obj.erro)
