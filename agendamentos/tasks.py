"""Celery tasks of the schedules: they take ids, call a service, and keep nothing of their own."""

import logging

from celery import shared_task

from brm.usuarios.models import Usuario

from .fila import TAREFA_BEAT
from .limites import LIMITE, LIMITE_SUAVE
from .models import Agendamento
from .services import agendamento_executar

logger = logging.getLogger(__name__)


# Not acks_late: a run is not idempotent as a whole (a report e-mail, a backup), so a worker lost mid-run
# leaves its EM_EXECUCAO row to be marked interrupted instead of Redis redelivering the message.
# The limits are the schedule's, not the project's default: a backup or a big cleanup takes minutes. They follow
# BRM_BACKUP_TEMPO_MAXIMO (limites.py), so the backup's own deadline always comes first.
@shared_task(name=TAREFA_BEAT, acks_late=False, soft_time_limit=LIMITE_SUAVE, time_limit=LIMITE)
def executar_agendamento(agendamento_id: str, solicitado_por_id: str | None = None) -> str | None:
    agendamento = Agendamento.objects.filter(pk=agendamento_id).first()
    if agendamento is None:
        logger.info("Agendamento %s não existe mais: disparo ignorado.", agendamento_id)
        return None
    por = Usuario.objects.filter(pk=solicitado_por_id).first() if solicitado_por_id else None
    # Beat passes no person: a switched-off schedule then does not run. "Executar agora" passes one.
    execucao = agendamento_executar(agendamento=agendamento, por=por, manual=solicitado_por_id is not None)
    return execucao.status if execucao else None
