"""Writes of the health app: beat's heartbeat in Redis."""

import json
import os
import socket
import time

import redis

from .conexoes import beat_batimento_chave, redis_cliente

# A heartbeat older than this is gone from Redis by itself; /readyz then says that beat never ticked.
VALIDADE_BATIMENTO = 24 * 60 * 60


def beat_batimento_registrar(*, quando: float | None = None, cliente: redis.Redis | None = None) -> None:
    """Record that beat ticked at `quando` (epoch seconds, default now), on which host and in which process.

    Raises redis.RedisError when Redis does not answer; beat's scheduler catches it (brm/saude/agendador.py).
    """
    dados = {"quando": time.time() if quando is None else quando, "host": socket.gethostname(), "pid": os.getpid()}
    cliente = cliente or redis_cliente(timeout=1.0)
    cliente.set(beat_batimento_chave(), json.dumps(dados), ex=VALIDADE_BATIMENTO)
