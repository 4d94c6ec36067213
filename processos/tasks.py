"""Celery tasks of the robot jobs: they take ids, call a service, and keep nothing of their own."""

import logging
import time

import redis
from celery import shared_task
from django.conf import settings

from .services import execucoes

logger = logging.getLogger(__name__)

# The poll holds this lease while it runs, so two polls never read the same jobs at once.
LEASE_ACOMPANHAMENTO = "brm:lease:acompanhar-execucoes"
DURACAO_LEASE = 30
# Set while a poll waits in the queue, so the many sends of a busy minute do not each queue their own.
MARCA_AGENDADO = "brm:acompanhar-execucoes:agendado"

_redis: redis.Redis | None = None


def _conexao() -> redis.Redis:
    global _redis
    if _redis is None:
        _redis = redis.Redis.from_url(settings.REDIS_URL)
    return _redis


def agendar_acompanhamento(intervalo_ms: int, *, forcar: bool = False, ja_passados_ms: float = 0) -> None:
    """Queue the next poll `intervalo_ms` after the start of this one, unless one is already waiting (or `forcar`)."""
    validade = intervalo_ms + 1000
    if forcar:
        _conexao().set(MARCA_AGENDADO, "1", px=validade)
    elif not _conexao().set(MARCA_AGENDADO, "1", nx=True, px=validade):
        return
    # Counted from the start of the poll that ended, so a slow poll does not stretch the period.
    espera = max(0.0, intervalo_ms - ja_passados_ms) / 1000
    if espera:
        acompanhar_execucoes.apply_async(countdown=espera)
    else:
        acompanhar_execucoes.delay()


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
    lease = _conexao().lock(LEASE_ACOMPANHAMENTO, timeout=DURACAO_LEASE, blocking=False)
    if not lease.acquire():
        return
    inicio = time.monotonic()
    try:
        resultado = execucoes.execucoes_acompanhar()
    finally:
        lease.release()
    logger.info(
        "Acompanhamento: %d em execução, %d concluídas, %d falhas, %d linhas de log em %.0f ms",
        resultado.acompanhadas,
        resultado.concluidas,
        resultado.falhas,
        resultado.linhas_de_log,
        (time.monotonic() - inicio) * 1000,
    )
    execucoes.execucoes_despachar()
    if resultado.acompanhadas:
        # While jobs run, poll at the configured pace; beat's periodic run is only the safety net.
        agendar_acompanhamento(
            execucoes.configuracao_rpa_obter().intervalo_polling_ms,
            forcar=True,
            ja_passados_ms=(time.monotonic() - inicio) * 1000,
        )
