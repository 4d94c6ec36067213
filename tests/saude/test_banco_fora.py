"""/readyz of a real web process (uvicorn, ASGI, production settings) whose database never answers.

The database is a port that accepts connections and then says nothing, the worst case for a probe: without its
own bound, the check would wait for the connection forever.
"""

import socket
import time

import pytest
import requests
from cryptography.fernet import Fernet

from tests.integracao.conftest import Processos

PRAZO_DA_RESPOSTA = 10
HOST_POR_IP = {"Host": "10.20.30.40:8000"}


@pytest.fixture
def banco_mudo():
    """A PostgreSQL address that completes the TCP handshake (the kernel's backlog) and never answers."""
    with socket.socket() as buraco:
        buraco.bind(("127.0.0.1", 0))
        buraco.listen(64)
        yield buraco.getsockname()[1]


@pytest.fixture
def web_de_producao(tmp_path, banco_mudo, redis_real, coletados):
    processos = Processos(tmp_path)
    processos.ambiente.update(
        {
            "DJANGO_SETTINGS_MODULE": "brm.settings.production",
            "DJANGO_SECRET_KEY": "chave-de-teste-da-producao-" + "x" * 40,
            "FERNET_KEYS": Fernet.generate_key().decode(),
            "DATABASE_URL": f"postgres://brm:senha-do-banco@127.0.0.1:{banco_mudo}/brm",
            "DJANGO_ALLOWED_HOSTS": "brm.exemplo.com.br",
            "BRM_PRONTIDAO_CACHE_SEGUNDOS": "0",
            # The pages' templates name static files through production's manifest, as after the image's build.
            "DJANGO_STATIC_ROOT": str(coletados),
        }
    )
    # Production's default: the psycopg pool, which would wait 30 s for a connection.
    processos.ambiente.pop("DATABASE_POOL", None)
    try:
        yield processos.web()
    finally:
        processos.parar()


def _prontidao(web) -> tuple[requests.Response, float]:
    inicio = time.monotonic()
    resposta = requests.get(f"{web.url}/readyz", headers=HOST_POR_IP, timeout=30)
    return resposta, time.monotonic() - inicio


def test_readyz_com_o_banco_mudo_responde_503_nomeando_banco_dentro_do_prazo(web_de_producao):
    resposta, duracao = _prontidao(web_de_producao)

    corpo = resposta.json()
    assert resposta.status_code == 503, corpo
    assert corpo["pronto"] is False
    assert "banco" in corpo["falhas"]
    assert "redis" not in corpo["falhas"]
    assert corpo["partes"]["banco"]["erro"] == "A verificação do banco de dados não terminou em 2,5 s."
    assert "senha-do-banco" not in resposta.text
    assert duracao < PRAZO_DA_RESPOSTA

    # The first check is still waiting for the database: the next probe does not start a second one.
    resposta, duracao = _prontidao(web_de_producao)

    banco = resposta.json()["partes"]["banco"]
    assert resposta.status_code == 503
    assert banco["erro"].startswith("A verificação anterior do banco de dados ainda não terminou")
    assert duracao < PRAZO_DA_RESPOSTA


def test_sondas_passam_pelo_ip_com_configuracoes_de_producao_e_o_resto_nao(web_de_producao):
    vivo = requests.get(f"{web_de_producao.url}/healthz", headers=HOST_POR_IP, timeout=10)

    assert vivo.status_code == 200
    assert vivo.json() == {"vivo": True}
    # The same Host on any other path: refused by ALLOWED_HOSTS, as production settings want.
    assert requests.get(f"{web_de_producao.url}/admin/login/", headers=HOST_POR_IP, timeout=10).status_code == 400
