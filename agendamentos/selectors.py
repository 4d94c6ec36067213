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


def agendamento_por_id(agendamento_id) -> Agendamento | None:
    """The schedule as stored now, or None once it has been deleted."""
    return Agendamento.objects.filter(pk=agendamento_id).first()


def agendamento_ultima_execucao(*, agendamento: Agendamento) -> AgendamentoExecucao | None:
    """The schedule's latest run, going or finished; None when it never ran."""
    return agendamento.execucoes.order_by("-inicio").first()


def agendamento_historico(*, agendamento: Agendamento) -> QuerySet[AgendamentoExecucao]:
    """The schedule's runs with who asked for each (none when beat fired it); the caller orders and pages."""
    return AgendamentoExecucao.objects.filter(agendamento=agendamento).select_related("solicitado_por")


def agendamento_execucoes_encerradas(*, antes_de: dt.datetime) -> QuerySet[AgendamentoExecucao]:
    """Runs of any schedule that started before `antes_de` and have ended (a run still going is not history)."""
    return AgendamentoExecucao.objects.filter(inicio__lt=antes_de).exclude(
        status=AgendamentoExecucao.Status.EM_EXECUCAO
    )


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


def agendamentos_ativos() -> QuerySet[Agendamento]:
    return Agendamento.objects.filter(ativo=True).order_by("nome")


def agendamentos_proximas_execucoes(
    *, agora: dt.datetime | None = None, limite: int | None = None
) -> list[tuple[Agendamento, dt.datetime]]:
    """The active schedules with their next run (aware, in the schedule's own zone), soonest first.

    Computed from the cron expression as beat reads it (`cron.proximas_execucoes`), not from the stored
    `proxima_execucao`, which is only as fresh as the last sync. A schedule whose expression never fires again
    (or no longer parses) is left out. One query, then one cron step per schedule.
    """
    agora = agora or timezone.now()
    proximas = []
    for agendamento in agendamentos_ativos():
        instantes = agendamento_proximas_execucoes(agendamento=agendamento, agora=agora, n=1)
        if instantes:
            proximas.append((agendamento, instantes[0]))
    proximas.sort(key=lambda par: (par[1], par[0].nome))
    return proximas[:limite] if limite is not None else proximas
