"""Webhooks in the admin (administrators only): register receivers, send a test event, read every delivery and
each of its attempts, send again what failed."""

import json
import uuid

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from brm.common.admin import HistoricoInline, SituacaoErroMixin, SomenteLeituraMixin, aplicar_em_lote, badge, truncar
from brm.common.admin_auditoria import AuditoriaAdminMixin
from brm.common.errors import ErroDeNegocio

from .models import EVENTOS_ASSINAVEIS, EntregaWebhook, TentativaEntrega, Webhook
from .services import (
    entrega_conteudo,
    entrega_reenviar,
    webhook_alterar,
    webhook_criar,
    webhook_segredo_renovar,
    webhook_testar,
)


class WebhookForm(forms.ModelForm):
    url = forms.URLField(
        label="endereço",
        max_length=500,
        assume_scheme="https",
        help_text="Endereço http ou https que recebe um POST com o evento em JSON.",
    )
    eventos = forms.MultipleChoiceField(
        label="eventos",
        choices=EVENTOS_ASSINAVEIS,
        widget=forms.CheckboxSelectMultiple,
        help_text="Os eventos que este endereço recebe.",
    )

    class Meta:
        model = Webhook
        fields = ("nome", "url", "eventos", "ativo")


class EntregasRecentesInline(HistoricoInline):
    model = EntregaWebhook
    verbose_name_plural = "últimas entregas"
    limite = 20
    fields = readonly_fields = (
        "entrega_link",
        "evento",
        "situacao",
        "tentativas",
        "proxima_tentativa_em",
        "erro_resumo",
    )
    ordering = ("-quando",)

    @admin.display(description="quando")
    def entrega_link(self, obj):
        url = reverse("admin:webhooks_entregawebhook_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.quando.strftime("%d/%m/%Y %H:%M:%S") if obj.quando else "")

    @admin.display(description="situação")
    def situacao(self, obj):
        return badge(obj.get_status_display(), EntregaWebhook.CORES.get(obj.status))

    @admin.display(description="último erro")
    def erro_resumo(self, obj):
        return truncar(obj.erro, 80)


@admin.register(Webhook)
class WebhookAdmin(AuditoriaAdminMixin, admin.ModelAdmin):
    """Receivers of events. The secret is shown once, when the webhook is created or its secret renewed."""

    form = WebhookForm
    list_display = ("nome", "url", "eventos_lista", "situacao", "created_at", "criado_por")
    list_filter = ("ativo",)
    list_select_related = ("criado_por",)
    search_fields = ("nome", "url")
    actions = ["enviar_teste", "renovar_segredo"]
    inlines = [EntregasRecentesInline]
    readonly_fields = ("segredo_situacao", "created_at", "criado_por")

    def get_fields(self, request, obj=None):
        campos = ("nome", "url", "eventos", "ativo")
        return campos if obj is None else (*campos, *self.readonly_fields)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    @admin.display(description="eventos")
    def eventos_lista(self, obj):
        return ", ".join(obj.eventos_rotulos())

    @admin.display(description="situação", ordering="ativo")
    def situacao(self, obj):
        return badge("Ativo", "#198754") if obj.ativo else badge("Inativo", "#6c757d")

    @admin.display(description="segredo")
    def segredo_situacao(self, obj):
        return "Definido. Foi mostrado uma vez, na criação; para ver um novo, use a ação “Gerar um novo segredo”."

    def save_model(self, request, obj, form, change):
        if change:
            campos = {campo: form.cleaned_data[campo] for campo in form.changed_data if campo in form.Meta.fields}
            webhook_alterar(webhook=obj, por=request.user, **campos)
            return
        webhook, segredo = webhook_criar(
            nome=obj.nome, url=obj.url, eventos=obj.eventos, ativo=obj.ativo, por=request.user
        )
        obj.pk = webhook.pk
        obj._state.adding = False
        request._brm_segredo_criado = segredo

    def response_add(self, request, obj, post_url_continue=None):
        segredo = getattr(request, "_brm_segredo_criado", None)
        if segredo is None:
            return super().response_add(request, obj, post_url_continue)
        return self._mostrar_segredo(request, obj, segredo, "Webhook criado")

    def _mostrar_segredo(self, request, webhook, segredo, titulo):
        contexto = {
            **self.admin_site.each_context(request),
            "title": titulo,
            "opts": self.opts,
            "webhook": webhook,
            "segredo": segredo,
        }
        return TemplateResponse(request, "admin/webhooks/webhook/segredo.html", contexto)

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except ErroDeNegocio as erro:
            self.message_user(request, erro.mensagem, messages.ERROR)
            return super().add_view(request, form_url, extra_context)

    @admin.action(description="Enviar um evento de teste", permissions=["change"])
    def enviar_teste(self, request, queryset):
        aplicar_em_lote(
            self,
            request,
            queryset,
            lambda webhook: webhook_testar(webhook=webhook, por=request.user),
            feito=("evento de teste enviado", "eventos de teste enviados"),
        )

    @admin.action(description="Gerar um novo segredo", permissions=["change"])
    def renovar_segredo(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Escolha um webhook de cada vez para gerar um novo segredo.", messages.WARNING)
            return None
        webhook = queryset.get()
        try:
            segredo = webhook_segredo_renovar(webhook=webhook, por=request.user)
        except ErroDeNegocio as erro:
            self.message_user(request, erro.mensagem, messages.ERROR)
            return None
        return self._mostrar_segredo(request, webhook, segredo, "Novo segredo gerado")


class TentativasInline(HistoricoInline):
    model = TentativaEntrega
    fields = readonly_fields = ("numero", "iniciada_em", "duracao_ms", "status_http", "erro", "resposta_inicio")
    ordering = ("numero",)

    @admin.display(description="início da resposta")
    def resposta_inicio(self, obj):
        if obj.duracao_ms is None and not obj.erro:
            return "Sem resultado registrado: o processo que fazia a chamada parou antes do fim."
        return format_html("<pre style='white-space: pre-wrap; margin: 0'>{}</pre>", obj.resposta)


@admin.register(EntregaWebhook)
class EntregaWebhookAdmin(SomenteLeituraMixin, SituacaoErroMixin, admin.ModelAdmin):
    """The delivery log: every event sent to every webhook, its status and each attempt."""

    list_display = ("quando", "evento", "webhook", "situacao", "tentativas", "proxima_tentativa_em", "erro_resumo")
    list_filter = ("status", "evento", "webhook")
    list_select_related = ("webhook",)
    # Only a whole delivery id (as a receiver logs it, from `X-BRM-Entrega`) is searched.
    search_fields = ("id",)
    search_help_text = "O id da entrega (o cabeçalho X-BRM-Entrega)."
    date_hierarchy = "quando"
    actions = ["reenviar_selecionadas"]
    inlines = [TentativasInline]
    fields = readonly_fields = (
        "webhook",
        "evento",
        "quando",
        "situacao",
        "tentativas",
        "proxima_tentativa_em",
        "entregue_em",
        "erro",
        "conteudo",
    )

    def get_search_results(self, request, queryset, search_term):
        termo = (search_term or "").strip()
        if not termo:
            return queryset, False
        try:
            return queryset.filter(pk=uuid.UUID(termo)), False
        except ValueError:
            return queryset.none(), False

    @admin.display(description="conteúdo enviado")
    def conteudo(self, obj):
        texto = json.dumps(entrega_conteudo(obj), ensure_ascii=False, indent=2, default=str)
        return format_html("<pre style='white-space: pre-wrap; margin: 0'>{}</pre>", texto)

    def has_reenviar_permission(self, request):
        return request.user.has_perm("webhooks.change_webhook")

    @admin.action(description="Reenviar as entregas que falharam", permissions=["reenviar"])
    def reenviar_selecionadas(self, request, queryset):
        aplicar_em_lote(
            self,
            request,
            queryset.select_related("webhook"),
            lambda entrega: entrega_reenviar(entrega=entrega, por=request.user),
            feito=("entrega reenviada", "entregas reenviadas"),
        )
