"""The storage of events in Redis and the stream read straight from its generator (the real-server tests are in
tests/integracao/test_sse_real.py): atomic ids, one-trip reads, and what a stream says when events are gone."""

import asyncio
import uuid

import pytest
from django_eventstream import send_event
from django_eventstream.utils import get_storage

from brm.eventos.armazenamento import MARCA, VALIDADE, ArmazenamentoRedis
from brm.eventos.canais import canal_execucao
from brm.eventos.fluxo import GerenciadorDeOuvintes, fluxo
from brm.eventos.views import ultimo_id_pedido
from tests.integracao.sse import eventos_do_texto


@pytest.fixture
def canal():
    return canal_execucao(uuid.uuid4())


@pytest.fixture
def armazenamento() -> ArmazenamentoRedis:
    return get_storage()


def _enviar(canal: str, *numeros: int) -> None:
    for i in numeros:
        send_event(canal, "teste", {"i": i})


def _ler_fluxo(canal: str, ultimo: int | None, *, eventos: int) -> list:
    """What a stream sends from its start until it has sent `eventos` events of ours (at most 10 s)."""

    async def ler():
        texto = ""
        corpo = fluxo(canal=canal, ultimo=ultimo, usuario_id=1, gerenciador=GerenciadorDeOuvintes())
        try:
            async for parte in corpo:
                texto += parte
                if sum(e.tipo not in ("stream-open", "keep-alive") for e in eventos_do_texto(texto)) >= eventos:
                    break
        finally:
            await corpo.aclose()
        return [e for e in eventos_do_texto(texto) if e.tipo not in ("stream-open", "keep-alive")]

    return asyncio.run(asyncio.wait_for(ler(), 10))


def test_armazenamento_numera_em_ordem_e_le_de_uma_vez(canal, armazenamento):
    _enviar(canal, 0, 1, 2, 3)

    leitura = armazenamento.ler(canal, 1, limite=10)

    assert leitura.atual == 4
    assert [(e.id, e.type, e.data) for e in leitura.eventos] == [
        (2, "teste", '{"i": 1}'),
        (3, "teste", '{"i": 2}'),
        (4, "teste", '{"i": 3}'),
    ]
    assert armazenamento.ler(canal, None).eventos == []
    assert [e.id for e in armazenamento.get_events(canal, 0, limit=2)] == [1, 2]
    assert armazenamento.get_current_id(canal) == 4


def test_contador_do_canal_expira_com_o_ultimo_evento(canal, armazenamento):
    _enviar(canal, 0)

    assert 0 < armazenamento.redis.ttl(f"event_counter:{canal}") <= VALIDADE
    assert 0 < armazenamento.redis.ttl(f"event:{canal}:1") <= VALIDADE


def test_marca_dos_dados_so_muda_quando_o_redis_perde_os_dados(canal, armazenamento):
    _enviar(canal, 0)
    marca = armazenamento.ler(canal, None).marca

    _enviar(canal, 1)
    assert armazenamento.ler(canal, None).marca == marca

    armazenamento.redis.delete(MARCA)  # what a restart without persistence leaves
    assert armazenamento.ler(canal, None).marca != marca


def test_evento_enviado_logo_depois_da_abertura_chega(canal):
    # Once a browser sees the opening, it gets every later event: the starting point is read before it.
    async def ler():
        corpo = fluxo(canal=canal, ultimo=None, usuario_id=1, gerenciador=GerenciadorDeOuvintes())
        try:
            texto = await anext(corpo)
            assert "stream-open" in texto
            _enviar(canal, 7)
            while "event: teste" not in texto:
                texto += await anext(corpo)
        finally:
            await corpo.aclose()
        return [e for e in eventos_do_texto(texto) if e.tipo == "teste"]

    [evento] = asyncio.run(asyncio.wait_for(ler(), 10))

    assert (evento.id, evento.json()) == (f"{canal}:1", {"i": 7})


def test_fluxo_retoma_depois_do_ultimo_id(canal):
    _enviar(canal, 0, 1, 2, 3)

    eventos = _ler_fluxo(canal, 2, eventos=2)

    assert [(e.id, e.json()) for e in eventos] == [(f"{canal}:3", {"i": 2}), (f"{canal}:4", {"i": 3})]


def test_fluxo_avisa_quando_os_eventos_que_faltam_expiraram(canal, armazenamento):
    _enviar(canal, 0, 1, 2, 3)
    armazenamento.redis.delete(f"event:{canal}:1", f"event:{canal}:2")

    eventos = _ler_fluxo(canal, 0, eventos=3)

    assert [(e.tipo, e.id) for e in eventos] == [
        ("stream-reset", f"{canal}:2"),
        ("teste", f"{canal}:3"),
        ("teste", f"{canal}:4"),
    ]
    assert eventos[0].json() == {"channels": [canal]}


def test_fluxo_com_id_alem_do_contador_recomeca_do_primeiro(canal):
    # The browser holds id 10 from before Redis lost its data; the new data has 2 events.
    _enviar(canal, 0, 1)

    eventos = _ler_fluxo(canal, 10, eventos=3)

    assert [(e.tipo, e.id) for e in eventos] == [
        ("stream-reset", f"{canal}:0"),
        ("teste", f"{canal}:1"),
        ("teste", f"{canal}:2"),
    ]


class _Pedido:
    def __init__(self, cabecalho: str | None = None, parametro: str | None = None):
        self.headers = {"Last-Event-ID": cabecalho} if cabecalho else {}
        self.GET = {"lastEventId": parametro} if parametro else {}


def test_ultimo_id_do_cabecalho_ou_do_parametro_so_do_canal_pedido(canal):
    assert ultimo_id_pedido(_Pedido(), canal) is None
    assert ultimo_id_pedido(_Pedido(f"{canal}:7"), canal) == 7
    assert ultimo_id_pedido(_Pedido(parametro=f"painel:3,{canal}:5"), canal) == 5
    assert ultimo_id_pedido(_Pedido("painel:3"), canal) is None
    for invalido in ("error", f"{canal}:x", "sem-dois-pontos"):
        with pytest.raises(ValueError):
            ultimo_id_pedido(_Pedido(invalido), canal)


@pytest.mark.django_db
def test_url_recusa_last_event_id_invalido(client, leitor, canal):
    client.force_login(leitor)

    resposta = client.get(f"/eventos/{canal}/", headers={"Last-Event-ID": "error"})

    assert resposta.status_code == 400
