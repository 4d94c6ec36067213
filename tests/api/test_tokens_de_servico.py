"""Service keys in the admin (created and shown once, last use, revoked) and the cleanup of expired sign-in
records, which must never bring a refused token back."""

import datetime as dt
import hashlib
import re

import pytest
import time_machine
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from agendamentos.models import Agendamento
from agendamentos.tipos import TIPOS
from brm.api.models import SessaoEncerrada, TokenDeServico
from brm.api.services import token_de_servico_criar, tokens_expirados_apagar
from brm.usuarios.models import Usuario
from tests.api.conftest import assert_erro
from tests.conftest import linhas_da_lista, textos
from tests.factories import UsuarioFactory

pytestmark = pytest.mark.django_db

LISTA = reverse("admin:api_tokendeservico_changelist")
NOVA = reverse("admin:api_tokendeservico_add")
ME = "/api/v1/me/"


@pytest.fixture
def conta_erp(db):
    return UsuarioFactory(email="erp@brm.test", papel=Usuario.Papel.LEITURA)


@pytest.fixture
def navegador_admin(client, admin_user):
    client.force_login(admin_user)
    return client


def com_chave(chave: str) -> APIClient:
    cliente = APIClient()
    cliente.credentials(HTTP_AUTHORIZATION=f"Bearer {chave}")
    return cliente


def _chave_da_pagina(resposta) -> str:
    return re.search(r'id="chave"[^>]*value="(brm_[^"]+)"', resposta.content.decode()).group(1)


# Creating a key -------------------------------------------------------------------------------------------------------


def test_admin_cria_chave_mostrada_uma_vez_e_guardada_so_como_hash(navegador_admin, admin_user, conta_erp):
    resposta = navegador_admin.post(NOVA, {"nome": "ERP financeiro", "usuario": conta_erp.pk})

    assert resposta.status_code == 200
    chave = _chave_da_pagina(resposta)
    assert "não será mostrada de novo" in resposta.content.decode()
    token = TokenDeServico.objects.get()
    assert (token.nome, token.usuario, token.criado_por) == ("ERP financeiro", conta_erp, admin_user)
    assert token.hash == hashlib.sha256(chave.encode()).hexdigest()
    assert token.prefixo == chave[:12]
    # The key itself is nowhere in the row, nor on its page afterwards.
    assert all(chave not in str(valor) for valor in TokenDeServico.objects.values().get().values())
    pagina = navegador_admin.get(reverse("admin:api_tokendeservico_change", args=[token.pk])).content.decode()
    assert chave not in pagina and token.prefixo in pagina
    assert com_chave(chave).get(ME).json()["email"] == "erp@brm.test"


def test_criar_chave_para_conta_desativada_e_recusado_sem_efeitos(navegador_admin, conta_erp):
    Usuario.objects.filter(pk=conta_erp.pk).update(is_active=False)

    resposta = navegador_admin.post(NOVA, {"nome": "ERP financeiro", "usuario": conta_erp.pk}, follow=True)

    assert any("desativada" in texto for texto in textos(resposta))
    assert 'value="ERP financeiro"' in resposta.content.decode()
    assert not TokenDeServico.objects.exists()


# Last use -------------------------------------------------------------------------------------------------------------


def test_ultimo_uso_gravado_no_maximo_uma_vez_por_minuto(admin_user, conta_erp):
    token, chave = token_de_servico_criar(nome="ERP", usuario=conta_erp, por=admin_user)
    inicio = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(inicio, tick=False) as viagem:
        assert com_chave(chave).get(ME).status_code == 200
        token.refresh_from_db()
        assert token.ultimo_uso_em == inicio

        viagem.move_to(inicio + dt.timedelta(seconds=59))
        com_chave(chave).get(ME)
        token.refresh_from_db()
        assert token.ultimo_uso_em == inicio

        viagem.move_to(inicio + dt.timedelta(seconds=61))
        com_chave(chave).get(ME)
        token.refresh_from_db()
        assert token.ultimo_uso_em == inicio + dt.timedelta(seconds=61)


def test_uso_dentro_do_minuto_nao_escreve_no_banco(admin_user, conta_erp, django_assert_num_queries):
    token, chave = token_de_servico_criar(nome="ERP", usuario=conta_erp, por=admin_user)
    cliente = com_chave(chave)
    cliente.get(ME)

    # The key and its account in one query, the account's permissions in one more: no UPDATE.
    with django_assert_num_queries(2):
        assert cliente.get(ME).status_code == 200


def test_lista_mostra_ultimo_uso_e_situacao(navegador_admin, admin_user, conta_erp):
    token, chave = token_de_servico_criar(nome="ERP", usuario=conta_erp, por=admin_user)
    com_chave(chave).get(ME)

    [linha] = linhas_da_lista(navegador_admin.get(LISTA))

    assert linha["situacao"] == "Ativa"
    assert linha["prefixo"] == token.prefixo
    assert str(timezone.localtime(TokenDeServico.objects.get().ultimo_uso_em).year) in linha["ultimo_uso_em"]


# Revoking -------------------------------------------------------------------------------------------------------------


def test_acao_revogar_recusa_a_chave_na_hora(navegador_admin, admin_user, conta_erp):
    token, chave = token_de_servico_criar(nome="ERP", usuario=conta_erp, por=admin_user)
    cliente = com_chave(chave)
    assert cliente.get(ME).status_code == 200

    resposta = navegador_admin.post(LISTA, {"action": "revogar", "_selected_action": [token.pk]}, follow=True)

    assert resposta.status_code == 200
    assert any("revogada" in texto for texto in textos(resposta))
    token.refresh_from_db()
    assert token.revogado_em is not None and token.revogado_por == admin_user
    assert_erro(cliente.get(ME), 401, "nao_autenticado")
    assert "Revogada" in navegador_admin.get(LISTA).content.decode()


