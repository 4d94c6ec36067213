"""Celery tasks of the robot jobs: they take ids, call a service, and keep nothing of their own."""

import logging

import redis
from celery import shared_task
from django.conf import settings

from .services import execucoes

logger = logging.getLogger(__name__)

# The poll holds this lease while it runs, so two polls never read the same jobs at once.
LEASE_ACOMPANHAMENTO = "brm:lease:acompanhar-execucoes"
DURACAO_LEASE = 30


@shared_task(name="processos.despachar_execucoes", acks_late=False, soft_time_limit=60, time_limit=90)
def despachar_execucoes() -> int:
    return len(execucoes.execucoes_despachar())


@shared_task(name="processos.enviar_execucao", acks_late=False, soft_time_limit=60, time_limit=90)
def enviar_execucao(execucao_id: str) -> None:
    # Not acks_late: if the worker dies mid-POST, the dispatcher re-sends executions left ENVIANDO
    # (the idempotency key makes that safe), instead of Redis redelivering this message blindly.
    execucoes.execucao_enviar(execucao_id=execucao_id)


@shared_task(
    name="processos.acompanhar_execucoes",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=DURACAO_LEASE - 10,
    time_limit=DURACAO_LEASE,
)
def acompanhar_execucoes() -> None:
    conexao = redis.Redis.from_url(settings.REDIS_URL)
    lease = conexao.lock(LEASE_ACOMPANHAMENTO, timeout=DURACAO_LEASE, blocking=False)
    if not lease.acquire():
        return
    try:
        resultado = execucoes.execucoes_acompanhar()
    finally:
        lease.release()
    execucoes.execucoes_despachar()
    if resultado.acompanhadas:
        # While jobs run, poll at the configured pace; beat's periodic run is only the safety net.
        execucoes._agendar_acompanhamento(execucoes.configuracao_rpa_obter())
