"""django-allauth adapted to a back office whose accounts an administrator creates.

SSO (GitHub, OpenID Connect) only signs in people who already have an account: the provider's verified e-mail
must be an active account's e-mail; nobody is ever signed up by it. allauth's own pages (sign-up, password,
e-mail management) are not offered: the admin's login page stays the login page (brm/entrada/urls.py).
"""

import logging

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter, _build_apps_from_settings
from allauth.socialaccount.models import SocialApp
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect

from . import selectors, services

logger = logging.getLogger(__name__)


def recusar(request, mensagem: str):
    """Back to the login page, saying why; nothing was created or signed in."""
    messages.error(request, mensagem)
    raise ImmediateHttpResponse(redirect("admin:login"))


class AdaptadorDeContas(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False


class AdaptadorSocial(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False

    def is_auto_signup_allowed(self, request, sociallogin) -> bool:
        return False

    def list_apps(self, request, provider=None, client_id=None):
        # Only the apps the settings configure (BRM_SSO_*): a SocialApp row added to the database would open a
        # way in that no deploy reviewed. Read from the settings alone (allauth's own blend of both sources, in
        # the pinned version), so the login page asks the database nothing for its buttons.
        apps = _build_apps_from_settings(provider=provider, client_id=client_id)
        return [app for apps_do_provedor in apps.values() for app in apps_do_provedor]

    def get_app(self, request, provider, client_id=None):
        # A provider that is not configured has no address (404), rather than allauth's DoesNotExist (500).
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise Http404("Entrada por este provedor não está configurada.") from None

    def pre_social_login(self, request, sociallogin) -> None:
        provedor = sociallogin.provider.name
        if sociallogin.state.get("process", "login") != "login":
            # Linking another account to someone already signed in ("connect") would map an account whose e-mail
            # is not theirs; the only way to link is signing in with a matching verified e-mail.
            recusar(request, f"Só é possível entrar com {provedor}, não vincular contas.")
        if sociallogin.is_existing:
            usuario = sociallogin.user
        else:
            emails = [endereco.email for endereco in sociallogin.email_addresses if endereco.verified]
            usuario = selectors.usuario_por_emails_verificados(emails=emails)
            if usuario is None:
                logger.warning("Entrada por %s recusada: nenhuma conta com os e-mails %s.", provedor, emails)
                recusar(
                    request,
                    f"Não há conta no BRM para o e-mail verificado da sua conta {provedor}"
                    + (f" ({', '.join(emails)})" if emails else "")
                    + ". A entrada por "
                    f"{provedor} só vale para quem já tem conta: peça a um administrador para criar a sua com esse "
                    "e-mail.",
                )
        if not usuario.is_active:
            recusar(request, "Esta conta está desativada: fale com um administrador.")
        if not usuario.is_staff:
            recusar(request, "Esta conta não tem acesso ao painel administrativo: fale com um administrador.")
        if not sociallogin.is_existing:
            services.conta_externa_vincular(request=request, sociallogin=sociallogin, usuario=usuario)

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None) -> None:
        logger.warning("Entrada por %s falhou: %s %r", provider.name, error, exception)
        if error == "cancelled":
            recusar(request, f"Entrada por {provider.name} cancelada.")
        recusar(
            request,
            f"Não foi possível entrar por {provider.name}: o provedor não confirmou a identidade. Tente de novo; se "
            "continuar, avise um administrador.",
        )
