"""Reads of the health app: beat's last heartbeat."""

import json
from dataclasses import dataclass

import redis

from .conexoes import beat_batimento_chave, redis_cliente

# Beat's heartbeat -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Batimento:
    quando: float  # epoch seconds
    host: str
    pid: int | None


def beat_batimento_ler(*, timeout: float, cliente: redis.Redis | None = None) -> Batimento | None:
    """Beat's last heartbeat, None when there is none. Raises redis.RedisError when Redis does not answer."""
    cliente = cliente or redis_cliente(timeout=timeout)
    try:
        bruto = cliente.get(beat_batimento_chave())
    finally:
        cliente.close()
    if bruto is None:
        return None
    try:
        dados = json.loads(bruto)
        return Batimento(quando=float(dados["quando"]), host=str(dados.get("host") or ""), pid=dados.get("pid"))
    except (ValueError, KeyError, TypeError):
        return None
