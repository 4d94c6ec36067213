"""The live channels (`/eventos/<canal>/`) read by API clients: with a JWT access token or a service key, checked
by the API's own authenticators; refusals in the API's one error shape (401 without valid credentials, 403 without
the permission). The pages' session still works. Streams against a real uvicorn are in
tests/integracao/test_sse_real.py."""

import asyncio
import uuid

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient
from django.utils import timezone
from django_eventstream import send_event
from rest_framework_simplejwt.tokens import AccessToken

from brm.api.models import TokenDeServico
from brm.api.services import sessao_jwt_encerrar, sessao_jwt_iniciar, token_de_servico_criar, token_de_servico_revogar
from brm.eventos.canais import CANAL_PAINEL, canal_execucao
from tests.api.conftest import assert_erro
from tests.factories import UsuarioFactory
from tests.integracao.sse import eventos_do_texto

pytestmark = pytest.mark.django_db


@pytest.fixture
def canal():
    return canal_execucao(uuid.uuid4())


def _bearer(valor: str) -> dict:
    return {"Authorization": f"Bearer {valor}"}


def _acesso(usuario) -> str:
    return str(sessao_jwt_iniciar(usuario=usuario).access_token)


def _abrir(caminho: str, cabecalhos: dict, *, eventos: int = 0, sessao: str | None = None):
    """Opens the stream as an ASGI server would (the view, then its async body) and reads until the opening and
    `eventos` events of ours came (at most 10 s); returns (response, events). Refusals come back whole."""

    async def ler():
        cliente = AsyncClient()
        if sessao:
            cliente.cookies["sessionid"] = sessao
        resposta = await cliente.get(caminho, headers=cabecalhos)
        if not resposta.streaming:
            return resposta, []
        texto, corpo = "", resposta.streaming_content
        try:
            async with asyncio.timeout(10):
                async for parte in corpo:
                    texto += parte.decode() if isinstance(parte, bytes) else parte
                    lidos = eventos_do_texto(texto)
                    nossos = [e for e in lidos if e.tipo not in ("stream-open", "keep-alive")]
                    if any(e.tipo == "stream-open" for e in lidos) and len(nossos) >= eventos:
                        return resposta, lidos
        finally:
            await corpo.aclose()
        return resposta, eventos_do_texto(texto)

    return async_to_sync(ler)()


# Who may open a stream ------------------------------------------------------------------------------------------


def test_token_de_acesso_jwt_abre_o_canal_e_recebe_os_eventos_guardados(leitor, canal):
    send_event(canal, "status", {"status": "EM_EXECUCAO"})

    resposta, eventos = _abrir(
        f"/eventos/{canal}/", {**_bearer(_acesso(leitor)), "Last-Event-ID": f"{canal}:0"}, eventos=1
    )

    assert resposta.status_code == 200
    assert resposta["Content-Type"] == "text/event-stream"
    assert [e.tipo for e in eventos] == ["stream-open", "status"]
    assert eventos[1].json() == {"status": "EM_EXECUCAO"} and eventos[1].id == f"{canal}:1"


def test_token_de_servico_abre_o_canal_e_marca_o_uso(admin_user, leitor):
    token, chave = token_de_servico_criar(nome="ERP financeiro", usuario=leitor, por=admin_user)

    resposta, eventos = _abrir(f"/eventos/{CANAL_PAINEL}/", _bearer(chave))

    assert resposta.status_code == 200 and eventos[0].tipo == "stream-open"
    assert TokenDeServico.objects.get(pk=token.pk).ultimo_uso_em is not None


def test_sessao_das_paginas_continua_abrindo_o_canal(client, leitor, canal):
    client.force_login(leitor)
    sessao = client.cookies["sessionid"].value

    resposta, eventos = _abrir(f"/eventos/{canal}/", {}, sessao=sessao)

    assert resposta.status_code == 200 and eventos[0].tipo == "stream-open"


# Refusals, in the API's one error shape -------------------------------------------------------------------------


def _recusa(resposta, status: int, codigo: str) -> dict:
    assert resposta["Content-Type"].startswith("application/json")
    assert resposta["Cache-Control"] == "no-store"
    return assert_erro(resposta, status, codigo)


