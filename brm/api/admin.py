from urllib.parse import urlencode

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from brm.common.admin import aplicar_em_lote, badge
from brm.common.errors import ErroDeNegocio

from .models import TokenDeServico
from .services import token_de_servico_criar, token_de_servico_revogar

# SimpleJWT's own pages list every refresh token in full: whoever opened them could act as anyone. Sign-ins
# end through the API's sign-out, or by deactivating the account; expired rows go with LIMPEZA_LOGS.
admin.site.unregister(OutstandingToken)
admin.site.unregister(BlacklistedToken)


@admin.register(TokenDeServico)
class TokenDeServicoAdmin(admin.ModelAdmin):
    """Keys for other systems: created here (the key is shown once), watched (last use) and revoked."""

    list_display = ("nome", "usuario", "prefixo", "situacao", "ultimo_uso_em", "created_at", "criado_por")
    list_filter = (("revogado_em", admin.EmptyFieldListFilter),)
    list_select_related = ("usuario", "criado_por")
    search_fields = ("nome", "prefixo", "usuario__email")
    autocomplete_fields = ("usuario",)
    actions = ["revogar"]
    readonly_fields = (
        "prefixo",
        "situacao",
        "ultimo_uso_em",
        "created_at",
        "criado_por",
        "revogado_em",
        "revogado_por",
    )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("nome", "usuario")
        return ("nome", "usuario", *self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        # A key's account and name are what it was created with: a new key for another account is a new key.
        return self.readonly_fields if obj is None else ("nome", "usuario", *self.readonly_fields)

    def has_delete_permission(self, request, obj=None):
        # Revoked keys stay, as the record of who could call the API and when they last did.
        return False

    @admin.display(description="situação")
    def situacao(self, obj):
        return badge("Ativa", "#198754") if obj.ativo else badge("Revogada", "#b02a37")

    def save_model(self, request, obj, form, change):
        if change:
            return
        token, chave = token_de_servico_criar(nome=obj.nome, usuario=obj.usuario, por=request.user)
        obj.pk = token.pk
        obj._state.adding = False
        request._brm_chave_criada = chave

    def response_add(self, request, obj, post_url_continue=None):
        chave = getattr(request, "_brm_chave_criada", None)
        if chave is None:
            return super().response_add(request, obj, post_url_continue)
        contexto = {
            **self.admin_site.each_context(request),
            "title": "Chave criada",
            "opts": self.opts,
            "token": obj,
            "chave": chave,
        }
        return TemplateResponse(request, "admin/api/tokendeservico/criado.html", contexto)

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except ErroDeNegocio as erro:
            # Back to the empty form, filled in again with what was sent (the admin reads initial values from
            # the query string), with the service's reason on top.
            self.message_user(request, erro.mensagem, messages.ERROR)
            preenchido = {campo: request.POST[campo] for campo in ("nome", "usuario") if request.POST.get(campo)}
            return HttpResponseRedirect(f"{request.path}?{urlencode(preenchido)}")

    @admin.action(description="Revogar as chaves selecionadas", permissions=["change"])
    def revogar(self, request, queryset):
        aplicar_em_lote(
            self,
            request,
            queryset,
            lambda token: token_de_servico_revogar(token=token, por=request.user),
            feito=("chave revogada", "chaves revogadas"),
        )
