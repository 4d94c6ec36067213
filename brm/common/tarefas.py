"""Queueing Celery tasks by their registered name.

Services queue work here and never import a task module: tasks import services, so the arrows point one
way only. Tests record what is queued by replacing `enfileirar`.
"""

import logging

import kombu.exceptions
import redis
from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def enfileirar(nome: str, *args, countdown: float | None = None) -> bool:
    """Send task `nome` now (to the default queue, or the one its routes say); False when the broker did not
    answer. Work is saved in the database before it is queued, so nothing is lost then: the periodic tasks
    of beat pick it up once Redis is back."""
    opcoes = {"countdown": countdown} if countdown else {}
    try:
        current_app.send_task(nome, args=list(args), **opcoes)
    except (kombu.exceptions.OperationalError, redis.exceptions.ConnectionError, OSError) as erro:
        logger.warning("Tarefa %s não enfileirada: o Redis não respondeu (%s).", nome, erro)
        return False
    return True


def enfileirar_apos_commit(nome: str, *args) -> None:
    """Send task `nome` once the current transaction commits (at once outside a transaction)."""
    # Looked up at call time, so whatever replaces `enfileirar` (a test's recorder) is what runs.
    transaction.on_commit(lambda: enfileirar(nome, *args))
