"""What the benchmarks share: checking the services, a throwaway database, Celery processes, Brazilian numbers."""

import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

RAIZ = Path(__file__).resolve().parent.parent
URL_PADRAO = "postgres://postgres@127.0.0.1:5432/postgres"
REDIS_PADRAO = "redis://127.0.0.1:6379/0"


def numero(valor: float, casas: int = 0) -> str:
    """Brazilian digits: 50.000 and 0,412."""
    texto = f"{valor:,.{casas}f}"
    return texto.replace(",", "_").replace(".", ",").replace("_", ".")


def sem_senha(url: str) -> str:
    partes = urlsplit(url)
    return f"{partes.hostname or 'localhost'}:{partes.port or 5432}/{partes.path.lstrip('/')}"


def falhar(mensagem: str) -> None:
    print(f"ERRO: {mensagem}", file=sys.stderr)
    sys.exit(1)


def conferir_postgres(url: str) -> None:
    if not url.startswith(("postgres://", "postgresql://")):
        falhar(f"o benchmark precisa de PostgreSQL, e DATABASE_URL aponta para {url.split(':', 1)[0]}.")
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as exc:
        falhar(
            f"PostgreSQL inacessível em {sem_senha(url)}: {str(exc).strip()}\n"
            "Suba o PostgreSQL ou aponte DATABASE_URL para um servidor que aceite conexões."
        )


def conferir_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        falhar(f"Redis inacessível em {url}: {exc}. Suba o redis-server ou aponte REDIS_URL para um que responda.")


def preparar_django(url: str, banco: str, *, redis_url: str | None = None, fila: str | None = None) -> None:
    """Django on the test settings, pointed at a scratch database `banco` on the server of `url`."""
    sys.path.insert(0, str(RAIZ))
    os.environ["DJANGO_SETTINGS_MODULE"] = "brm.settings.test"
    os.environ["DATABASE_URL"] = url
    os.environ["BRM_TEST_DATABASE_NAME"] = banco
    # One plain connection: the measurement should not include the pool's behaviour.
    os.environ["DATABASE_POOL"] = "false"
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    if fila:
        os.environ["BRM_CELERY_FILA"] = fila
    import django

    django.setup()


@contextmanager
def banco_descartavel(url: str, *, manter: bool = False, reusar: bool = False):
    """The scratch database with the migrations applied, dropped at the end whatever happens.

    `manter` keeps it for a look afterwards; `reusar` starts from the one kept by an earlier run.
    """
    from django.test.utils import setup_databases, teardown_databases

    print(f"Banco descartável {os.environ['BRM_TEST_DATABASE_NAME']} em {sem_senha(url).rsplit('/', 1)[0]}")
    configuracao = setup_databases(verbosity=0, interactive=False, keepdb=reusar, serialized_aliases=set())
    try:
        yield
    finally:
        teardown_databases(configuracao, verbosity=0, keepdb=manter)


def apagar_fila(redis_url: str, fila: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).delete(fila, f"{fila}-envios")


def ambiente_dos_filhos() -> dict[str, str]:
    """The environment of a process started by a benchmark: the scratch database, this run's media folder."""
    from django.conf import settings
    from django.db import connection

    dados = connection.settings_dict
    senha = f":{dados['PASSWORD']}" if dados.get("PASSWORD") else ""
    return {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{dados['USER'] or 'postgres'}{senha}@{dados['HOST'] or '127.0.0.1'}:"
            f"{dados['PORT'] or 5432}/{dados['NAME']}"
        ),
        "BRM_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PYTHONUNBUFFERED": "1",
    }


def iniciar_celery(argumentos: list[str], log: Path) -> subprocess.Popen:
    """A Celery process (worker or beat) on the scratch database and this run's queue, logging to `log`."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "brm", *argumentos],
        cwd=RAIZ,
        env=ambiente_dos_filhos(),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def parar(filhos: list[subprocess.Popen]) -> None:
    for filho in filhos:
        if filho.poll() is None:
            os.killpg(filho.pid, signal.SIGTERM)
    for filho in filhos:
        try:
            filho.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(filho.pid, signal.SIGKILL)
            filho.wait(timeout=5)


def criar_mes(processos: int, *, max_por_operadora: int) -> None:
    """Five operators, `processos` clients spread over them, and the month's processes (one per client)."""
    from clientes.models import Cliente
    from operadoras.models import Operadora
    from processos.services import processos_criar_mensais
    from tests.factories import cnpj_valido

    operadoras = [
        Operadora.objects.create(nome=nome, codigo=nome.lower(), max_execucoes_simultaneas=max_por_operadora)
        for nome in ("Vivo", "Claro", "TIM", "Oi", "Embratel")
    ]
    Cliente.objects.bulk_create(
        Cliente(razao_social=f"Cliente {i} Ltda", cnpj=cnpj_valido(), operadora=operadoras[i % 5], conta=f"{i:06d}")
        for i in range(processos)
    )
    processos_criar_mensais()
