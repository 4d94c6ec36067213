"""What the robot-job services queue, and the Redis pieces that pace the polling.

Tasks are queued by name through `brm.common.tarefas`, so no service imports `processos.tasks`. The poll
holds a short Redis lease while it runs (two polls never read the same jobs at once), and a mark set while
a poll waits in the queue keeps the many sends of a busy minute from each queuing their own.
"""

from contextlib import contextmanager

import redis
from django.conf import settings

from brm.common import tarefas

TAREFA_DESPACHAR = "processos.despachar_execucoes"
TAREFA_ENVIAR = "processos.enviar_execucao"
TAREFA_ACOMPANHAR = "processos.acompanhar_execucoes"

LEASE_ACOMPANHAMENTO = "brm:lease:acompanhar-execucoes"
DURACAO_LEASE = 30
MARCA_AGENDADO = "brm:acompanhar-execucoes:agendado"

_redis: redis.Redis | None = None


def _conexao() -> redis.Redis:
    global _redis
    if _redis is None:
        _redis = redis.Redis.from_url(settings.REDIS_URL)
    return _redis


def despacho_agendar() -> None:
    """Run the dispatcher once the current transaction commits."""
    tarefas.enfileirar_apos_commit(TAREFA_DESPACHAR)


def envios_agendar(ids: list) -> None:
    """One send task per claimed execution, once the claim commits."""
    ids = [str(pk) for pk in ids]
    for pk in ids:
        tarefas.enfileirar_apos_commit(TAREFA_ENVIAR, pk)


def acompanhamento_agendar(intervalo_ms: int, *, forcar: bool = False, ja_passados_ms: float = 0) -> None:
    """Queue the next poll `intervalo_ms` after the start of this one, unless one is already waiting (or `forcar`)."""
    validade = intervalo_ms + 1000
    if forcar:
        _conexao().set(MARCA_AGENDADO, "1", px=validade)
    elif not _conexao().set(MARCA_AGENDADO, "1", nx=True, px=validade):
        return
    # Counted from the start of the poll that ended, so a slow poll does not stretch the period.
    espera = max(0.0, intervalo_ms - ja_passados_ms) / 1000
    tarefas.enfileirar(TAREFA_ACOMPANHAR, countdown=espera or None)


@contextmanager
def lease_acompanhamento():
    """True inside while this process holds the poll's lease; False when another poll holds it."""
    lease = _conexao().lock(LEASE_ACOMPANHAMENTO, timeout=DURACAO_LEASE, blocking=False)
    if not lease.acquire():
        yield False
        return
    try:
        yield True
    finally:
        lease.release()
