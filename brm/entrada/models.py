"""The sign-in's rows, as the admin shows them: proxies of django-axes' and django-allauth's tables.

The tables belong to those libraries; the proxies give them Portuguese names, their own place in the admin
("Entrada") and their own permissions for the roles (brm/usuarios/papeis.py).
"""

from allauth.socialaccount.models import SocialAccount
from axes.models import AccessAttempt, AccessLog


class TentativaDeEntrada(AccessAttempt):
    """Wrong passwords counted for one e-mail from one address (and browser). At the limit the pair is locked out
    until the wait ends or an administrator deletes these rows ("Desbloquear")."""

    class Meta:
        proxy = True
        verbose_name = "tentativa de entrada com senha errada"
        verbose_name_plural = "tentativas de entrada com senha errada"

    def __str__(self) -> str:
        return f"{self.username or '(sem e-mail)'} de {self.ip_address or '?'}"


class EntradaRegistrada(AccessLog):
    """One successful sign-in through the login page or SSO, with the address and when it ended (logout)."""

    class Meta:
        proxy = True
        verbose_name = "entrada registrada"
        verbose_name_plural = "entradas registradas"

    def __str__(self) -> str:
        return f"{self.username} de {self.ip_address or '?'}"


class ContaExterna(SocialAccount):
    """A GitHub or OpenID Connect account linked to a person, made on their first SSO sign-in by matching a
    verified e-mail. Deleting it unlinks: the next SSO sign-in matches by e-mail again."""

    class Meta:
        proxy = True
        verbose_name = "conta externa vinculada"
        verbose_name_plural = "contas externas vinculadas"

    def __str__(self) -> str:
        # allauth's own asks the provider for a display name, which fails once that provider is switched off.
        return f"{self.provider} {self.uid} ({self.user})"
