"""Celery tasks of the robot jobs: one-line shells that take ids and call a service.

Services queue these by name (`processos.services.filas`); nothing here is imported by a service.
"""

from celery import shared_task

from .services import execucao_enviar, execucoes_acompanhar_ciclo, execucoes_despachar
from .services.filas import DURACAO_LEASE, TAREFA_ACOMPANHAR, TAREFA_DESPACHAR, TAREFA_ENVIAR


@shared_task(name=TAREFA_DESPACHAR, acks_late=False, soft_time_limit=60, time_limit=90)
def despachar_execucoes() -> int:
    return len(execucoes_despachar())


# Not acks_late: if the worker dies mid-POST, the dispatcher re-sends executions left ENVIANDO (the
# idempotency key makes that safe), instead of Redis redelivering this message blindly.
@shared_task(name=TAREFA_ENVIAR, acks_late=False, soft_time_limit=60, time_limit=90)
def enviar_execucao(execucao_id: str) -> None:
    execucao_enviar(execucao_id=execucao_id)


# Not acks_late either: beat queues a poll every two seconds anyway, and an unacknowledged message that Redis
# must restore after a restart is what has crashed kombu's worker.
@shared_task(name=TAREFA_ACOMPANHAR, acks_late=False, soft_time_limit=DURACAO_LEASE + 20, time_limit=DURACAO_LEASE + 30)
def acompanhar_execucoes() -> None:
    execucoes_acompanhar_ciclo()
