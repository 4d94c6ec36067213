"""Reads of the agendamentos app."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from brm.common.errors import ErroDeNegocio

from .cron import descrever_cron, proximas_execucoes
from .models import Agendamento, AgendamentoExecucao


def agendamento_obter(referencia: str) -> Agendamento:
    """The schedule named `referencia` (any case) or with that id; `ErroDeNegocio(NAO_ENCONTRADO)` otherwise."""
    referencia = (referencia or "").strip()
    agendamento = Agendamento.objects.filter(nome__iexact=referencia).first()
    if agendamento is None:
        try:
            agendamento = Agendamento.objects.filter(pk=uuid.UUID(referencia)).first()
        except ValueError:
            agendamento = None
    if agendamento is None:
        raise ErroDeNegocio(
            f"Agendamento “{referencia}” não encontrado (informe o nome ou o id).",
            codigo=ErroDeNegocio.NAO_ENCONTRADO,
        )
    return agendamento


def agendamentos_com_ultima_situacao(queryset: QuerySet[Agendamento] | None = None) -> QuerySet[Agendamento]:
    """The schedules with `ultima_situacao`: the status of their latest run, or None when never run."""
    queryset = Agendamento.objects.all() if queryset is None else queryset
    ultima = AgendamentoExecucao.objects.filter(agendamento=OuterRef("pk")).order_by("-inicio")
    return queryset.annotate(ultima_situacao=Subquery(ultima.values("status")[:1]))


def agendamento_proximas_execucoes(
    *, agendamento: Agendamento, agora: dt.datetime | None = None, n: int = 5
) -> list[dt.datetime]:
    """The next `n` runs in the schedule's own time zone; none while it is switched off or its cron is invalid."""
    if not agendamento.ativo:
        return []
    try:
        return proximas_execucoes(agendamento.expressao_cron, agendamento.fuso_horario, agora or timezone.now(), n)
    except (ErroDeNegocio, ValueError, KeyError):
        return []


def agendamento_descricao_cron(agendamento: Agendamento) -> str:
    try:
        return descrever_cron(agendamento.expressao_cron)
    except ErroDeNegocio as erro:
        return erro.mensagem


def no_fuso(instante: dt.datetime | None, fuso: str) -> dt.datetime | None:
    """`instante` (stored in UTC) on the schedule's own wall clock."""
    if instante is None:
        return None
    try:
        return instante.astimezone(ZoneInfo(fuso))
    except (KeyError, ValueError):
        return instante
