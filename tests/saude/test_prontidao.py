"""/healthz and /readyz: what a load balancer, Docker's HEALTHCHECK and CI read, part by part, against real services."""

import os
import signal
import time

import pytest

from brm.common.redacao import url_sem_credenciais
from brm.rpa.models import ConfiguracaoRPA
from brm.saude.conexoes import beat_batimento_chave
from brm.saude.prontidao import PARTES, prontidao_obter
from brm.saude.services import beat_batimento_registrar
from tests.conftest import esperar, porta_fechada
from tests.factories import ConfiguracaoRPAFactory
from tests.integracao.conftest import RedisProprio

from .conftest import beat_do_brm

# Not a performance target: a guard against a probe that hangs on a dead part.
PRAZO_DA_RESPOSTA = 10
# Probed by its IP over plain HTTP, as a load balancer or Docker's HEALTHCHECK does.
HOST_POR_IP = "10.20.30.40:8000"


def _prontidao(client, **extra):
    inicio = time.monotonic()
    resposta = client.get("/readyz", HTTP_HOST=HOST_POR_IP, **extra)
    return resposta, time.monotonic() - inicio


# /healthz -------------------------------------------------------------------------------------------------------


def test_healthz_responde_200_sem_tocar_no_banco(client):
    # No `db` fixture: any query here would be refused by pytest-django.
    resposta = client.get("/healthz")

    assert resposta.status_code == 200
    assert resposta.json() == {"vivo": True}
    assert resposta["Cache-Control"] == "no-store"


def test_sondas_por_ip_em_http_passam_sem_host_permitido_e_sem_redirecionar_para_https(client, settings):
    settings.ALLOWED_HOSTS = ["brm.exemplo.com.br"]
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz", HTTP_HOST=HOST_POR_IP).status_code == 200
    assert client.get("/healthz/", HTTP_HOST=HOST_POR_IP).status_code == 200
    # Every other path still goes through Django's checks: the Host is refused there.
    assert client.get("/admin/login/", HTTP_HOST=HOST_POR_IP).status_code == 400


def test_healthz_so_aceita_get_e_head(client):
    assert client.head("/healthz").status_code == 200
    assert client.head("/healthz").content == b""
    resposta = client.post("/healthz")

    assert resposta.status_code == 405
    assert resposta["Allow"] == "GET, HEAD"


# /readyz: everything up ------------------------------------------------------------------------------------------


# serialized_rollback: the flush after these tests would otherwise drop the role groups made by migrations.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_readyz_com_tudo_no_ar_responde_200(client, celery_processos, simulador, redis_real, sem_batimento):
    ConfiguracaoRPAFactory(url_base=simulador.url, token=simulador.token)
    celery_processos.worker(concorrencia=1, filas="padrao")
    beat_do_brm(celery_processos)

    esperar(
        lambda: redis_real.get(beat_batimento_chave()),
        prazo=30,
        descricao="o primeiro batimento do beat no Redis",
        detalhe=celery_processos.logs,
    )
    esperar(
        lambda: prontidao_obter().pronto,
        prazo=30,
        descricao="todas as partes prontas",
        detalhe=lambda: f"{prontidao_obter().como_json()}\n{celery_processos.logs()}",
        intervalo=0.5,
    )
    resposta, _ = _prontidao(client)

    corpo = resposta.json()
    assert resposta.status_code == 200, corpo
    assert corpo["pronto"] is True
    assert corpo["falhas"] == []
    assert list(corpo["partes"]) == list(PARTES)
    for nome, parte in corpo["partes"].items():
        assert parte["ok"] is True, nome
        assert isinstance(parte["ms"], int), nome
        assert "erro" not in parte, nome
    assert corpo["partes"]["worker"]["workers"]
    assert corpo["partes"]["beat"]["ultimo_tick_ha_s"] <= 30


# /readyz: one part down at a time -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_readyz_com_redis_fora_responde_503_nomeando_redis_sem_mostrar_a_senha(client, settings):
    porta = porta_fechada()
    url = f"redis://:senha-do-redis@127.0.0.1:{porta}/0"
    settings.REDIS_URL = settings.CELERY_BROKER_URL = url

    resposta, duracao = _prontidao(client)

    corpo = resposta.json()
    assert resposta.status_code == 503
    assert corpo["pronto"] is False
    assert "redis" in corpo["falhas"]
    assert "banco" not in corpo["falhas"]
    redis_ = corpo["partes"]["redis"]
    assert redis_["ok"] is False
    assert f"O Redis em redis://127.0.0.1:{porta}/0 não aceitou a conexão" in redis_["erro"]
    assert "senha-do-redis" not in resposta.content.decode()
    assert duracao < PRAZO_DA_RESPOSTA


