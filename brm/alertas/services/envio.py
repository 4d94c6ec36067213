"""Sending the alerts: for each kind with events waiting, one e-mail with all of them, at most one per hour.

At least once, never lost: a sender claims a kind (an `EnvioDeAlerta` ENVIANDO, one per kind by a constraint)
and the events waiting, sends with no transaction open (a slow SMTP server must not hold the database), and only
after the server accepted marks the e-mail and its events ENVIADO, in one transaction. An SMTP error leaves the
events PENDENTE for the next run (a minute later), and a failed attempt does not count as the hour's e-mail. A
sender that dies after the server accepted and before the mark leaves its claim until `RESERVA` passes; the
next run then sends the same events again: a repeated e-mail, never a lost one.
"""

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ..models import EnvioDeAlerta, EventoDeAlerta, TipoDeAlerta
from ..selectors import alerta_destinatarios, alerta_eventos_pendentes, alerta_ultimo_envio_em

logger = logging.getLogger(__name__)

# At most one e-mail per kind in this time: events of the same kind wait for the next one.
INTERVALO = dt.timedelta(hours=1)
# How long a claim holds a kind: longer than the sending task may live (its hard limit), so a claim is never
# taken over while its sender may still be working.
RESERVA = dt.timedelta(minutes=15)

E = EnvioDeAlerta.Status
P = EventoDeAlerta.Status

ASSUNTOS = {
    TipoDeAlerta.EXECUCAO_FALHOU: (
        "{n} execução falhou sem nova tentativa automática",
        "{n} execuções falharam sem nova tentativa automática",
    ),
    TipoDeAlerta.FATURA_ATRASADA: ("{n} fatura atrasada", "{n} faturas atrasadas"),
    TipoDeAlerta.VENCIMENTO_PROXIMO: (
        "{n} fatura perto do vencimento sem aprovação",
        "{n} faturas perto do vencimento sem aprovação",
    ),
    TipoDeAlerta.API_ROBOS_FORA: ("API de robôs: {n} aviso", "API de robôs: {n} avisos"),
}


@dataclass
class ResultadoEnvio:
    """What one run did, per kind: events sent (one e-mail each kind), kinds held by the hourly limit or busy with
    another sender, SMTP errors, and events dropped because nobody receives their kind any more."""

    enviados: dict[str, int] = field(default_factory=dict)
    retidos: list[str] = field(default_factory=list)
    falhas: dict[str, str] = field(default_factory=dict)
    descartados: int = 0


def alertas_enviar() -> ResultadoEnvio:
    """Send, for each kind of alert with events waiting, one e-mail with all of them (see the module)."""
    resultado = ResultadoEnvio()
    for tipo in TipoDeAlerta:
        _enviar_tipo(tipo, resultado)
    return resultado


def _enviar_tipo(tipo: TipoDeAlerta, resultado: ResultadoEnvio) -> None:
    if not alerta_eventos_pendentes(tipo=tipo).exists():
        return
    destinatarios = alerta_destinatarios(tipo=tipo)
    if not destinatarios:
        # Recorded while someone received this kind, who no longer does: kept as history, not mailed later.
        resultado.descartados += alerta_eventos_pendentes(tipo=tipo).update(status=P.DESCARTADO)
        return
    envio = _reservar(tipo, destinatarios)
    if envio is None:
        resultado.retidos.append(tipo.value)
        return
    eventos = list(EventoDeAlerta.objects.filter(envio=envio, status=P.PENDENTE).order_by("criado_em", "id"))
    try:
        _mensagem(tipo, eventos, destinatarios).send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as erro:
        mensagem = f"O servidor de e-mail {settings.EMAIL_HOST}:{settings.EMAIL_PORT} não aceitou o alerta: {erro}."
        # The events stay PENDENTE: the next run sends them.
        EnvioDeAlerta.objects.filter(pk=envio.pk, status=E.ENVIANDO).update(status=E.FALHOU, erro=mensagem)
        logger.warning("Alerta %s não enviado (%s eventos esperam): %s", tipo.value, len(eventos), mensagem)
        resultado.falhas[tipo.value] = mensagem
        return
    agora = timezone.now()
    with transaction.atomic():
        # Unconditional on the claim: even one taken over as stale was sent, and says so.
        EnvioDeAlerta.objects.filter(pk=envio.pk).update(status=E.ENVIADO, enviado_em=agora, erro="")
        EventoDeAlerta.objects.filter(pk__in=[evento.pk for evento in eventos], status=P.PENDENTE).update(
            status=P.ENVIADO, enviado_em=agora, envio=envio
        )
    logger.info("Alerta %s enviado a %s destinatário(s), %s evento(s).", tipo.value, len(destinatarios), len(eventos))
    resultado.enviados[tipo.value] = len(eventos)


def _reservar(tipo: TipoDeAlerta, destinatarios: list[str]) -> EnvioDeAlerta | None:
    """Claim `tipo` and its waiting events for one e-mail; None when another sender has it or the hour's e-mail of
    this kind already went."""
    agora = timezone.now()
    with transaction.atomic():
        EnvioDeAlerta.objects.filter(tipo=tipo, status=E.ENVIANDO, reservado_ate__lt=agora).update(
            status=E.FALHOU, erro="O envio parou antes de confirmar; os eventos foram no e-mail seguinte."
        )
        try:
            with transaction.atomic():
                envio = EnvioDeAlerta.objects.create(
                    tipo=tipo,
                    status=E.ENVIANDO,
                    iniciado_em=agora,
                    reservado_ate=agora + RESERVA,
                    destinatarios=", ".join(destinatarios),
                )
        except IntegrityError:
            return None
        # Read after the claim: on PostgreSQL the insert above waited for a sender finishing this kind, whose
        # e-mail is now committed and seen here; SQLite serialises the whole transaction anyway.
        ultimo = alerta_ultimo_envio_em(tipo=tipo)
        total = 0
        if ultimo is None or agora - ultimo >= INTERVALO:
            total = alerta_eventos_pendentes(tipo=tipo).update(envio=envio)
        if not total:
            transaction.set_rollback(True)
            return None
        EnvioDeAlerta.objects.filter(pk=envio.pk).update(total_eventos=total)
    envio.total_eventos = total
    return envio


def _url(caminho: str) -> str:
    return f"{settings.BRM_URL_BASE}{caminho}" if caminho else ""


def _mensagem(tipo: TipoDeAlerta, eventos: list[EventoDeAlerta], destinatarios: list[str]) -> EmailMultiAlternatives:
    singular, plural = ASSUNTOS[tipo]
    n = len(eventos)
    contexto = {
        "tipo": tipo.label,
        "resumo": (singular if n == 1 else plural).format(n=n),
        "eventos": [
            {
                "quando": f"{timezone.localtime(evento.criado_em):%d/%m/%Y %H:%M}",
                "titulo": evento.titulo,
                "detalhe": evento.detalhe,
                "url": _url(evento.caminho),
            }
            for evento in eventos
        ],
        "intervalo_minutos": int(INTERVALO.total_seconds() // 60),
        "fuso": settings.TIME_ZONE,
        "url_destinatarios": _url(reverse("admin:alertas_destinatariodealerta_changelist")),
    }
    mensagem = EmailMultiAlternatives(
        subject=f"BRM · {contexto['resumo']}",
        body=render_to_string("alertas/email/alertas.txt", contexto),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=destinatarios,
    )
    mensagem.attach_alternative(render_to_string("alertas/email/alertas.html", contexto), "text/html")
    return mensagem
