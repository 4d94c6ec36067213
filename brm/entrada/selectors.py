"""Reads of the sign-in: the lockouts, the SSO providers offered on the login page, and whose account an SSO e-mail
is."""

import datetime as dt

from allauth.socialaccount.adapter import get_adapter
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from brm.usuarios.models import Usuario


def provedores_sso_listar(request) -> list[dict]:
    """The providers the settings configure, each with its name and where its login form posts; none when SSO is
    off."""
    return [
        {"id": provedor.sub_id, "nome": provedor.name, "url": provedor.get_login_url(request)}
        for provedor in get_adapter(request).list_providers(request)
    ]


def usuario_por_emails_verificados(*, emails: list[str]) -> Usuario | None:
    """The person whose e-mail is one of `emails` (already verified by the provider), in the order given."""
    for email in emails:
        usuario = Usuario.objects.filter(email__iexact=email.strip()).first()
        if usuario is not None:
            return usuario
    return None


def tentativas_bloqueadas(tentativas: QuerySet) -> QuerySet:
    """Of `tentativas`, those whose pair is locked now: the failure limit reached, within the wait (if there is one)."""
    bloqueadas = tentativas.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    if settings.AXES_COOLOFF_TIME is not None:
        bloqueadas = bloqueadas.filter(attempt_time__gt=timezone.now() - settings.AXES_COOLOFF_TIME)
    return bloqueadas


def tentativa_expirada(tentativa) -> bool:
    """The wait after the pair's last attempt has passed: its failures no longer count."""
    return (
        settings.AXES_COOLOFF_TIME is not None and tentativa.attempt_time + settings.AXES_COOLOFF_TIME <= timezone.now()
    )


def tentativa_bloqueada_ate(tentativa) -> dt.datetime | bool | None:
    """When the pair's lockout ends: None if it is not locked; `True` if only an administrator lifts it."""
    if tentativa.failures_since_start < settings.AXES_FAILURE_LIMIT or tentativa_expirada(tentativa):
        return None
    if settings.AXES_COOLOFF_TIME is None:
        return True
    return tentativa.attempt_time + settings.AXES_COOLOFF_TIME
