"""The five readiness checks. Each returns the details of a part that is ready, or raises FalhaDaParte with the
sentence /readyz shows; each gives up after its own timeouts (`BRM_PRONTIDAO_TIMEOUT`). brm/saude/prontidao.py runs
them."""

import time
from collections.abc import Callable

import kombu.exceptions
import redis
from django.conf import settings
from django.db import DatabaseError, connection

from brm.common.redacao import url_sem_credenciais
from brm.rpa.selectors import configuracao_rpa_ler
from brm.rpa.services import configuracao_rpa_testar_conexao

from .conexoes import redis_cliente
from .selectors import beat_batimento_ler

# The parts, in the order /readyz lists them. Their names are a contract (CI, Docker's HEALTHCHECK, alerts).
PARTES = ("banco", "redis", "worker", "beat", "api_robos")
# "A verificação …" of each part, for the sentences that do not come from the check itself.
DA_PARTE = {
    "banco": "do banco de dados",
    "redis": "do Redis",
    "worker": "dos workers do Celery",
    "beat": "do beat do Celery",
    "api_robos": "da API de robôs",
}


class FalhaDaParte(Exception):
    """A part that is not ready: `mensagem` is the sentence /readyz shows, `detalhes` go along in its JSON."""

    def __init__(self, mensagem: str, **detalhes):
        super().__init__(mensagem)
        self.mensagem = mensagem
        self.detalhes = detalhes


def timeout_das_verificacoes() -> float:
    return float(settings.BRM_PRONTIDAO_TIMEOUT)


def banco_verificar() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as erro:
        raise FalhaDaParte(f"O banco de dados ({_banco_descricao()}) não está acessível: {_uma_linha(erro)}.") from erro
    return {}


def _banco_descricao() -> str:
    dados = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite em {dados['NAME']}"
    return f"PostgreSQL em {dados.get('HOST') or 'localhost'}:{dados.get('PORT') or 5432}/{dados['NAME']}"


def redis_verificar() -> dict:
    timeout = timeout_das_verificacoes()
    cliente = redis_cliente(timeout=timeout)
    try:
        cliente.ping()
    except redis.RedisError as erro:
        raise FalhaDaParte(
            f"O Redis em {url_sem_credenciais(settings.REDIS_URL)} {_motivo_redis(erro, timeout)}."
        ) from erro
    finally:
        cliente.close()
    return {}


def _motivo_redis(erro: redis.RedisError, timeout: float) -> str:
    if isinstance(erro, redis.TimeoutError):
        return f"não respondeu em {em_segundos(timeout)} s"
    if isinstance(erro, redis.AuthenticationError):
        return "recusou a senha de REDIS_URL"
    if isinstance(erro, redis.ConnectionError):
        return f"não aceitou a conexão ({_uma_linha(erro)})"
    return f"respondeu com erro ({_uma_linha(erro)})"


def worker_verificar() -> dict:
    from brm.celery import app

    timeout = timeout_das_verificacoes()
    # One worker's answer is enough (limit=1: no waiting for the whole timeout when one answers at once). Beat
    # would answer a ping too with `beat_enable_remote_control`, which BRM leaves off.
    espera_ping = min(1.0, timeout)
    broker = url_sem_credenciais(settings.CELERY_BROKER_URL)
    # A connection of its own with socket timeouts and no retries: the app's default ones retry forever
    # (CELERY_BROKER_CONNECTION_MAX_RETRIES = None), right for a worker, wrong for a probe.
    with app.connection_for_write(
        url=settings.CELERY_BROKER_URL,
        connect_timeout=timeout,
        transport_options={"socket_timeout": timeout, "socket_connect_timeout": timeout},
    ) as conexao:
        try:
            conexao.ensure_connection(max_retries=0, timeout=timeout)
            respostas = app.control.ping(timeout=espera_ping, limit=1, connection=conexao)
        except (kombu.exceptions.OperationalError, redis.RedisError, OSError) as erro:
            raise FalhaDaParte(
                f"Não foi possível perguntar pelos workers do Celery: o broker em {broker} não respondeu "
                f"({_uma_linha(erro)})."
            ) from erro
    nomes = sorted(nome for resposta in respostas for nome in resposta)
    if not nomes:
        raise FalhaDaParte(
            f"Nenhum worker do Celery respondeu ao ping em {em_segundos(espera_ping)} s (broker em {broker})."
        )
    return {"workers": nomes}


def beat_verificar() -> dict:
    timeout = timeout_das_verificacoes()
    maximo = settings.BRM_BEAT_ATRASO_MAXIMO
    try:
        batimento = beat_batimento_ler(timeout=timeout)
    except redis.RedisError as erro:
        raise FalhaDaParte(
            f"Não foi possível ler o último tick do beat: o Redis em {url_sem_credenciais(settings.REDIS_URL)} "
            f"{_motivo_redis(erro, timeout)}."
        ) from erro
    if batimento is None:
        raise FalhaDaParte(
            "O beat do Celery não registrou nenhum tick: está parado, ou não usa o agendador do BRM "
            "(CELERY_BEAT_SCHEDULER = brm.saude.agendador:AgendadorBRM)."
        )
    idade = max(0, round(time.time() - batimento.quando))
    detalhes = {"ultimo_tick_ha_s": idade}
    if idade > maximo:
        raise FalhaDaParte(
            f"O último tick do beat do Celery foi há {idade} s ({batimento.host or 'host desconhecido'}), mais que "
            f"os {maximo} s de BRM_BEAT_ATRASO_MAXIMO: o beat está parado ou travado.",
            **detalhes,
        )
    return detalhes


def api_robos_verificar() -> dict:
    try:
        configuracao = configuracao_rpa_ler()
    except DatabaseError as erro:
        raise FalhaDaParte(
            f"A configuração da API de robôs não pôde ser lida do banco de dados ({_uma_linha(erro)})."
        ) from erro
    resultado = configuracao_rpa_testar_conexao(
        configuracao=configuracao, timeout_segundos=timeout_das_verificacoes(), registrar=False
    )
    # How long the API itself took, without reading the configuration: /metrics reports it.
    detalhes = {"resposta_ms": resultado.tempo_ms} if resultado.tempo_ms is not None else {}
    if not resultado.ok:
        raise FalhaDaParte(resultado.mensagem, **detalhes)
    return detalhes


VERIFICACOES: dict[str, Callable[[], dict]] = {
    "banco": banco_verificar,
    "redis": redis_verificar,
    "worker": worker_verificar,
    "beat": beat_verificar,
    "api_robos": api_robos_verificar,
}


def _uma_linha(erro: BaseException) -> str:
    return " ".join(str(erro).split()) or type(erro).__name__


def em_segundos(segundos: float) -> str:
    """Seconds as people here write them: 2,5."""
    return f"{segundos:g}".replace(".", ",")
