from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm

from .models import Usuario


class UsuarioCriacaoForm(BaseUserCreationForm):
    """A new user: e-mail, name, role and a password checked by AUTH_PASSWORD_VALIDATORS."""

    class Meta:
        model = Usuario
        fields = ("email", "nome", "papel")


class UsuarioAlteracaoForm(UserChangeForm):
    """The password is only a link to its own page; groups and permissions follow the role, so they are not here."""

    class Meta:
        model = Usuario
        fields = ("email", "password", "nome", "papel", "is_active", "is_staff", "is_superuser", "api_externa_token")
