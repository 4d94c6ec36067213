"""What the robot-job services queue, and the Redis pieces that pace the polling.

Tasks are queued by name through `brm.common.tarefas`, so no service imports `processos.tasks`. The poll
holds a short Redis lease while it runs (two polls never read the same jobs at once), and a mark set while
a poll waits in the queue keeps the many sends of a busy minute from each queuing their own.
"""

import contextlib
import logging
from contextlib import contextmanager

import redis
from django.conf import settings
from django.db import connection

from brm.common import tarefas

logger = logging.getLogger(__name__)

TAREFA_DESPACHAR = "processos.despachar_execucoes"
TAREFA_ENVIAR = "processos.enviar_execucao"
TAREFA_ACOMPANHAR = "processos.acompanhar_execucoes"

LEASE_ACOMPANHAMENTO = "brm:lease:acompanhar-execucoes"
# Seconds: longer than one round of the poll; it is renewed after each round.
DURACAO_LEASE = 30
MARCA_AGENDADO = "brm:acompanhar-execucoes:agendado"
# Sends go to a queue of their own (`<default>-envios`, CELERY_TASK_ROUTES): a robot that hangs every POST holds
# the workers of that queue only, never the ones following the jobs already running.

_redis: redis.Redis | None = None


def _conexao() -> redis.Redis:
    global _redis
    if _redis is None:
        _redis = redis.Redis.from_url(settings.REDIS_URL)
    return _redis


def despacho_agendar() -> bool | None:
    """Run the dispatcher once the current transaction commits (now, outside one).

    Outside a transaction, says whether the task reached Redis (False: it is down; beat's periodic dispatch
    sends what was saved once it is back); None when it waits for a commit.
    """
    if connection.in_atomic_block:
        tarefas.enfileirar_apos_commit(TAREFA_DESPACHAR)
        return None
    return tarefas.enfileirar(TAREFA_DESPACHAR)


def envios_agendar(ids: list) -> None:
    """One send task per claimed execution, once the claim commits."""
    ids = [str(pk) for pk in ids]
    for pk in ids:
        tarefas.enfileirar_apos_commit(TAREFA_ENVIAR, pk)


def acompanhamento_agendar(*, forcar: bool = False) -> None:
    """Queue a poll now, unless one is running (it holds the lease) or already waits in the queue (or `forcar`)."""
    if tarefas.retendo_tarefas():
        # Whoever keeps the tasks runs the poll itself: no lease, no mark, no Redis.
        tarefas.enfileirar(TAREFA_ACOMPANHAR)
        return
    conexao = _conexao()
    try:
        if not forcar and (conexao.exists(LEASE_ACOMPANHAMENTO) or not conexao.set(MARCA_AGENDADO, "1", nx=True, ex=5)):
            return
    except redis.RedisError as erro:
        # Beat queues a poll every two seconds anyway, once Redis is back.
        logger.warning("Acompanhamento não agendado: o Redis não respondeu (%s).", erro)
        return
    tarefas.enfileirar(TAREFA_ACOMPANHAR)


@contextmanager
def lease_acompanhamento():
    """The poll's lease, held inside (renew it with `lease_renovar` between rounds); None when another poll has it."""
    lease = _conexao().lock(LEASE_ACOMPANHAMENTO, timeout=DURACAO_LEASE, blocking=False)
    if not lease.acquire():
        yield None
        return
    _conexao().delete(MARCA_AGENDADO)
    try:
        yield lease
    finally:
        # It may have expired (the poll outlived it, or Redis restarted): then there is nothing to release.
        with contextlib.suppress(redis.exceptions.LockError):
            lease.release()


def lease_renovar(lease) -> None:
    lease.reacquire()