@pytest.mark.django_db
def test_readyz_com_redis_travado_responde_503_dentro_do_prazo(client, settings, tmp_path):
    """A Redis that accepts connections and never answers (its process frozen): socket timeouts, not a hang."""
    travado = RedisProprio(tmp_path)
    travado.iniciar()
    settings.REDIS_URL = settings.CELERY_BROKER_URL = travado.url
    os.kill(travado.processo.pid, signal.SIGSTOP)
    try:
        resposta, duracao = _prontidao(client)
    finally:
        os.kill(travado.processo.pid, signal.SIGCONT)
        travado.parar()

    corpo = resposta.json()
    assert resposta.status_code == 503
    assert {"redis", "worker", "beat"} <= set(corpo["falhas"])
    assert "não respondeu em 2 s" in corpo["partes"]["redis"]["erro"]
    assert corpo["partes"]["redis"]["ms"] >= 1900
    assert duracao < PRAZO_DA_RESPOSTA


@pytest.mark.django_db
def test_readyz_sem_worker_nomeia_worker(client, redis_real):
    resposta, duracao = _prontidao(client)

    corpo = resposta.json()
    assert resposta.status_code == 503
    assert "worker" in corpo["falhas"]
    assert corpo["partes"]["redis"]["ok"] is True
    assert corpo["partes"]["worker"]["erro"].startswith("Nenhum worker do Celery respondeu ao ping em 1 s")
    assert duracao < PRAZO_DA_RESPOSTA


@pytest.mark.django_db
def test_readyz_sem_nenhum_tick_do_beat_nomeia_beat(client, sem_batimento):
    corpo = _prontidao(client)[0].json()

    assert "beat" in corpo["falhas"]
    assert "não registrou nenhum tick" in corpo["partes"]["beat"]["erro"]


@pytest.mark.django_db
def test_readyz_com_tick_antigo_do_beat_nomeia_beat(client, sem_batimento, settings):
    settings.BRM_BEAT_ATRASO_MAXIMO = 120
    beat_batimento_registrar(quando=time.time() - 600)

    corpo = _prontidao(client)[0].json()

    assert "beat" in corpo["falhas"]
    beat = corpo["partes"]["beat"]
    assert 600 <= beat["ultimo_tick_ha_s"] < 700
    assert "O último tick do beat do Celery foi há 6" in beat["erro"]
    assert "BRM_BEAT_ATRASO_MAXIMO" in beat["erro"]


@pytest.mark.django_db
def test_readyz_com_tick_recente_do_beat_da_o_beat_como_pronto(client, sem_batimento):
    beat_batimento_registrar()

    corpo = _prontidao(client)[0].json()

    assert "beat" not in corpo["falhas"]
    assert corpo["partes"]["beat"]["ok"] is True


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_readyz_com_a_api_de_robos_fora_nomeia_api_robos(client, simulador):
    ConfiguracaoRPAFactory(url_base=simulador.url, token=simulador.token)
    assert _prontidao(client)[0].json()["partes"]["api_robos"]["ok"] is True
    simulador.parar()

    corpo = _prontidao(client)[0].json()

    assert "api_robos" in corpo["falhas"]
    assert corpo["partes"]["api_robos"]["erro"] == (
        f"Não foi possível conectar em {simulador.url}: a conexão foi recusada ou o endereço não existe."
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_readyz_com_o_token_recusado_pela_api_de_robos_nomeia_api_robos(client, simulador):
    ConfiguracaoRPAFactory(url_base=simulador.url, token="token-que-o-robo-nao-conhece")

    corpo = _prontidao(client)[0].json()

    assert "api_robos" in corpo["falhas"]
    assert "recusou o token (HTTP 401)" in corpo["partes"]["api_robos"]["erro"]


# Probes share one run ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_readyz_guarda_o_resultado_pelo_tempo_configurado(client, settings, sem_batimento):
    settings.BRM_PRONTIDAO_CACHE_SEGUNDOS = 60
    antes = _prontidao(client)[0].json()
    beat_batimento_registrar()

    depois = _prontidao(client)[0].json()

    # The heartbeat arrived, but the answer is the one kept: a probe every second costs one round per minute here.
    assert "beat" in antes["falhas"]
    assert depois == antes


@pytest.mark.django_db
def test_readyz_so_aceita_get_e_head(client):
    assert client.post("/readyz").status_code == 405
    assert client.head("/readyz").content == b""


# Addresses shown to whoever probes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "esperado"),
    [
        ("redis://:segredo@redis.interno:6379/0", "redis://redis.interno:6379/0"),
        ("rediss://brm:segredo@redis.interno:6380/2", "rediss://redis.interno:6380/2"),
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    ],
)
def test_enderecos_aparecem_sem_usuario_nem_senha(url, esperado):
    assert url_sem_credenciais(url) == esperado


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_readyz_sem_configuracao_salva_usa_as_variaveis_e_nao_grava_nada(client, settings, simulador):
    settings.RPA_API_URL, settings.RPA_API_TOKEN = simulador.url, simulador.token

    corpo = _prontidao(client)[0].json()

    assert corpo["partes"]["api_robos"]["ok"] is True
    assert not ConfiguracaoRPA.objects.exists()