def test_revogar_de_novo_diz_que_ja_estava_revogada_e_nada_muda(navegador_admin, admin_user, conta_erp):
    token, _ = token_de_servico_criar(nome="ERP", usuario=conta_erp, por=admin_user)
    navegador_admin.post(LISTA, {"action": "revogar", "_selected_action": [token.pk]})
    token.refresh_from_db()
    revogada_em = token.revogado_em

    resposta = navegador_admin.post(LISTA, {"action": "revogar", "_selected_action": [token.pk]}, follow=True)

    assert any("já estava revogada" in texto for texto in textos(resposta))
    token.refresh_from_db()
    assert token.revogado_em == revogada_em


def test_chave_nao_pode_ser_excluida(navegador_admin, admin_user, conta_erp):
    token, _ = token_de_servico_criar(nome="ERP", usuario=conta_erp, por=admin_user)

    resposta = navegador_admin.post(reverse("admin:api_tokendeservico_delete", args=[token.pk]), {"post": "yes"})

    assert resposta.status_code == 403
    assert TokenDeServico.objects.filter(pk=token.pk).exists()


# Who may -------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("papel", [Usuario.Papel.OPERADOR, Usuario.Papel.APROVADOR, Usuario.Papel.LEITURA])
def test_quem_nao_e_admin_nao_abre_as_paginas_das_chaves(client, admin_user, conta_erp, papel):
    token, _ = token_de_servico_criar(nome="ERP", usuario=conta_erp, por=admin_user)
    client.force_login(UsuarioFactory(papel=papel))

    for url in (LISTA, NOVA, reverse("admin:api_tokendeservico_change", args=[token.pk])):
        assert client.get(url).status_code == 403, url
    resposta = client.post(NOVA, {"nome": "Intruso", "usuario": conta_erp.pk})
    assert resposta.status_code == 403
    client.post(LISTA, {"action": "revogar", "_selected_action": [token.pk]})
    assert TokenDeServico.objects.get().ativo
    assert TokenDeServico.objects.count() == 1


def test_paginas_do_simplejwt_nao_sao_oferecidas_no_admin():
    # They would show every refresh token in full.
    assert not admin.site.is_registered(OutstandingToken)
    assert not admin.site.is_registered(BlacklistedToken)


# Cleaning up expired sign-in records ----------------------------------------------------------------------------------


def _entrar(usuario, senha="senha-teste-123") -> dict:
    resposta = APIClient().post("/api/v1/auth/token/", {"email": usuario.email, "password": senha}, format="json")
    assert resposta.status_code == 200, resposta.content
    return resposta.json()


def test_cada_token_de_renovacao_registra_a_propria_expiracao(conta_erp):
    # The cleanup deletes blacklist rows by `expires_at`: it is safe only while it is the token's own `exp`.
    primeiro = _entrar(conta_erp)["refresh"]
    renovado = APIClient().post("/api/v1/auth/token/renovar/", {"refresh": primeiro}, format="json").json()["refresh"]

    for token in (RefreshToken(primeiro, verify=False), RefreshToken(renovado)):
        registro = OutstandingToken.objects.get(jti=token["jti"])
        assert registro.expires_at == dt.datetime.fromtimestamp(token["exp"], tz=dt.UTC)


def test_limpeza_apaga_so_o_expirado_e_nada_recusado_volta_a_valer(conta_erp):
    inicio = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(inicio, tick=False) as viagem:
        antigo = _entrar(conta_erp)
        APIClient().post("/api/v1/auth/token/renovar/", {"refresh": antigo["refresh"]}, format="json")
        encerrado = _entrar(conta_erp)
        com_chave(encerrado["access"]).post("/api/v1/auth/sair/", {"refresh": encerrado["refresh"]}, format="json")

        viagem.move_to(inicio + dt.timedelta(days=6))
        recente = _entrar(conta_erp)
        com_chave(recente["access"]).post("/api/v1/auth/sair/", {"refresh": recente["refresh"]}, format="json")
        assert (OutstandingToken.objects.count(), BlacklistedToken.objects.count()) == (4, 3)

        viagem.move_to(inicio + dt.timedelta(days=7, minutes=1))
        resultado = tokens_expirados_apagar(agora=timezone.now())

        # The first sign-in's two tokens and the signed-out one are gone; the recent one and its sign-out stay.
        assert resultado == {"tokens_expirados": 3, "sessoes_encerradas": 1}
        assert list(OutstandingToken.objects.values_list("jti", flat=True)) == [
            RefreshToken(recente["refresh"], verify=False)["jti"]
        ]
        assert SessaoEncerrada.objects.count() == 1
        # What was refused before the cleanup is still refused after it.
        for refresh in (antigo["refresh"], encerrado["refresh"], recente["refresh"]):
            resposta = APIClient().post("/api/v1/auth/token/renovar/", {"refresh": refresh}, format="json")
            assert_erro(resposta, 401, "nao_autenticado")
        assert_erro(com_chave(recente["access"]).get(ME), 401, "nao_autenticado")


def test_agendamento_de_limpeza_apaga_tokens_expirados(conta_erp):
    with time_machine.travel(dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC), tick=False):
        _entrar(conta_erp)
    limpeza = TIPOS[Agendamento.Tipo.LIMPEZA_LOGS]

    resultado = limpeza.executar(
        parametros={"dias_retencao": 90}, agora=timezone.now(), fuso="America/Sao_Paulo", por=None
    )

    assert resultado["tokens_expirados"] == 1
    assert not OutstandingToken.objects.exists()
