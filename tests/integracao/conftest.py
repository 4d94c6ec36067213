"""Real services for end-to-end tests: Redis (CI's, at REDIS_URL, or a redis-server of the test's own), a Celery
worker and beat and the ASGI web server (uvicorn) as subprocesses on this test run's own queue and database; the
robot simulator is tests/conftest.py's real HTTP server."""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest
import redis
from django.conf import settings
from django.db import connection

from brm.local.management.commands.iniciar_local import _redis_server
from tests.conftest import esperar, porta_fechada
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


class Web(NamedTuple):
    """A web process (uvicorn serving brm.asgi) started by `Processos.web`."""

    processo: subprocess.Popen
    porta: int
    # On PostgreSQL its connections carry this application_name, so a test can tell them from its own.
    nome_no_banco: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.porta}"


class Processos:
    """Celery and web processes started for a test; stopped (and reaped) at the end whatever happens."""

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

    def _iniciar(
        self,
        nome: str,
        *argumentos: str,
        modulo: tuple[str, ...] = ("celery", "-A", "brm"),
        ambiente: dict[str, str] | None = None,
    ) -> subprocess.Popen:
        arquivo = self.tmp_path / f"{nome}-{len(self.filhos)}.log"
        log = open(arquivo, "wb")  # noqa: SIM115
        filho = subprocess.Popen(
            [sys.executable, "-m", *modulo, *argumentos],
            cwd=RAIZ,
            env={**self.ambiente, **(ambiente or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.filhos.append(filho)
        self.arquivos[filho.pid] = arquivo
        return filho

    def worker(self, concorrencia: int = 4, filas: str = "todas", nivel: str = "INFO") -> subprocess.Popen:
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
            nivel,
            "--concurrency",
            str(concorrencia),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        )

    def beat(self, nivel: str = "INFO", quieto: bool = False) -> subprocess.Popen:
        """Beat; `quieto` leaves out the banner it prints (not logs) at start."""
        # The file scheduler: test databases are emptied between tests, the schedule must not live there.
        return self._iniciar(
            "beat",
            "beat",
            "--loglevel",
            nivel,
            "--scheduler",
            "celery.beat:PersistentScheduler",
            "--schedule",
            str(self.tmp_path / "beat-schedule"),
            "--max-interval",
            "1",
            modulo=("celery", "-A", "brm", *(["--quiet"] if quieto else [])),
        )

    def web(self) -> Web:
        """A web process as production runs it (uvicorn, ASGI), on a free port; returns once it answers."""
        porta = porta_fechada()
        nome_no_banco = f"brm-web-{porta}"
        url_banco = self.ambiente["DATABASE_URL"]
        if url_banco.startswith("postgres"):
            url_banco += f"?application_name={nome_no_banco}"
        filho = self._iniciar(
            "web",
            "brm.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(porta),
            "--log-level",
            "warning",
            modulo=("uvicorn",),
            ambiente={"DATABASE_URL": url_banco, "BRM_SERVIR_ESTATICOS": "true"},
        )

        def atende() -> bool:
            if filho.poll() is not None:
                pytest.fail(f"O processo web parou ao iniciar (código {filho.returncode}):\n{self.log(filho)}")
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", porta)) == 0

        esperar(atende, prazo=30, descricao=f"o processo web na porta {porta}", detalhe=lambda: self.log(filho))
        return Web(filho, porta, nome_no_banco)

    def enviar_eventos(self, canal: str, primeiro: int, quantidade: int) -> None:
        """Events of type `teste` ({"i": primeiro...}) sent by a process of its own, on this run's Redis."""
        subprocess.run(
            [sys.executable, "-m", "tests.integracao.enviar_eventos", canal, str(primeiro), str(quantidade)],
            cwd=RAIZ,
            env=self.ambiente,
            check=True,
            timeout=60,
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


class RedisProprio:
    """A redis-server of the test's own, on a free port, that the test stops and starts again.

    Without persistence (as `make run`'s) a restart loses every key; `persistente` keeps them in an
    append-only file written at every command, so even a SIGKILL loses nothing.
    """

    def __init__(self, pasta: Path, *, persistente: bool = False):
        self.porta = porta_fechada()
        self.pasta = pasta
        self.persistente = persistente
        self.processo: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.porta}/0"

    def iniciar(self) -> None:
        comando = [
            _redis_server(),
            "--port",
            str(self.porta),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(self.pasta),
            *(["--appendonly", "yes", "--appendfsync", "always"] if self.persistente else []),
        ]
        self.processo = subprocess.Popen(comando, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        conexao = redis.Redis.from_url(self.url, socket_connect_timeout=1)

        def responde() -> bool:
            try:
                return bool(conexao.ping())
            except redis.RedisError:
                return False

        esperar(responde, prazo=10, descricao=f"o redis-server próprio na porta {self.porta}")

    def parar(self) -> None:
        if self.processo is not None and self.processo.poll() is None:
            self.processo.kill()
            self.processo.wait(timeout=10)


@pytest.fixture
def redis_proprio(tmp_path):
    servidor = RedisProprio(tmp_path)
    servidor.iniciar()
    yield servidor
    servidor.parar()


@pytest.fixture
def processos_no_redis_proprio(redis_proprio, tmp_path):
    processos = Processos(tmp_path, redis_url=redis_proprio.url)
    yield processos
    processos.parar()


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
