"""Beat's scheduler: django-celery-beat's DatabaseScheduler that also leaves a heartbeat in Redis.

/readyz must know whether beat is alive. The PeriodicTask rows say little (beat writes `last_run_at` only every
few minutes), and a periodic task would need a worker to record anything; beat itself is the one to ask. Every
pass of its loop (`tick`, at most every few seconds: `rpa-acompanhar` runs every 2 s) ends here, and at most
every `MarcaPasso.intervalo` seconds that is written to Redis (brm/saude/services.py).
"""

import logging
import time

import redis
from django_celery_beat.schedulers import DatabaseScheduler

from .conexoes import redis_cliente
from .services import beat_batimento_registrar

logger = logging.getLogger(__name__)


class MarcaPasso:
    """Writes beat's heartbeat at most every `intervalo` seconds; a Redis that does not answer costs a warning."""

    def __init__(self, *, intervalo: float = 10.0):
        self.intervalo = intervalo
        self._ultimo: float | None = None
        self._redis: redis.Redis | None = None

    def bater(self) -> bool:
        """True when the heartbeat was written now."""
        agora = time.monotonic()
        if self._ultimo is not None and agora - self._ultimo < self.intervalo:
            return False
        # Counted before trying: with Redis down, one warning per interval, not one per pass of beat's loop.
        self._ultimo = agora
        if self._redis is None:
            self._redis = redis_cliente(timeout=1.0)
        try:
            beat_batimento_registrar(cliente=self._redis)
        except (redis.RedisError, OSError) as erro:
            # Never a reason to stop beat: the tasks it sends matter more than the heartbeat.
            logger.warning("O beat não conseguiu registrar seu batimento no Redis: %s", erro)
            return False
        return True


class AgendadorBRM(DatabaseScheduler):
    """The DatabaseScheduler, plus beat's heartbeat (CELERY_BEAT_SCHEDULER points here)."""

    def __init__(self, *args, **kwargs):
        self.marca_passo = MarcaPasso()
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs):
        # After the pass: a beat whose pass raises (its database gone) stops, and its heartbeat with it.
        intervalo = super().tick(*args, **kwargs)
        self.marca_passo.bater()
        return intervalo
