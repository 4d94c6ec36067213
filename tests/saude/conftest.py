"""The health checks against real services: Redis at REDIS_URL (or a redis-server of the test's own), Celery worker
and beat as subprocesses on this run's queue, the robot simulator as a real HTTP server."""

import pytest
import redis
from django.conf import settings

from brm.saude.conexoes import beat_batimento_chave
from brm.saude.prontidao import prontidao_esquecer
from tests.integracao.conftest import Processos

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
def redis_real():
    conexao = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2)
    try:
        conexao.ping()
    except redis.RedisError as exc:
        pytest.fail(
            f"Estes testes precisam de um Redis real em {settings.REDIS_URL} ({exc}). "
            "Inicie o redis-server ou defina REDIS_URL."
        )
    return conexao


@pytest.fixture
def sem_batimento(redis_real):
    """No heartbeat of beat in Redis before or after the test."""
    redis_real.delete(beat_batimento_chave())
    yield
    redis_real.delete(beat_batimento_chave())


def _limpar_filas(conexao: redis.Redis) -> None:
    fila = settings.CELERY_TASK_DEFAULT_QUEUE
    conexao.delete(fila, f"{fila}-envios", "brm:lease:acompanhar-execucoes", "brm:acompanhar-execucoes:agendado")


@pytest.fixture
def servicos(redis_real, tmp_path):
    """Celery worker and beat processes started by the test, stopped at its end."""
    _limpar_filas(redis_real)
    processos = Processos(tmp_path)
    yield processos
    processos.parar()
    _limpar_filas(redis_real)


def beat_do_brm(processos: Processos):
    """Beat as `Procfile` and `iniciar_local` start it: the scheduler of CELERY_BEAT_SCHEDULER, no --scheduler."""
    return processos._iniciar("beat", "beat", "--loglevel", "INFO", "--max-interval", "1")
