"""What the page of one process and the page of one robot job show besides their fields: the process's
timeline (its status changes and its jobs, in time order) and a job's chain of attempts.

Each read is a fixed number of queries, whatever the number of jobs or events.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from ..models import Execucao, Processo, ProcessoEvento

E = Execucao.Status
FINAIS = (E.SUCESSO, E.FALHA, E.CANCELADA)

# What a timeline item is about.
EVENTO = "evento"
EXECUCAO_PEDIDA = "execucao_pedida"
EXECUCAO_TERMINADA = "execucao_terminada"


@dataclass(frozen=True)
class ItemDaLinhaDoTempo:
    quando: dt.datetime
    tipo: str  # EVENTO, EXECUCAO_PEDIDA or EXECUCAO_TERMINADA
    evento: ProcessoEvento | None = None
    execucao: Execucao | None = None


def processo_linha_do_tempo(*, processo: Processo, limite: int = 100) -> list[ItemDaLinhaDoTempo]:
    """The process's status changes and each job's request and end, oldest first; the latest `limite` items."""
    eventos = ProcessoEvento.objects.filter(processo=processo).select_related("por").order_by("-quando")[:limite]
    execucoes = (
        Execucao.objects.filter(processo=processo).select_related("solicitado_por").order_by("-criado_em")[:limite]
    )
    itens = [ItemDaLinhaDoTempo(evento.quando, EVENTO, evento=evento) for evento in eventos]
    for execucao in execucoes:
        itens.append(ItemDaLinhaDoTempo(execucao.criado_em, EXECUCAO_PEDIDA, execucao=execucao))
        if execucao.status in FINAIS and execucao.finalizado_em:
            itens.append(ItemDaLinhaDoTempo(execucao.finalizado_em, EXECUCAO_TERMINADA, execucao=execucao))
    # A job's end after its request when both carry the same instant; a status change before the jobs it caused.
    ordem = {EVENTO: 0, EXECUCAO_PEDIDA: 1, EXECUCAO_TERMINADA: 2}
    itens.sort(key=lambda item: (item.quando, ordem[item.tipo]))
    return itens[-limite:]


def execucao_cadeia(*, execucao: Execucao, limite: int = 25) -> list[Execucao]:
    """The jobs of the same process around this one (up to `limite` before and after it, itself included), oldest
    first: the attempts that came before it, the re-runs that followed, and the process's other jobs."""
    base = Execucao.objects.filter(processo_id=execucao.processo_id).select_related("solicitado_por")
    antes = Q(criado_em__lt=execucao.criado_em) | Q(criado_em=execucao.criado_em, pk__lt=execucao.pk)
    depois = Q(criado_em__gt=execucao.criado_em) | Q(criado_em=execucao.criado_em, pk__gt=execucao.pk)
    anteriores = list(base.filter(antes).order_by("-criado_em", "-pk")[:limite])
    seguintes = list(base.filter(depois).order_by("criado_em", "pk")[:limite])
    return [*reversed(anteriores), execucao, *seguintes]


def processo_download_em_andamento(processo: Processo) -> Execucao | None:
    """The download the robot is running (or about to run) for the process, if any: a manual upload cancels it."""
    return (
        Execucao.objects.filter(processo=processo, tipo=Execucao.Tipo.DOWNLOAD_FATURA, status__in=Execucao.ATIVOS)
        .order_by("-criado_em")
        .first()
    )


def processo_eventos(processo: Processo) -> QuerySet[ProcessoEvento]:
    """The process's status changes (who, when, from, to, why), oldest first, each with its author."""
    return ProcessoEvento.objects.filter(processo=processo).select_related("por").order_by("quando", "id")
