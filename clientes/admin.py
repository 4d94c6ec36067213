from django.contrib import admin

from brm.common.admin import BuscaCNPJMixin, SegredosOcultosMixin, trocar_campos

from .models import Cliente


@admin.register(Cliente)
class ClienteAdmin(BuscaCNPJMixin, SegredosOcultosMixin, admin.ModelAdmin):
    list_display = ("razao_social", "cnpj_formatado", "operadora", "conta", "unidade", "ativo")
    list_filter = ("ativo", "operadora")
    list_select_related = ("operadora",)
    search_fields = ("razao_social", "cnpj", "conta", "unidade", "codigo_sat")
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
