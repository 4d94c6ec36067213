"""Queueing Celery tasks by their registered name.

Services queue work here and never import a task module: tasks import services, so the arrows point one
way only. Tests record what is queued by replacing `enfileirar`.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import kombu.exceptions
import redis
from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)

_retidas: ContextVar[list | None] = ContextVar("brm_tarefas_retidas", default=None)


@contextmanager
def tarefas_retidas() -> Iterator[list[tuple[str, tuple]]]:
    """Inside this block tasks are not sent: they are kept, in order, as `(nome, args)` in the list it gives, and
    whoever opened it runs them itself. The demo data (`seed_demo`) drive the robot pipeline this way, with no
    broker and no worker."""
    retidas: list[tuple[str, tuple]] = []
    marca = _retidas.set(retidas)
    try:
        yield retidas
    finally:
        _retidas.reset(marca)


def retendo_tarefas() -> bool:
    """Whether tasks are being kept instead of sent (see `tarefas_retidas`)."""
    return _retidas.get() is not None


def enfileirar(nome: str, *args, countdown: float | None = None) -> bool:
    """Send task `nome` now (to the default queue, or the one its routes say); False when the broker did not
    answer. Work is saved in the database before it is queued, so nothing is lost then: the periodic tasks
    of beat pick it up once Redis is back."""
    retidas = _retidas.get()
    if retidas is not None:
        retidas.append((nome, args))
        return True
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
