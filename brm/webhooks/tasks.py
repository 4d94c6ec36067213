"""Celery tasks of the webhooks: one-line shells. Services queue them by name (`services.entrega`)."""

from celery import shared_task

from .services import TAREFA_ENTREGAR, TAREFA_ENTREGAR_PENDENTES, entrega_entregar, entregas_pendentes_enfileirar

# One attempt is one POST with 10 s to connect and 10 s per read: these limits are only a net, below the time a
# claimed delivery waits before another worker may take it (services.entrega.RESERVA_SEGUNDOS).
LIMITE_SUAVE = 60
LIMITE = 90


# Not acks_late: a delivery left claimed by a dead worker is taken again by beat once its claim runs out.
@shared_task(name=TAREFA_ENTREGAR, acks_late=False, soft_time_limit=LIMITE_SUAVE, time_limit=LIMITE)
def entregar(entrega_id: str) -> None:
    entrega_entregar(entrega_id=entrega_id)


@shared_task(name=TAREFA_ENTREGAR_PENDENTES, acks_late=False, soft_time_limit=LIMITE_SUAVE, time_limit=LIMITE)
def entregar_pendentes() -> int:
    return entregas_pendentes_enfileirar()
