"""The request id: taken from X-Request-ID when sane, made otherwise, sent back, and on every line of the request
(under WSGI and ASGI, after the middleware returns and inside a streamed body)."""

import asyncio
import logging
import re

import pytest
from django.test import AsyncClient, Client

from brm.common.registro import FormatoJson, contexto_atual, request_id_atual, request_id_definir
from brm.eventos.fluxo import GerenciadorDeOuvintes, fluxo
from tests.common.test_registro import Captura

pytestmark = pytest.mark.django_db

HEX = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def captura():
    captura = Captura(FormatoJson())
    raiz = logging.getLogger()
    nivel = raiz.level
    raiz.addHandler(captura.handler)
    raiz.setLevel(logging.INFO)
    yield captura
    raiz.removeHandler(captura.handler)
    raiz.setLevel(nivel)


def test_sem_cabecalho_gera_um_id_e_devolve_na_resposta(client):
    primeira = client.get("/nao-existe/")
    segunda = client.get("/nao-existe/")

    assert HEX.fullmatch(primeira["X-Request-ID"])
    assert primeira["X-Request-ID"] != segunda["X-Request-ID"]


@pytest.mark.parametrize("valor", ["req-0123.abc:9", "0d4c1c3e-6f0a-4a57-9d65-1f6f3c1f9f4e", "a" * 128])
def test_id_do_proxy_e_aceito_e_devolvido(client, valor):
    assert client.get("/nao-existe/", headers={"X-Request-ID": valor})["X-Request-ID"] == valor


@pytest.mark.parametrize(
    "valor", ["a" * 129, "tem espaço", "x\r\nSet-Cookie: a=b", "<script>", "-comeca-com-hifen", "ação"]
)
def test_id_insano_e_trocado_por_um_novo(client, valor):
    resposta = client.get("/nao-existe/", HTTP_X_REQUEST_ID=valor)

    assert HEX.fullmatch(resposta["X-Request-ID"])


def test_linhas_da_requisicao_levam_o_id_inclusive_as_do_django_depois_do_middleware(client, captura):
    resposta = client.get("/nao-existe/?token=tok-na-query-123", headers={"X-Request-ID": "req-wsgi-1"})

    (linha,) = [linha for linha in captura.linhas() if linha["logger"] == "django.request"]
    assert linha["message"] == "Not Found: /nao-existe/"
    assert linha["request_id"] == "req-wsgi-1" == resposta["X-Request-ID"]
    assert linha["request"] == "GET /nao-existe/"
    assert "tok-na-query-123" not in captura.texto
    # The response was closed: nothing logged afterwards in this thread passes as that request.
    assert request_id_atual() is None


def test_asgi_linhas_levam_o_id_e_a_linha_da_requisicao(settings, captura):
    settings.BRM_LOG_REQUISICOES = True

    resposta = asyncio.run(AsyncClient().get("/nao-existe/", headers={"X-Request-ID": "req-asgi-1"}))

    linhas = {linha["logger"]: linha for linha in captura.linhas()}
    assert resposta["X-Request-ID"] == "req-asgi-1"
    assert linhas["django.request"]["request_id"] == "req-asgi-1"
    acesso = linhas["brm.requisicoes"]
    assert acesso["request_id"] == "req-asgi-1"
    assert acesso["message"].startswith("GET /nao-existe/ 404 (")
    assert acesso["status_code"] == 404 and isinstance(acesso["duracao_ms"], int)


def test_sem_brm_log_requisicoes_nao_ha_linha_por_requisicao(captura):
    Client().get("/nao-existe/")

    assert [linha["logger"] for linha in captura.linhas()] == ["django.request"]


def test_fluxo_sse_escreve_com_o_id_de_quem_o_abriu(captura, monkeypatch):
    from brm.eventos.armazenamento import ArmazenamentoRedis

    def ler_falhando(self, *args, **kwargs):
        raise ConnectionError("Redis fora do ar")

    monkeypatch.setattr(ArmazenamentoRedis, "ler", ler_falhando)

    async def abrir():
        request_id_definir("req-sse-1")
        # The body runs after the view returned, in the request's task: as Django's ASGI handler streams it.
        return [parte async for parte in fluxo(canal="painel", ultimo=None, usuario_id=1, gerenciador=_Gerenciador())]

    asyncio.run(abrir())

    (linha,) = [linha for linha in captura.linhas() if linha["logger"] == "brm.eventos.fluxo"]
    assert "leitura do Redis falhou" in linha["message"] and linha["request_id"] == "req-sse-1"


class _Gerenciador(GerenciadorDeOuvintes):
    """Streams without the Redis listener: this test reads only storage."""

    def add_listener(self, listener):
        pass

    def remove_listener(self, listener):
        pass


def test_ouvinte_do_redis_nao_herda_o_id_da_requisicao_que_o_iniciou(monkeypatch, settings):
    vistos = []

    async def ouvir(self):
        vistos.append(contexto_atual())

    monkeypatch.setattr(GerenciadorDeOuvintes, "_ouvir", ouvir)

    async def pagina_abre_o_fluxo():
        request_id_definir("req-que-abriu")
        gerenciador = GerenciadorDeOuvintes()
        gerenciador._garantir_ouvinte_redis()
        await gerenciador._tarefa
        return contexto_atual()

    assert asyncio.run(pagina_abre_o_fluxo()) == {"request_id": "req-que-abriu"}
    assert vistos == [{}]