def test_sem_credenciais_responde_401_com_o_desafio_bearer(client, canal):
    resposta = client.get(f"/eventos/{canal}/")

    corpo = _recusa(resposta, 401, "nao_autenticado")
    assert resposta["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "Authorization: Bearer" in corpo["mensagem"]


@pytest.mark.parametrize(
    ("autorizacao", "mensagem"),
    [
        ("Bearer nao-e-um-jwt", "O token de acesso é inválido ou expirou"),
        ("Bearer brm_chave-que-nao-existe", "Token de serviço inválido ou revogado."),
        ("Bearer", ""),
    ],
)
def test_token_invalido_responde_401_como_a_api(client, canal, autorizacao, mensagem):
    resposta = client.get(f"/eventos/{canal}/", headers={"Authorization": autorizacao})

    corpo = _recusa(resposta, 401, "nao_autenticado")
    assert corpo["mensagem"].startswith(mensagem), corpo
    assert resposta["WWW-Authenticate"] == 'Bearer realm="api"'
    # The same refusal, byte for byte, as any endpoint of the API gives for the same header.
    assert resposta.content == client.get("/api/v1/me/", headers={"Authorization": autorizacao}).content


def test_token_expirado_responde_401(client, leitor, canal):
    acesso = AccessToken.for_user(leitor)
    acesso.set_exp(from_time=timezone.now() - timezone.timedelta(hours=1))

    _recusa(client.get(f"/eventos/{canal}/", headers=_bearer(str(acesso))), 401, "nao_autenticado")


def test_token_de_uma_sessao_encerrada_responde_401(client, leitor, canal):
    refresh = sessao_jwt_iniciar(usuario=leitor)
    sessao_jwt_encerrar(refresh=str(refresh), usuario=leitor)

    resposta = client.get(f"/eventos/{canal}/", headers=_bearer(str(refresh.access_token)))

    assert "sessão foi encerrada" in _recusa(resposta, 401, "nao_autenticado")["mensagem"]


def test_token_de_servico_revogado_responde_401(client, admin_user, leitor, canal):
    token, chave = token_de_servico_criar(nome="Relatórios", usuario=leitor, por=admin_user)
    token_de_servico_revogar(token=token, por=admin_user)

    _recusa(client.get(f"/eventos/{canal}/", headers=_bearer(chave)), 401, "nao_autenticado")


def test_token_de_quem_foi_desativado_responde_401(client, leitor, canal):
    acesso = _acesso(leitor)
    leitor.is_active = False
    leitor.save(update_fields=["is_active"])

    _recusa(client.get(f"/eventos/{canal}/", headers=_bearer(acesso)), 401, "nao_autenticado")


def test_token_sem_permissao_responde_403_como_para_as_paginas(client, canal):
    sem_papel = UsuarioFactory()
    sem_papel.groups.clear()

    corpo = _recusa(client.get(f"/eventos/{canal}/", headers=_bearer(_acesso(sem_papel))), 403, "permissao")

    assert "permissão para acompanhar" in corpo["mensagem"]


def test_token_num_canal_que_nao_e_nosso_responde_403(client, admin_user):
    _recusa(client.get("/eventos/outro-canal/", headers=_bearer(_acesso(admin_user))), 403, "permissao")


def test_last_event_id_invalido_com_token_responde_400(client, leitor, canal):
    resposta = client.get(f"/eventos/{canal}/", headers={**_bearer(_acesso(leitor)), "Last-Event-ID": "x"})

    _recusa(resposta, 400, "invalido")


def test_canal_da_execucao_na_api_e_o_que_o_token_le(api_leitor, leitor):
    from tests.factories import ExecucaoFactory

    execucao = ExecucaoFactory()
    canal = api_leitor.get(f"/api/v1/execucoes/{execucao.pk}/").json()["canal_ao_vivo"]
    send_event(canal, "logs", {"linhas": [{"seq": 1, "mensagem": "Abrindo o portal"}]})

    resposta, eventos = _abrir(
        f"/eventos/{canal}/", {**_bearer(_acesso(leitor)), "Last-Event-ID": f"{canal}:0"}, eventos=1
    )

    assert resposta.status_code == 200
    assert eventos[-1].tipo == "logs" and eventos[-1].json()["linhas"][0]["seq"] == 1
