"""Queueing Celery tasks by their registered name.

Services queue work here and never import a task module: tasks import services, so the arrows point one
way only. Tests record what is queued by replacing `enfileirar`.
"""

from celery import current_app
from django.db import transaction


def enfileirar(nome: str, *args, countdown: float | None = None) -> None:
    """Send task `nome` now (to the default queue, or the one its routes say)."""
    opcoes = {"countdown": countdown} if countdown else {}
    current_app.send_task(nome, args=list(args), **opcoes)


def enfileirar_apos_commit(nome: str, *args) -> None:
    """Send task `nome` once the current transaction commits (at once outside a transaction)."""
    # Looked up at call time, so whatever replaces `enfileirar` (a test's recorder) is what runs.
    transaction.on_commit(lambda: enfileirar(nome, *args))
