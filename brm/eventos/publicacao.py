"""Sending live events, always after the transaction that made the change commits.

The database is the truth; an event only tells the open pages that something changed. So an event that
cannot be sent (Redis away) is logged and dropped, never an error for the work that caused it, and an
event is never sent for a change that was rolled back. After a failure, sending pauses for a few seconds
(one warning, however much work goes on meanwhile) instead of trying, and failing, once per event.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterable

from django.db import transaction
from django_eventstream import send_event

logger = logging.getLogger(__name__)

Evento = tuple[str, str, dict]  # (canal, tipo, dados)

# Seconds without trying after a failed send.
PAUSA_APOS_FALHA = 10.0

_estado = threading.local()


def publicar(canal: str, tipo: str, dados: dict) -> None:
    """Send one event on `canal` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: _enviar([(canal, tipo, dados)]))


def publicar_apos_commit(montar: Callable[[], Iterable[Evento]]) -> None:
    """After the commit, call `montar` and send the events it returns.

    For events whose data must be read from the database: the read happens after the commit, outside the
    transaction that made the change, so it never lengthens it.
    """
    transaction.on_commit(lambda: _enviar(montar))


def _enviar(eventos: Iterable[Evento] | Callable[[], Iterable[Evento]]) -> None:
    agora = time.monotonic()
    if agora < getattr(_estado, "pausado_ate", 0.0):
        _estado.descartados = getattr(_estado, "descartados", 0) + 1
        return
    try:
        for canal, tipo, dados in eventos() if callable(eventos) else eventos:
            send_event(canal, tipo, dados)
    except Exception as exc:
        _estado.pausado_ate = agora + PAUSA_APOS_FALHA
        descartados, _estado.descartados = getattr(_estado, "descartados", 0), 0
        logger.warning(
            "Atualizações ao vivo não enviadas (%s: %s); nova tentativa em %.0f s.%s",
            type(exc).__name__,
            exc,
            PAUSA_APOS_FALHA,
            f" {descartados} descartadas na pausa anterior." if descartados else "",
        )
    else:
        _estado.pausado_ate = 0.0
