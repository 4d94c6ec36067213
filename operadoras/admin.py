from django.contrib import admin
from django.db import models
from django.db.models import Count, Q

from .models import Operadora


@admin.register(Operadora)
class OperadoraAdmin(admin.ModelAdmin):
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
        ("Robô", {"fields": ("possui_rpa", "rpa_terceirizado", "url_endpoint_rpa", "max_execucoes_simultaneas")}),
        ("Registro", {"classes": ("collapse",), "fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(_clientes_ativos=Count("clientes", filter=Q(clientes__ativo=True)))
        )

    @admin.display(description="clientes ativos", ordering="_clientes_ativos")
    def clientes_ativos(self, obj):
        return obj._clientes_ativos
