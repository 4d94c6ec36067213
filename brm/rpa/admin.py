"""The robot configuration in the admin: one row, edited by admins, with a button that tests the connection."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from brm.common.admin import SegredosOcultosMixin
from brm.common.admin_auditoria import AuditoriaAdminMixin

from .models import ConfiguracaoRPA
from .selectors import configuracao_rpa_obter
from .services import configuracao_rpa_testar_conexao


@admin.register(ConfiguracaoRPA)
class ConfiguracaoRPAAdmin(SegredosOcultosMixin, AuditoriaAdminMixin, admin.ModelAdmin):
    campos_secretos = {"token": "token global"}
    # The robot API usually lives at a bare address on the internal network (http://191.252.218.230:8000).
    formfield_overrides = {models.URLField: {"assume_scheme": "http"}}
    fieldsets = (
        ("API", {"fields": ("url_base", "token", "robo_sat")}),
        ("Ritmo", {"fields": ("intervalo_polling_ms", "timeout_execucao_segundos", "timeout_http_segundos")}),
        ("Limites", {"fields": ("limite_global", "teto_ocupacao_minutos")}),
        ("Cancelamento no robô", {"classes": ("collapse",), "fields": ("endpoint_cancelamento",)}),
        (
            "Política de novas tentativas",
            {
                "fields": (
                    "max_tentativas_envio",
                    "backoff_base_segundos",
                    "backoff_max_segundos",
                    "reexecucoes_automaticas",
                    "intervalo_reexecucao_minutos",
                )
            },
        ),
        ("Registro", {"classes": ("collapse",), "fields": ("created_at", "updated_at")}),
    )
    readonly_fields = ("created_at", "updated_at")

    def get_urls(self):
        nome = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "testar-conexao/",
                self.admin_site.admin_view(require_POST(self.testar_conexao_view)),
                name=f"{nome}_testar_conexao",
            ),
            *super().get_urls(),
        ]

    # One row: the list is only a way to reach it.

    def has_add_permission(self, request):
        # The row is created from the RPA_* settings the first time the list is opened.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return redirect(self._url_da_configuracao(configuracao_rpa_obter()))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["pode_testar_conexao"] = obj is not None and self.has_change_permission(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def testar_conexao_view(self, request):
        configuracao = configuracao_rpa_obter()
        if not self.has_change_permission(request, configuracao):
            raise PermissionDenied
        resultado = configuracao_rpa_testar_conexao(configuracao=configuracao)
        self.message_user(request, resultado.mensagem, messages.SUCCESS if resultado.ok else messages.ERROR)
        return redirect(self._url_da_configuracao(configuracao))

    def _url_da_configuracao(self, configuracao: ConfiguracaoRPA) -> str:
        return reverse(f"{self.admin_site.name}:rpa_configuracaorpa_change", args=[configuracao.pk])
