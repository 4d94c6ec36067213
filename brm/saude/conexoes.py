"""What the health checks and beat's heartbeat share: a Redis client that never waits long, addresses safe to show,
and where beat's last tick is kept."""

from urllib.parse import urlsplit, urlunsplit

import redis
from django.conf import settings

# Beat's last tick, per default queue: test runs sharing one Redis (each with its own queue) do not see each
# other's beat, and in production the key is `brm:beat:ultimo_tick:brm`.
CHAVE_BATIMENTO = "brm:beat:ultimo_tick:{fila}"


def redis_cliente(*, timeout: float) -> redis.Redis:
    """A client of `REDIS_URL` whose connect and every reply give up after `timeout` seconds: a Redis that
    accepts the connection and then says nothing (a frozen process, a full network buffer) must not hold a
    probe, nor beat."""
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout)


def endereco_sem_senha(url: str) -> str:
    """`url` without user and password (redis://:segredo@host:6379/0 → redis://host:6379/0), for messages that
    anyone probing /readyz reads."""
    partes = urlsplit(url)
    if partes.username is None and partes.password is None:
        return url
    host = partes.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if partes.port is not None:
        host = f"{host}:{partes.port}"
    return urlunsplit((partes.scheme, host, partes.path, partes.query, partes.fragment))


def beat_batimento_chave() -> str:
    return CHAVE_BATIMENTO.format(fila=settings.CELERY_TASK_DEFAULT_QUEUE)
