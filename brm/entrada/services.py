"""Writes of the sign-in: lifting lockouts, forgetting failures after a right password, linking an SSO account."""

import logging

from axes.utils import reset
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from brm.common.errors import ErroDeNegocio
from brm.usuarios.models import Usuario

logger = logging.getLogger(__name__)


@transaction.atomic
def bloqueios_desfazer(*, tentativas: QuerySet, por: Usuario) -> int:
    """Delete the failure counts in `tentativas`: each (e-mail, address) pair may sign in again at once.
    Returns how many rows went."""
    if not por.has_perm("entrada.delete_tentativadeentrada"):
        raise ErroDeNegocio("Você não tem permissão para desbloquear entradas.", codigo=ErroDeNegocio.PERMISSAO)
    pares = sorted({(t.username or "?", t.ip_address or "?") for t in tentativas})
    apagadas, _ = tentativas.delete()
    logger.info("Entradas desbloqueadas por %s: %s", por.email, ", ".join(f"{e} de {ip}" for e, ip in pares))
    return apagadas


def tentativas_esquecer(*, email: str, endereco: str | None) -> int:
    """A right password from this address: its earlier failures for this e-mail no longer count.

    What axes does for the login page on Django's `user_logged_in` (AXES_RESET_ON_SUCCESS); the API signs in
    without that signal, so its token endpoint calls this.
    """
    if not (settings.AXES_ENABLED and settings.AXES_RESET_ON_SUCCESS) or not endereco:
        return 0
    return reset(ip=endereco, username=email.strip().lower())


def conta_externa_vincular(*, request, sociallogin, usuario: Usuario) -> None:
    """Link the provider's account to `usuario` (first SSO sign-in): later sign-ins find it by the account."""
    sociallogin.connect(request, usuario)
    logger.info("Conta %s (%s) vinculada a %s.", sociallogin.account.provider, sociallogin.account.uid, usuario.email)
