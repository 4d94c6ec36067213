"""What the health checks and beat's heartbeat share: a Redis client that never waits long and where beat's last
tick is kept."""

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


def beat_batimento_chave() -> str:
    return CHAVE_BATIMENTO.format(fila=settings.CELERY_TASK_DEFAULT_QUEUE)
