"""The Prometheus metrics: read at scrape time, from the database and the readiness checks.

A Collector in a registry of its own, not counters kept in memory: the web runs several processes (gunicorn
workers), and the numbers that matter are already in the database, the same whichever process is asked.
"""

import logging
from collections.abc import Iterator

from django.db import DatabaseError
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from .prontidao import PARTES, Prontidao, prontidao_obter
from .selectors import LeituraDasMetricas, metricas_ler

logger = logging.getLogger(__name__)


class ColetorBRM(Collector):
    def describe(self) -> list[Metric]:
        # Nothing to check at registration; without this the registry would not call collect() there either.
        return []

    def collect(self) -> Iterator[Metric]:
        prontidao = prontidao_obter()
        yield from _da_prontidao(prontidao)
        # The readiness check is bounded; a query on a database that does not answer is not. Without the database,
        # its families are left out, and brm_prontidao_parte_ok{parte="banco"} 0 says why.
        if not prontidao.partes["banco"].ok:
            return
        try:
            leitura = metricas_ler()
        except DatabaseError as erro:
            logger.warning("Métricas sem os números do banco de dados: %s", erro)
        else:
            yield from _do_banco(leitura)


def _do_banco(leitura: LeituraDasMetricas) -> Iterator[Metric]:
    competencia = leitura.competencia.strftime("%Y-%m")
    processos = GaugeMetricFamily(
        "brm_processos",
        "Processos da competência atual (mês corrente em America/Sao_Paulo) por situação.",
        labels=["competencia", "status"],
    )
    for status, n in leitura.processos_por_status.items():
        processos.add_metric([competencia, status], n)
    yield processos

    ativas = GaugeMetricFamily(
        "brm_execucoes_ativas",
        "Trabalhos de robô aguardando vaga (PENDENTE), sendo enviados (ENVIANDO) ou em execução (EM_EXECUCAO).",
        labels=["status"],
    )
    for status, n in leitura.execucoes_ativas.items():
        ativas.add_metric([status], n)
    yield ativas

    falhas = GaugeMetricFamily(
        "brm_execucoes_falhas_24h",
        "Trabalhos de robô que terminaram em FALHA nas últimas 24 horas, por tipo e código da falha.",
        labels=["tipo", "codigo"],
    )
    for (tipo, codigo), n in sorted(leitura.falhas_por_codigo.items()):
        falhas.add_metric([tipo, codigo], n)
    yield falhas

    atrasos = GaugeMetricFamily(
        "brm_agendamento_atraso_segundos",
        "Segundos desde a hora em que o agendamento ativo devia ter rodado e não rodou (0 quando em dia).",
        labels=["agendamento", "tipo"],
    )
    for atraso in leitura.agendamentos:
        atrasos.add_metric([atraso.nome, atraso.tipo], atraso.segundos)
    yield atrasos


def _da_prontidao(prontidao: Prontidao) -> Iterator[Metric]:
    yield GaugeMetricFamily(
        "brm_pronto",
        "1 quando todas as partes de /readyz respondem, 0 quando alguma falha.",
        value=int(prontidao.pronto),
    )
    ok = GaugeMetricFamily(
        "brm_prontidao_parte_ok", "1 quando a parte responde a /readyz, 0 quando falha.", labels=["parte"]
    )
    duracao = GaugeMetricFamily(
        "brm_prontidao_parte_segundos", "Quanto durou a última verificação da parte, em segundos.", labels=["parte"]
    )
    for nome in PARTES:
        parte = prontidao.partes[nome]
        ok.add_metric([nome], int(parte.ok))
        duracao.add_metric([nome], parte.ms / 1000)
    yield ok
    yield duracao

    api = prontidao.partes["api_robos"]
    yield GaugeMetricFamily(
        "brm_api_robos_acessivel",
        "1 quando a API de robôs respondeu e aceitou o token na última verificação, 0 quando não.",
        value=int(api.ok),
    )
    latencia = GaugeMetricFamily(
        "brm_api_robos_latencia_segundos",
        "Quanto a API de robôs levou para responder à última verificação (GET /jobs/<id inexistente>), em "
        "segundos; ausente quando ela não respondeu.",
    )
    if api.detalhes.get("resposta_ms") is not None:
        latencia.add_metric([], api.detalhes["resposta_ms"] / 1000)
    yield latencia


registro = CollectorRegistry(auto_describe=False)
registro.register(ColetorBRM())
