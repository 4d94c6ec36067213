"""Celery tasks of the robot jobs: one-line shells that take ids and call a service.

Services queue these by name (`processos.services.filas`); nothing here is imported by a service.
"""

from celery import shared_task

from brm.common.registro import contexto_execucao

from .services import execucao_enviar, execucoes_acompanhar_ciclo, execucoes_despachar
from .services.filas import TAREFA_ACOMPANHAR, TAREFA_DESPACHAR, TAREFA_ENVIAR

# Each of these ends well within seconds on its own (HTTP timeouts, the poll's rounds last 20 s); the time
# limits are only a net, and they are long on purpose. While a worker reconnects to a Redis that went away
# it does not read its pool's results, so a limit that expires during an outage kills a child in the middle
# of writing its result, and the worker dies of the corrupt message (UnpicklingError). Ten minutes rides out
# any outage we mean to survive.
LIMITE_SUAVE = 9 * 60
LIMITE = 10 * 60


@shared_task(name=TAREFA_DESPACHAR, acks_late=False, soft_time_limit=LIMITE_SUAVE, time_limit=LIMITE)
def despachar_execucoes() -> int:
    return len(execucoes_despachar())


# Not acks_late: if the worker dies mid-POST, the dispatcher re-sends executions left ENVIANDO (the
# idempotency key makes that safe), instead of Redis redelivering this message blindly.
@shared_task(name=TAREFA_ENVIAR, acks_late=False, soft_time_limit=LIMITE_SUAVE, time_limit=LIMITE)
def enviar_execucao(execucao_id: str) -> None:
    with contexto_execucao(execucao_id):
        execucao_enviar(execucao_id=execucao_id)


# Not acks_late either: beat queues a poll every two seconds anyway, and an unacknowledged message that Redis
# must restore after a restart is what has crashed kombu's worker.
@shared_task(name=TAREFA_ACOMPANHAR, acks_late=False, soft_time_limit=LIMITE_SUAVE, time_limit=LIMITE)
def acompanhar_execucoes() -> None:
    execucoes_acompanhar_ciclo()
