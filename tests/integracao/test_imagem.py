"""What the container image runs, run here outside a container (CI cannot pull base images): bin/entrypoint's
collectstatic and migrate, then web (gunicorn with uvicorn workers), worker, envios and beat, all with the
production settings, against a real PostgreSQL database of the test's own and a redis-server of its own.
/readyz answers 200; with Redis stopped it answers 503 naming Redis, and the image's health check says so."""

import json
import os
import secrets
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.db import connection

from tests.conftest import esperar, porta_fechada

from .conftest import RAIZ, RedisProprio

pytestmark = pytest.mark.integracao_web

ENTRYPOINT = str(RAIZ / "bin" / "entrypoint")


def _servidor_postgres() -> str:
    """The PostgreSQL server of this run (CI's), whatever database the suite itself uses."""
    if connection.vendor == "postgresql":
        dados = connection.settings_dict
        senha = f":{dados['PASSWORD']}" if dados.get("PASSWORD") else ""
        usuario = dados.get("USER") or "postgres"
        return f"postgres://{usuario}{senha}@{dados.get('HOST') or '127.0.0.1'}:{dados.get('PORT') or 5432}"
    return os.environ.get("CI_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres").rsplit("/", 1)[0]


@pytest.fixture
def banco_proprio():
    servidor = _servidor_postgres()
    nome = f"test_brm_imagem_{os.getpid()}"
    try:
        administracao = psycopg.connect(f"{servidor}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"Este teste roda as configurações de produção, que exigem PostgreSQL em {servidor} ({exc}).")
    with administracao:
        administracao.execute(f'DROP DATABASE IF EXISTS "{nome}" WITH (FORCE)')
        administracao.execute(f'CREATE DATABASE "{nome}"')
        try:
            yield f"{servidor}/{nome}"
        finally:
            administracao.execute(f'DROP DATABASE IF EXISTS "{nome}" WITH (FORCE)')


class Conteiner:
    """One process of the image: `bin/entrypoint <comando>` with its own TMPDIR, as each container has its /tmp."""

    def __init__(self, comando: str, ambiente: dict, pasta: Path):
        self.pasta = pasta / comando
        self.pasta.mkdir()
        self.ambiente = {**ambiente, "TMPDIR": str(self.pasta)}
        self.log = self.pasta / "saida.log"
        with open(self.log, "wb") as saida:
            self.processo = subprocess.Popen(
                [ENTRYPOINT, comando],
                cwd=RAIZ,
                env=self.ambiente,
                stdout=saida,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def saude(self) -> subprocess.CompletedProcess:
        return subprocess.run(
            [ENTRYPOINT, "saude"], cwd=RAIZ, env=self.ambiente, capture_output=True, text=True, timeout=60
        )

    def parar(self) -> None:
        if self.processo.poll() is None:
            os.killpg(self.processo.pid, signal.SIGTERM)
            try:
                self.processo.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.processo.pid, signal.SIGKILL)
                self.processo.wait(timeout=5)


def _get(url: str, **cabecalhos) -> tuple[int, bytes, dict]:
    pedido = urllib.request.Request(url, headers=cabecalhos)
    try:
        with urllib.request.urlopen(pedido, timeout=20) as resposta:
            return resposta.status, resposta.read(), dict(resposta.headers)
    except urllib.error.HTTPError as erro:
        return erro.code, erro.read(), dict(erro.headers)


def test_os_comandos_da_imagem_sobem_o_sistema_e_o_readyz_aponta_o_redis_parado(banco_proprio, simulador, tmp_path):
    redis = RedisProprio(tmp_path)
    redis.iniciar()
    porta = porta_fechada()
    ambiente = {
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "PYTHON": sys.executable,
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "brm.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": banco_proprio,
        "REDIS_URL": redis.url,
        "FERNET_KEYS": Fernet.generate_key().decode(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(tmp_path / "staticfiles"),
        "BRM_VAR_DIR": str(tmp_path / "var"),
        "BRM_MEDIA_ROOT": str(tmp_path / "faturas"),
        "BRM_BACKUP_DIR": str(tmp_path / "backups"),
        "BRM_CELERY_FILA": f"brm-imagem-{os.getpid()}",
        "RPA_API_URL": simulador.url,
        "RPA_API_TOKEN": simulador.token,
        "PORT": str(porta),
        "BRM_WEB_ENDERECO": "127.0.0.1",
        "WEB_CONCURRENCY": "1",
        "CELERY_CONCURRENCY": "1",
        "CELERY_CONCURRENCY_ENVIOS": "1",
        # CI runs as root, the image as uid 10001: Celery's warning about root is not a line production writes.
        "PYTHONWARNINGS": "ignore:You're running the worker with superuser privileges",
    }
    for comando in ("collectstatic", "migrate"):
        feito = subprocess.run(
            [ENTRYPOINT, comando], cwd=RAIZ, env=ambiente, capture_output=True, text=True, timeout=600
        )
        assert feito.returncode == 0, f"bin/entrypoint {comando} falhou:\n{feito.stdout}\n{feito.stderr}"

    conteineres = {nome: Conteiner(nome, ambiente, tmp_path) for nome in ("worker", "envios", "beat", "web")}
    url = f"http://127.0.0.1:{porta}"

    def logs() -> str:
        return "\n".join(
            f"--- {nome} ---\n{c.log.read_text(errors='replace')[-3000:]}" for nome, c in conteineres.items()
        )

    try:

        def pronto():
            for nome, conteiner in conteineres.items():
                if conteiner.processo.poll() is not None:
                    pytest.fail(f"O processo {nome} parou (código {conteiner.processo.returncode}):\n{logs()}")
            try:
                status, corpo, _ = _get(f"{url}/readyz")
            except OSError:
                return None
            return (status, json.loads(corpo)) if status == 200 else None

        status, corpo = esperar(pronto, prazo=120, intervalo=1, descricao="/readyz respondendo 200", detalhe=logs)
        assert corpo["pronto"] is True and corpo["falhas"] == []
        assert set(corpo["partes"]) == {"banco", "redis", "worker", "beat", "api_robos"}

        # The pages run under the production settings: behind the proxy (X-Forwarded-Proto), with the policy
        # headers, and the static files come from the collected, hashed folder.
        status, pagina, cabecalhos = _get(f"{url}/admin/login/", **{"X-Forwarded-Proto": "https", "Host": "127.0.0.1"})
        assert status == 200, pagina[:500]
        assert "Content-Security-Policy" in cabecalhos
        assert "Strict-Transport-Security" in cabecalhos
        status, css, _ = _get(f"{url}/static/admin/css/base.css", **{"X-Forwarded-Proto": "https"})
        assert status == 200 and b"body" in css

        for nome in ("web", "worker", "envios", "beat"):
            saude = conteineres[nome].saude()
            assert saude.returncode == 0, f"saude de {nome}: {saude.stdout}{saude.stderr}"

        redis.parar()

        def aponta_o_redis():
            status, corpo, _ = _get(f"{url}/readyz")
            return json.loads(corpo) if status == 503 else None

        corpo = esperar(aponta_o_redis, prazo=60, intervalo=1, descricao="/readyz respondendo 503", detalhe=logs)
        assert corpo["pronto"] is False
        assert "redis" in corpo["falhas"]
        assert "Redis" in corpo["partes"]["redis"]["erro"]
        saude = conteineres["web"].saude()
        assert saude.returncode == 1 and "redis" in saude.stdout, saude.stdout + saude.stderr

        # Production logs JSON lines only (docs/registros.md): what a log collector reads from each container,
        # from the start to a Redis gone away. (Celery prints one text line when a worker stops.)
        for nome, conteiner in conteineres.items():
            for linha in conteiner.log.read_text().splitlines():
                if linha.strip() and not _json(linha):
                    pytest.fail(f"Linha que não é JSON no registro de {nome}: {linha}")
    finally:
        for conteiner in conteineres.values():
            conteiner.parar()
        redis.parar()


def _json(linha: str) -> bool:
    try:
        return isinstance(json.loads(linha), dict)
    except ValueError:
        return False
