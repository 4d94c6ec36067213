"""Who may read which live channel, and what the stream URL answers to those who may not."""

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser

from brm.eventos.canais import CANAL_PAINEL, canal_execucao, pode_ler_canal
from tests.factories import UsuarioFactory

pytestmark = pytest.mark.django_db

EXECUCAO = canal_execucao(uuid.uuid4())


@pytest.fixture
def sem_papel():
    usuario = UsuarioFactory()
    usuario.groups.clear()
    return usuario


@pytest.mark.parametrize("canal", [CANAL_PAINEL, EXECUCAO])
def test_todo_papel_le_o_painel_e_as_execucoes(canal, admin_user, operador, aprovador, leitor):
    assert all(pode_ler_canal(usuario, canal) for usuario in (admin_user, operador, aprovador, leitor))


@pytest.mark.parametrize("canal", [CANAL_PAINEL, EXECUCAO])
def test_anonimo_sem_permissao_e_inativo_nao_leem(canal, sem_papel, leitor):
    leitor.is_active = False

    assert not pode_ler_canal(None, canal)
    assert not pode_ler_canal(AnonymousUser(), canal)
    assert not pode_ler_canal(sem_papel, canal)
    assert not pode_ler_canal(leitor, canal)


@pytest.mark.parametrize("canal", ["outro", "execucao-nao-e-uuid", "execucao-", "painel2", ""])
def test_canal_que_nao_e_nosso_e_recusado_ate_para_o_admin(canal, admin_user):
    assert not pode_ler_canal(admin_user, canal)


def test_url_recusa_anonimo_com_401_na_forma_de_erro_da_api(client):
    resposta = client.get(f"/eventos/{CANAL_PAINEL}/")

    assert resposta.status_code == 401
    assert resposta.json()["codigo"] == "nao_autenticado"
    assert "Authorization: Bearer" in resposta.json()["mensagem"]


def test_url_recusa_quem_nao_tem_permissao(client, sem_papel):
    client.force_login(sem_papel)

    resposta = client.get(f"/eventos/{EXECUCAO}/")

    assert resposta.status_code == 403
    assert "permissão para acompanhar" in resposta.json()["mensagem"]


def test_url_recusa_canal_desconhecido(client, admin_user):
    client.force_login(admin_user)

    assert client.get("/eventos/qualquer-coisa/").status_code == 403


def test_url_so_aceita_get(client, leitor):
    client.force_login(leitor)

    assert client.post(f"/eventos/{CANAL_PAINEL}/").status_code == 405
