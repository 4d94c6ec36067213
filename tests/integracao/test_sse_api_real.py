"""Live updates read by API clients against a real uvicorn web process: a program with a JWT access token and a
system with a service key follow a robot job's channel (the one its API payload names), as `curl -N` would."""

import uuid

import pytest
import requests
from django.db import connection
from django.utils import timezone

from brm.api.services import sessao_jwt_encerrar, sessao_jwt_iniciar, token_de_servico_criar
from brm.eventos.canais import CANAL_PAINEL, canal_execucao
from brm.eventos.publicacao import publicar
from brm.rpa.api_robos import LinhaLog
from brm.usuarios.models import Usuario
from processos.models import Execucao
from processos.services import execucao_registrar_logs
from tests.factories import ExecucaoFactory, UsuarioFactory

from .sse import ClienteSSE

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.integracao_web]


@pytest.fixture
def web(celery_processos):
    return celery_processos.web()


@pytest.fixture
def leitor():
    return UsuarioFactory(papel=Usuario.Papel.LEITURA)


@pytest.fixture
def chave_de_servico(leitor):
    _, chave = token_de_servico_criar(
        nome="ERP financeiro", usuario=leitor, por=UsuarioFactory(papel=Usuario.Papel.ADMIN)
    )
    return chave


def _acesso(usuario) -> str:
    return str(sessao_jwt_iniciar(usuario=usuario).access_token)


def _linhas(inicio: int, quantidade: int) -> list[LinhaLog]:
    return [
        LinhaLog(seq=seq, quando=timezone.now(), nivel="INFO", mensagem=f"linha {seq}")
        for seq in range(inicio, inicio + quantidade)
    ]


def _seqs(eventos) -> list[int]:
    return [linha["seq"] for evento in eventos if evento.tipo == "logs" for linha in evento.json()["linhas"]]


def test_jwt_e_token_de_servico_acompanham_a_execucao_pelo_canal_que_a_api_informa(web, leitor, chave_de_servico):
    execucao = ExecucaoFactory(status=Execucao.Status.EM_EXECUCAO)
    acesso = _acesso(leitor)
    api = requests.get(
        f"{web.url}/api/v1/execucoes/{execucao.pk}/", headers={"Authorization": f"Bearer {acesso}"}, timeout=10
    ).json()
    assert api["url_ao_vivo"] == f"{web.url}/eventos/{canal_execucao(execucao.pk)}/"

    with (
        ClienteSSE(api["url_ao_vivo"], token=acesso) as programa,
        ClienteSSE(api["url_ao_vivo"], token=chave_de_servico) as sistema,
    ):
        programa.aberto()
        sistema.aberto()
        execucao_registrar_logs(execucao=execucao, linhas=_linhas(1, 3))

        for cliente in (programa, sistema):
            cliente.esperar(lambda eventos: _seqs(eventos) == [1, 2, 3], descricao="as três linhas de log")
            assert [evento.tipo for evento in cliente.eventos] == ["logs"]


def test_servidor_real_recusa_token_invalido_encerrado_e_sem_permissao(web, leitor):
    refresh = sessao_jwt_iniciar(usuario=leitor)
    sessao_jwt_encerrar(refresh=str(refresh), usuario=leitor)
    sem_papel = UsuarioFactory()
    sem_papel.groups.clear()
    url = f"{web.url}/eventos/{canal_execucao(uuid.uuid4())}/"
    casos = {
        "sem credenciais": (ClienteSSE(url), 401),
        "jwt adulterado": (ClienteSSE(url, token=_acesso(leitor)[:-3] + "abc"), 401),
        "sessão encerrada": (ClienteSSE(url, token=str(refresh.access_token)), 401),
        "chave desconhecida": (ClienteSSE(url, token="brm_" + "x" * 43), 401),
        "sem papel": (ClienteSSE(url, token=_acesso(sem_papel)), 403),
    }
    for caso, (cliente, status) in casos.items():
        assert cliente.terminou.wait(20), caso
        assert cliente.status == status, (caso, cliente.situacao())
        assert cliente.corpo_recusa.startswith('{"codigo":"'), (caso, cliente.corpo_recusa)
        assert cliente.todos == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="conta conexões em pg_stat_activity (PostgreSQL)")
def test_fluxos_abertos_com_token_nao_seguram_conexao_com_o_banco(web, leitor, chave_de_servico):
    def conexoes_da_web() -> list:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid, state, query FROM pg_stat_activity WHERE datname = current_database()"
                " AND application_name = %s",
                [web.nome_no_banco],
            )
            return cursor.fetchall()

    url = f"{web.url}/eventos/{CANAL_PAINEL}/"
    clientes = [ClienteSSE(url, token=_acesso(leitor)) for _ in range(10)]
    clientes += [ClienteSSE(url, token=chave_de_servico) for _ in range(10)]
    try:
        for cliente in clientes:
            cliente.aberto()
        publicar(CANAL_PAINEL, "teste", {"n": 1})
        for cliente in clientes:
            cliente.esperar(lambda eventos: eventos, descricao="o evento em cada fluxo")
        # Each stream read its token's user (and the key's last use) when it opened; none kept the connection.
        com_fluxos_abertos = conexoes_da_web()
    finally:
        for cliente in clientes:
            cliente.fechar()
    assert com_fluxos_abertos == []
