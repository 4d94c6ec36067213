"""Reads of the health app: beat's last heartbeat, and what the metrics count (one aggregate query each)."""

import datetime as dt
import json
from dataclasses import dataclass

import redis
from django.db.models import Count
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone

from agendamentos.models import Agendamento
from processos.models import Execucao
from processos.selectors import execucoes_ativas_contagem, processos_contagem_do_mes

from .conexoes import beat_batimento_chave, redis_cliente

# The failures counted by `brm_execucoes_falhas_24h`: a window, not a counter since ever, because the rows it
# counts may be deleted (a Prometheus counter must never go down).
JANELA_FALHAS = dt.timedelta(hours=24)
SEM_CODIGO = "SEM_CODIGO"


# Beat's heartbeat -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Batimento:
    quando: float  # epoch seconds
    host: str
    pid: int | None


def beat_batimento_ler(*, timeout: float, cliente: redis.Redis | None = None) -> Batimento | None:
    """Beat's last heartbeat, None when there is none. Raises redis.RedisError when Redis does not answer."""
    cliente = cliente or redis_cliente(timeout=timeout)
    try:
        bruto = cliente.get(beat_batimento_chave())
    finally:
        cliente.close()
    if bruto is None:
        return None
    try:
        dados = json.loads(bruto)
        return Batimento(quando=float(dados["quando"]), host=str(dados.get("host") or ""), pid=dados.get("pid"))
    except (ValueError, KeyError, TypeError):
        return None


# What the metrics count -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AtrasoDoAgendamento:
    nome: str
    tipo: str
    segundos: float  # 0 when on time


@dataclass(frozen=True)
class LeituraDasMetricas:
    competencia: dt.date
    processos_por_status: dict[str, int]
    execucoes_ativas: dict[str, int]
    falhas_por_codigo: dict[tuple[str, str], int]  # (tipo, codigo) → failures in JANELA_FALHAS
    agendamentos: list[AtrasoDoAgendamento]


def metricas_ler(*, agora: dt.datetime | None = None) -> LeituraDasMetricas:
    """Everything /metrics reports from the database, read at scrape time."""
    agora = agora or timezone.now()
    competencia = timezone.localtime(agora).date().replace(day=1)
    return LeituraDasMetricas(
        competencia=competencia,
        processos_por_status=processos_contagem_do_mes(competencia=competencia).por_status,
        execucoes_ativas=execucoes_ativas_contagem(),
        falhas_por_codigo=execucoes_falhas_por_codigo(desde=agora - JANELA_FALHAS),
        agendamentos=agendamentos_atrasos(agora=agora),
    )


def execucoes_falhas_por_codigo(*, desde: dt.datetime) -> dict[tuple[str, str], int]:
    """Robot jobs that ended in FALHA since `desde`, per (tipo, failure code). The code is the one
    `execucao_falhar` keeps in `resultado["codigo"]` (LOGIN_INVALIDO, TEMPO_ESGOTADO, HTTP_401...)."""
    linhas = (
        Execucao.objects.filter(status=Execucao.Status.FALHA, finalizado_em__gte=desde)
        .annotate(codigo=KeyTextTransform("codigo", "resultado"))
        .values("tipo", "codigo")
        .annotate(n=Count("id"))
        .order_by()
    )
    contagem: dict[tuple[str, str], int] = {}
    for linha in linhas:
        chave = (linha["tipo"], linha["codigo"] or SEM_CODIGO)
        contagem[chave] = contagem.get(chave, 0) + linha["n"]
    return contagem


def agendamentos_atrasos(*, agora: dt.datetime) -> list[AtrasoDoAgendamento]:
    """Every active schedule with how late its due run is: the seconds since `proxima_execucao` when that moment
    has passed and no run started since (the run's task moves `proxima_execucao` on when it ends, and
    `ultima_execucao` says when it started), else 0. A schedule whose run is going is not late. Schedules are a
    handful of rows: one query, the rest in Python."""
    linhas = (
        Agendamento.objects.filter(ativo=True)
        .values_list("nome", "tipo", "proxima_execucao", "ultima_execucao")
        .order_by("nome")
    )
    atrasos = []
    for nome, tipo, proxima, ultima in linhas:
        devido = proxima is not None and proxima < agora and (ultima is None or ultima < proxima)
        atrasos.append(AtrasoDoAgendamento(nome, tipo, (agora - proxima).total_seconds() if devido else 0.0))
    return atrasos
