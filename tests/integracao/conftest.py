"""Real services for end-to-end tests: Redis (CI's, at REDIS_URL), a Celery worker and beat as
subprocesses on this test run's own queue; the robot simulator is tests/conftest.py's real HTTP server."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from tests.factories import ConfiguracaoRPAFactory

RAIZ = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
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


def _database_url() -> str:
    dados = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{dados['NAME']}"
    usuario = dados.get("USER") or "postgres"
    senha = f":{dados['PASSWORD']}" if dados.get("PASSWORD") else ""
    return f"postgres://{usuario}{senha}@{dados.get('HOST') or '127.0.0.1'}:{dados.get('PORT') or 5432}/{dados['NAME']}"


class Processos:
    """Celery processes started for a test; stopped (and reaped) at the end whatever happens."""

    def __init__(self, tmp_path: Path, *, redis_url: str | None = None):
        self.tmp_path = tmp_path
        self.filhos: list[subprocess.Popen] = []
        self.arquivos: dict[int, Path] = {}
        self.ambiente = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "brm.settings.test",
            "DATABASE_URL": _database_url(),
            "DATABASE_POOL": "False",
            "REDIS_URL": redis_url or settings.REDIS_URL,
            "BRM_CELERY_FILA": settings.CELERY_TASK_DEFAULT_QUEUE,
            "BRM_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "PYTHONUNBUFFERED": "1",
        }

    def _iniciar(self, nome: str, *argumentos: str) -> subprocess.Popen:
        arquivo = self.tmp_path / f"{nome}-{len(self.filhos)}.log"
        log = open(arquivo, "wb")  # noqa: SIM115
        filho = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "brm", *argumentos],
            cwd=RAIZ,
            env=self.ambiente,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.filhos.append(filho)
        self.arquivos[filho.pid] = arquivo
        return filho

    def worker(self, concorrencia: int = 4, filas: str = "todas") -> subprocess.Popen:
        """A worker of this run's queues: "todas", "padrao" (dispatch, polls, schedules) or "envios" (sends)."""
        padrao = settings.CELERY_TASK_DEFAULT_QUEUE
        envios = settings.CELERY_TASK_ROUTES["processos.enviar_execucao"]["queue"]
        escolhidas = {"todas": f"{padrao},{envios}", "padrao": padrao, "envios": envios}[filas]
        return self._iniciar(
            "worker",
            "worker",
            "--queues",
            escolhidas,
            "--loglevel",
            "INFO",
            "--concurrency",
            str(concorrencia),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        )

    def beat(self) -> subprocess.Popen:
        # The file scheduler: test databases are emptied between tests, the schedule must not live there.
        return self._iniciar(
            "beat",
            "beat",
            "--loglevel",
            "INFO",
            "--scheduler",
            "celery.beat:PersistentScheduler",
            "--schedule",
            str(self.tmp_path / "beat-schedule"),
            "--max-interval",
            "1",
        )

    @staticmethod
    def matar(filho: subprocess.Popen) -> None:
        os.killpg(filho.pid, signal.SIGKILL)
        filho.wait(timeout=10)

    def parar(self) -> None:
        for filho in self.filhos:
            if filho.poll() is None:
                os.killpg(filho.pid, signal.SIGTERM)
        for filho in self.filhos:
            try:
                filho.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(filho.pid, signal.SIGKILL)
                filho.wait(timeout=5)

    def log(self, filho: subprocess.Popen) -> str:
        """Everything one process has written so far."""
        return self.arquivos[filho.pid].read_text(errors="replace")

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-4000:] for p in sorted(self.tmp_path.glob("*.log")))

    def situacao(self) -> str:
        """What a failed wait reports: the robot jobs in the database and the end of each process's log."""
        from processos.models import Execucao

        execucoes = "\n".join(
            f"{e.tipo} {e.status} tentativa={e.tentativa} envios={e.tentativas_envio} {e.erro}"
            for e in Execucao.objects.all()
        )
        return f"--- execuções ---\n{execucoes}\n--- logs dos processos ---\n{self.logs()}"


def _limpar_redis(conexao: redis.Redis) -> None:
    fila = settings.CELERY_TASK_DEFAULT_QUEUE
    conexao.delete(fila, f"{fila}-envios", "brm:lease:acompanhar-execucoes", "brm:acompanhar-execucoes:agendado")


@pytest.fixture
def celery_processos(redis_real, tmp_path):
    _limpar_redis(redis_real)
    processos = Processos(tmp_path)
    yield processos
    processos.parar()
    _limpar_redis(redis_real)


@pytest.fixture(scope="module")
def opcoes_simulador() -> dict:
    # Jobs long enough for a worker to be killed while some are running.
    return {"duracao": 1.0, "intervalo_log": 0.2, "atraso_inicio": 0.1}


@pytest.fixture
def configuracao_rpa(simulador):
    # Three at a time across operators: the pipeline test checks the robot never saw more.
    return ConfiguracaoRPAFactory(url_base=simulador.url, token=simulador.token, limite_global=3)
