from django.contrib import admin
from django.db import models

from brm.common.admin_auditoria import AuditoriaAdminMixin

from .models import Operadora
from .selectors import operadoras_com_clientes_ativos


@admin.register(Operadora)
class OperadoraAdmin(AuditoriaAdminMixin, admin.ModelAdmin):
    list_display = (
        "nome",
        "codigo",
        "possui_rpa",
        "rpa_terceirizado",
        "max_execucoes_simultaneas",
        "ativa",
        "clientes_ativos",
    )
    list_filter = ("ativa", "possui_rpa", "rpa_terceirizado")
    search_fields = ("nome", "codigo")
    prepopulated_fields = {"codigo": ("nome",)}
    readonly_fields = ("created_at", "updated_at")
    # An address typed without a scheme is taken as https (Django 6's default), not plain http.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("nome", "codigo", "ativa")}),
        ("Faturas", {"fields": ("dia_emissao",)}),
        ("Robô", {"fields": ("possui_rpa", "rpa_terceirizado", "url_endpoint_rpa", "max_execucoes_simultaneas")}),
        ("Registro", {"classes": ("collapse",), "fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return operadoras_com_clientes_ativos(super().get_queryset(request))

    @admin.display(description="clientes ativos", ordering="clientes_ativos")
    def clientes_ativos(self, obj):
        return obj.clientes_ativos
