"""The alerts in the admin (administrators only): the thresholds, who receives which alert, the events waiting or
sent, and every e-mail sent (or that the SMTP server refused)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html

from brm.common.admin import HistoricoInline, SalvarSoAlteradosMixin, SomenteLeituraMixin, badge, badge_status, truncar
from brm.common.formatacao import formatar_instante
from brm.usuarios.models import Usuario

from .models import ConfiguracaoDeAlertas, DestinatarioDeAlerta, EnvioDeAlerta, EventoDeAlerta, TipoDeAlerta
from .selectors import configuracao_alertas_obter


# SalvarSoAlteradosMixin: the monitor of the robot API writes its columns of this row at any moment; saving the
# whole row would write back what the form read.
@admin.register(ConfiguracaoDeAlertas)
class ConfiguracaoDeAlertasAdmin(SalvarSoAlteradosMixin, admin.ModelAdmin):
    fieldsets = (
        ("Limites", {"fields": ("minutos_api_fora", "dias_vencimento")}),
        ("API de robôs agora", {"fields": ("situacao_api",)}),
    )
    readonly_fields = ("situacao_api",)

    @admin.display(description="situação")
    def situacao_api(self, obj):
        if obj is None or obj.api_robos_fora_desde is None:
            return "Respondendo (ou ninguém recebe este alerta, e ela não é consultada)."
        texto = f"Sem responder desde {formatar_instante(obj.api_robos_fora_desde)}"
        if obj.api_robos_alertada_em:
            texto += f"; alerta registrado em {formatar_instante(obj.api_robos_alertada_em)}"
        return f"{texto}. Último erro: {obj.api_robos_erro or '—'}"

    def has_add_permission(self, request):
        # The row is created the first time the list is opened (or a detector reads it).
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        configuracao = configuracao_alertas_obter()
        return redirect(reverse(f"{self.admin_site.name}:alertas_configuracaodealertas_change", args=[configuracao.pk]))


class DestinatarioDeAlertaForm(forms.ModelForm):
    tipos = forms.MultipleChoiceField(
        label="alertas",
        choices=TipoDeAlerta.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Os alertas que este destinatário recebe.",
        error_messages={"required": "Escolha pelo menos um alerta."},
    )

    class Meta:
        model = DestinatarioDeAlerta
        fields = ("usuario", "email", "tipos", "ativo")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        usuarios = Usuario.objects.filter(is_active=True)
        if self.instance.usuario_id:
            usuarios = usuarios | Usuario.objects.filter(pk=self.instance.usuario_id)
        self.fields["usuario"].queryset = usuarios.order_by("nome", "email")


@admin.register(DestinatarioDeAlerta)
class DestinatarioDeAlertaAdmin(admin.ModelAdmin):
    form = DestinatarioDeAlertaForm
    list_display = ("destinatario", "tipos_lista", "situacao")
    list_filter = ("ativo",)
    list_select_related = ("usuario",)
    search_fields = ("email", "usuario__email", "usuario__nome")

    @admin.display(description="destinatário")
    def destinatario(self, obj):
        return f"{obj.usuario} <{obj.usuario.email}>" if obj.usuario_id else obj.email

    @admin.display(description="alertas")
    def tipos_lista(self, obj):
        return ", ".join(obj.tipos_rotulos())

    @admin.display(description="situação", ordering="ativo")
    def situacao(self, obj):
        return badge("Ativo", "#198754") if obj.ativo else badge("Inativo", "#6c757d")


class _LinkDoCasoMixin:
    @admin.display(description="página")
    def caso(self, obj):
        return format_html('<a href="{}">abrir</a>', obj.caminho) if obj.caminho else "—"


@admin.register(EventoDeAlerta)
class EventoDeAlertaAdmin(_LinkDoCasoMixin, SomenteLeituraMixin, admin.ModelAdmin):
    """What the detectors found, waiting for the next e-mail of its kind or already sent."""

    list_display = ("criado_em", "tipo", "titulo", "situacao", "enviado_em", "caso")
    list_filter = ("status", "tipo")
    search_fields = ("titulo", "detalhe")
    date_hierarchy = "criado_em"
    fields = readonly_fields = (
        "tipo",
        "criado_em",
        "titulo",
        "detalhe",
        "caso",
        "situacao",
        "envio",
        "enviado_em",
        "chave",
    )

    @admin.display(description="situação", ordering="status")
    def situacao(self, obj):
        return badge_status(obj)


class EventosDoEnvioInline(_LinkDoCasoMixin, HistoricoInline):
    model = EventoDeAlerta
    fk_name = "envio"
    limite = 500
    verbose_name_plural = "eventos"
    fields = readonly_fields = ("criado_em", "titulo", "detalhe_resumo", "caso")
    ordering = ("criado_em",)

    @admin.display(description="detalhe")
    def detalhe_resumo(self, obj):
        return truncar(obj.detalhe, 160)


@admin.register(EnvioDeAlerta)
class EnvioDeAlertaAdmin(SomenteLeituraMixin, admin.ModelAdmin):
    """Every e-mail of alerts: to whom, with how many events, and the SMTP server's refusal when it failed."""

    list_display = ("iniciado_em", "tipo", "situacao", "total_eventos", "destinatarios", "enviado_em", "erro_resumo")
    list_filter = ("status", "tipo")
    date_hierarchy = "iniciado_em"
    inlines = [EventosDoEnvioInline]
    fields = readonly_fields = (
        "tipo",
        "situacao",
        "iniciado_em",
        "enviado_em",
        "destinatarios",
        "total_eventos",
        "erro",
    )

    @admin.display(description="situação", ordering="status")
    def situacao(self, obj):
        return badge_status(obj)

    @admin.display(description="erro")
    def erro_resumo(self, obj):
        return truncar(obj.erro, 80)
