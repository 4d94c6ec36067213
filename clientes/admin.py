from django.contrib import admin, messages
from django.http import HttpResponseRedirect

from brm.common.admin import BuscaCNPJMixin, SegredosOcultosMixin, adotar_linha_salva, trocar_campos
from brm.common.admin_auditoria import AuditoriaAdminMixin
from brm.common.errors import ErroDeNegocio
from brm.common.fields import LIMPAR_SEGREDO

from .models import Cliente
from .selectors import CAMPOS_DE_BUSCA
from .services import CAMPOS, cliente_atualizar, cliente_criar, cliente_excluir


@admin.register(Cliente)
class ClienteAdmin(BuscaCNPJMixin, SegredosOcultosMixin, AuditoriaAdminMixin, admin.ModelAdmin):
    """Clients, saved and deleted through the same services as the API: one set of rules for both."""

    list_display = ("razao_social", "cnpj_formatado", "operadora", "conta", "unidade", "ativo")
    list_filter = ("ativo", "operadora")
    list_select_related = ("operadora",)
    search_fields = CAMPOS_DE_BUSCA
    autocomplete_fields = ("operadora",)
    readonly_fields = ("cnpj_formatado", "created_at", "updated_at")
    campos_secretos = {"senha_portal": "senha do portal"}
    fieldsets = (
        (None, {"fields": ("razao_social", "cnpj", "operadora", "ativo")}),
        ("Conta na operadora", {"fields": ("conta", "unidade", "dia_emissao")}),
        ("Acesso ao portal", {"fields": ("login_portal", "senha_portal")}),
        ("Robô e SAT", {"fields": ("dados_rpa", "codigo_sat")}),
        ("Registro", {"classes": ("collapse",), "fields": ("created_at", "updated_at")}),
    )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj):
            return fieldsets
        return trocar_campos(fieldsets, {"cnpj": "cnpj_formatado"})

    @admin.display(description="CNPJ", ordering="cnpj")
    def cnpj_formatado(self, obj):
        return obj.cnpj_formatado

    # Writes go through the services

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ErroDeNegocio as erro:
            # The form checked the fields already; this is a rule of the service (or a change made meanwhile).
            self.message_user(request, erro.mensagem, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        dados = form.cleaned_data
        campos = {
            campo: dados[campo] for campo in CAMPOS if campo in dados and (not change or campo in form.changed_data)
        }
        limpar = campos.get("senha_portal") is LIMPAR_SEGREDO
        if limpar:
            del campos["senha_portal"]
        if change:
            salvo = cliente_atualizar(cliente=obj, por=request.user, limpar_senha_portal=limpar, **campos)
        else:
            salvo = cliente_criar(por=request.user, **campos)
        adotar_linha_salva(obj, salvo)

    def delete_model(self, request, obj):
        cliente_excluir(cliente=obj, por=request.user)

    def delete_queryset(self, request, queryset):
        for cliente in queryset:
            cliente_excluir(cliente=cliente, por=request.user)
