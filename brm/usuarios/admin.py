from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from brm.common.admin import SegredosOcultosMixin
from brm.common.admin_auditoria import AuditoriaAdminMixin

from .forms import UsuarioAlteracaoForm, UsuarioCriacaoForm
from .models import Usuario
from .services import usuario_definir_papel


@admin.register(Usuario)
class UsuarioAdmin(SegredosOcultosMixin, AuditoriaAdminMixin, UserAdmin):
    form = UsuarioAlteracaoForm
    add_form = UsuarioCriacaoForm
    # The plain change form: Django's user add template speaks of a username, which we do not have.
    add_form_template = None
    list_display = ("email", "nome", "papel", "is_active", "last_login")
    list_filter = ("papel", "is_active", "is_superuser")
    search_fields = ("email", "nome")
    ordering = ("nome", "email")
    filter_horizontal = ()
    campos_secretos = {"api_externa_token": "token pessoal da API de robôs"}
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Dados pessoais", {"fields": ("nome",)}),
        ("Acesso", {"fields": ("papel", "grupos", "is_active", "is_staff", "is_superuser")}),
        ("API de robôs", {"fields": ("api_externa_token",)}),
        ("Datas", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "nome", "papel", "password1", "password2")}),)

    def get_readonly_fields(self, request, obj=None):
        campos = ["grupos", "last_login", "date_joined", *super().get_readonly_fields(request, obj)]
        if not request.user.is_superuser:
            # Only a superuser makes another one: the role ADMIN manages people, not the keys to everything.
            campos.append("is_superuser")
        return campos

    def has_change_permission(self, request, obj=None):
        # Otherwise an administrator could reset a superuser's password and sign in as them.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description="grupos")
    def grupos(self, obj):
        return ", ".join(obj.groups.order_by("name").values_list("name", flat=True)) or "—"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The role is the source of the permissions: the group always follows it.
        usuario_definir_papel(usuario=obj, papel=obj.papel)
