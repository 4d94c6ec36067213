"""Reads of the alerts: their configuration, who receives each kind, and what waits to be sent."""

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet

from .models import ConfiguracaoDeAlertas, DestinatarioDeAlerta, EnvioDeAlerta, EventoDeAlerta


def configuracao_alertas_obter() -> ConfiguracaoDeAlertas:
    """The alerts' configuration, created the first time it is read (due dates as the painel counts them)."""
    configuracao, _ = ConfiguracaoDeAlertas.objects.get_or_create(
        chave=ConfiguracaoDeAlertas.CHAVE_UNICA,
        defaults={"dias_vencimento": settings.BRM_PAINEL_VENCIMENTO_DIAS},
    )
    return configuracao


def _destinatarios_ativos() -> list[DestinatarioDeAlerta]:
    # Recipients are few (a team): their kinds are filtered here, which works on SQLite and PostgreSQL alike,
    # where a JSON "contains" lookup does not.
    return list(
        DestinatarioDeAlerta.objects.filter(ativo=True)
        .exclude(usuario__is_active=False)
        .select_related("usuario")
        .only("tipos", "email", "usuario__email", "usuario__is_active")
    )


def alerta_destinatarios(*, tipo: str) -> list[str]:
    """The addresses that receive `tipo` now, sorted and without repeats; users only while active."""
    destinatarios = _destinatarios_ativos()
    return sorted({destinatario.endereco.lower() for destinatario in destinatarios if destinatario.recebe(tipo)})


def alerta_tem_destinatario(*, tipo: str) -> bool:
    return any(destinatario.recebe(tipo) for destinatario in _destinatarios_ativos())


def alerta_eventos_pendentes(*, tipo: str) -> QuerySet[EventoDeAlerta]:
    return EventoDeAlerta.objects.filter(tipo=tipo, status=EventoDeAlerta.Status.PENDENTE).order_by("criado_em", "id")


def alerta_ultimo_envio_em(*, tipo: str) -> dt.datetime | None:
    """When the last e-mail of `tipo` was accepted by the SMTP server; failed attempts do not count."""
    return (
        EnvioDeAlerta.objects.filter(tipo=tipo, status=EnvioDeAlerta.Status.ENVIADO)
        .order_by("-enviado_em")
        .values_list("enviado_em", flat=True)
        .first()
    )
