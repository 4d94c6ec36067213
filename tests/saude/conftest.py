"""The health checks against real services: Redis at REDIS_URL (or a redis-server of the test's own), Celery worker
and beat as subprocesses on this run's queue, the robot simulator as a real HTTP server."""

import pytest

from brm.saude.conexoes import beat_batimento_chave
from brm.saude.prontidao import prontidao_esquecer

# The real Redis and the Celery processes of the integration tests.
from tests.integracao.conftest import Processos, celery_processos, redis_real  # noqa: F401

# A check that times out finishes within its own timeouts; a test waits that long for it before the next starts.
ESPERA_PELAS_VERIFICACOES = 10


@pytest.fixture(autouse=True)
def prontidao_a_cada_pedido(settings):
    """Every probe checks again (the result is not kept between requests), and starts from nothing."""
    settings.BRM_PRONTIDAO_CACHE_SEGUNDOS = 0
    prontidao_esquecer(esperar=ESPERA_PELAS_VERIFICACOES)
    yield
    prontidao_esquecer(esperar=ESPERA_PELAS_VERIFICACOES)


@pytest.fixture
def sem_batimento(redis_real):  # noqa: F811
    """No heartbeat of beat in Redis before or after the test."""
    redis_real.delete(beat_batimento_chave())
    yield
    redis_real.delete(beat_batimento_chave())


def beat_do_brm(processos: Processos):
    """Beat as `Procfile` and `iniciar_local` start it: the scheduler of CELERY_BEAT_SCHEDULER, no --scheduler."""
    return processos._iniciar("beat", "beat", "--loglevel", "INFO", "--max-interval", "1")
