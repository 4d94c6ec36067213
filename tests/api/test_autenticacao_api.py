"""Signing in to the API and every way a token stops working: each refusal is a 401 in the one error shape, with
the `WWW-Authenticate: Bearer` header that tells a client to sign in again."""

import base64
import datetime as dt
import json

import pytest
import time_machine
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from brm.api.models import SessaoEncerrada
from brm.api.services import CLAIM_SESSAO, token_de_servico_criar, token_de_servico_revogar
from brm.api.views import LimiteDeAutenticacao
from brm.usuarios.models import Usuario
from tests.api.conftest import assert_erro
from tests.factories import UsuarioFactory

pytestmark = pytest.mark.django_db

ENTRAR = "/api/v1/auth/token/"
RENOVAR = "/api/v1/auth/token/renovar/"
SAIR = "/api/v1/auth/sair/"
ME = "/api/v1/me/"
SENHA = "senha-teste-123"


@pytest.fixture
def ana(db) -> Usuario:
    return UsuarioFactory(email="ana@brm.test", papel=Usuario.Papel.OPERADOR)


def entrar(email: str = "ana@brm.test", senha: str = SENHA) -> dict:
    resposta = APIClient().post(ENTRAR, {"email": email, "password": senha}, format="json")
    assert resposta.status_code == 200, resposta.content
    return resposta.json()


def com_token(token: str) -> APIClient:
    cliente = APIClient()
    cliente.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return cliente


def assert_401(resposta) -> dict:
    corpo = assert_erro(resposta, 401, "nao_autenticado")
    assert resposta["WWW-Authenticate"].startswith("Bearer"), resposta.headers
    return corpo


def _trocar_um_caractere(parte: str, posicao: int) -> str:
    trocado = "A" if parte[posicao] != "A" else "B"
    return parte[:posicao] + trocado + parte[posicao + 1 :]


# Signing in ---------------------------------------------------------------------------------------------------------


def test_entrar_devolve_acesso_de_10_minutos_e_renovacao_de_7_dias(ana):
    tokens = entrar()

    acesso, renovacao = AccessToken(tokens["access"]), RefreshToken(tokens["refresh"])
    assert acesso["exp"] - acesso["iat"] == 10 * 60
    assert renovacao["exp"] - renovacao["iat"] == 7 * 24 * 3600
    assert acesso["user_id"] == renovacao["user_id"] == str(ana.pk)
    # Both belong to one sign-in, which signing out ends as a whole.
    assert acesso[CLAIM_SESSAO] == renovacao[CLAIM_SESSAO]
    resposta = com_token(tokens["access"]).get(ME)
    assert resposta.status_code == 200
    assert resposta.json()["email"] == "ana@brm.test"


def test_senha_errada_responde_401_sem_tokens(ana):
    resposta = APIClient().post(ENTRAR, {"email": "ana@brm.test", "password": "errada"}, format="json")

    corpo = assert_401(resposta)
    assert "access" not in corpo and "refresh" not in corpo


def test_usuario_desativado_nao_entra(ana):
    Usuario.objects.filter(pk=ana.pk).update(is_active=False)

    assert_401(APIClient().post(ENTRAR, {"email": "ana@brm.test", "password": SENHA}, format="json"))


def test_entrar_sem_senha_responde_400_com_o_campo():
    corpo = assert_erro(APIClient().post(ENTRAR, {"email": "ana@brm.test"}, format="json"), 400, "invalido")

    assert "password" in corpo["campos"]


# Access tokens that stopped working -----------------------------------------------------------------------------


def test_acesso_expirado_apos_10_minutos_responde_401(ana):
    inicio = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(inicio, tick=False) as viagem:
        tokens = entrar()
        viagem.move_to(inicio + dt.timedelta(minutes=9, seconds=59))
        assert com_token(tokens["access"]).get(ME).status_code == 200

        viagem.move_to(inicio + dt.timedelta(minutes=10, seconds=1))
        corpo = assert_401(com_token(tokens["access"]).get(ME))
    assert "expirou" in corpo["mensagem"]


def test_renovacao_expirada_apos_7_dias_responde_401(ana):
    inicio = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(inicio, tick=False) as viagem:
        tokens = entrar()
        viagem.move_to(inicio + dt.timedelta(days=7, seconds=1))
        assert_401(APIClient().post(RENOVAR, {"refresh": tokens["refresh"]}, format="json"))


@pytest.mark.parametrize("parte", [1, 2], ids=["conteudo", "assinatura"])
def test_token_adulterado_responde_401(ana, parte):
    partes = entrar()["access"].split(".")
    partes[parte] = _trocar_um_caractere(partes[parte], len(partes[parte]) // 2)

    assert_401(com_token(".".join(partes)).get(ME))


def test_conteudo_trocado_por_outro_usuario_sem_assinatura_valida_responde_401(ana):
    outra = UsuarioFactory(papel=Usuario.Papel.ADMIN)
    cabecalho, conteudo, assinatura = entrar()["access"].split(".")
    dados = json.loads(base64.urlsafe_b64decode(conteudo + "=" * (-len(conteudo) % 4)))
    dados["user_id"] = str(outra.pk)
    forjado = base64.urlsafe_b64encode(json.dumps(dados).encode()).decode().rstrip("=")

    assert_401(com_token(f"{cabecalho}.{forjado}.{assinatura}").get(ME))


def test_usuario_desativado_depois_do_token_responde_401(ana):
    tokens = entrar()
    Usuario.objects.filter(pk=ana.pk).update(is_active=False)

    assert_401(com_token(tokens["access"]).get(ME))
    assert_401(APIClient().post(RENOVAR, {"refresh": tokens["refresh"]}, format="json"))


def test_usuario_excluido_depois_do_token_responde_401(ana):
    tokens = entrar()
    RefreshToken(tokens["refresh"]).blacklist()  # the outstanding row protects the account from deletion
    Usuario.objects.filter(pk=ana.pk).delete()

    assert_401(com_token(tokens["access"]).get(ME))


def test_renovacao_de_usuario_excluido_responde_401(ana):
    tokens = entrar()
    # The account is gone (its outstanding tokens with it): the refresh token's signature is still valid.
    ana.outstandingtoken_set.all().delete()
    Usuario.objects.filter(pk=ana.pk).delete()

    assert_401(APIClient().post(RENOVAR, {"refresh": tokens["refresh"]}, format="json"))


def test_cabecalho_sem_bearer_responde_401(ana):
    cliente = APIClient()
    cliente.credentials(HTTP_AUTHORIZATION=f"Token {entrar()['access']}")

    assert_401(cliente.get(ME))


# Renewing: rotation and the blacklist -----------------------------------------------------------------------------


def test_renovar_devolve_par_novo_da_mesma_sessao(ana):
    tokens = entrar()

    resposta = APIClient().post(RENOVAR, {"refresh": tokens["refresh"]}, format="json")

    assert resposta.status_code == 200, resposta.content
    novos = resposta.json()
    assert novos["refresh"] != tokens["refresh"]
    antigo = RefreshToken(tokens["refresh"], verify=False)
    assert RefreshToken(novos["refresh"])[CLAIM_SESSAO] == antigo[CLAIM_SESSAO]
    assert com_token(novos["access"]).get(ME).status_code == 200


def test_renovacao_antiga_apos_rotacao_responde_401(ana):
    tokens = entrar()
    assert APIClient().post(RENOVAR, {"refresh": tokens["refresh"]}, format="json").status_code == 200

    corpo = assert_401(APIClient().post(RENOVAR, {"refresh": tokens["refresh"]}, format="json"))
    assert "access" not in corpo


def test_renovacao_na_lista_negra_responde_401(ana):
    tokens = entrar()
    RefreshToken(tokens["refresh"]).blacklist()

    assert_401(APIClient().post(RENOVAR, {"refresh": tokens["refresh"]}, format="json"))


def test_renovacao_adulterada_responde_401(ana):
    cabecalho, conteudo, assinatura = entrar()["refresh"].split(".")
    adulterado = f"{cabecalho}.{_trocar_um_caractere(conteudo, 10)}.{assinatura}"

    assert_401(APIClient().post(RENOVAR, {"refresh": adulterado}, format="json"))


def test_token_de_acesso_nao_serve_para_renovar(ana):
    assert_401(APIClient().post(RENOVAR, {"refresh": entrar()["access"]}, format="json"))


# Signing out ----------------------------------------------------------------------------------------------------------


def test_sair_encerra_renovacao_e_acessos_da_sessao(ana):
    tokens = entrar()
    renovados = APIClient().post(RENOVAR, {"refresh": tokens["refresh"]}, format="json").json()
    cliente = com_token(renovados["access"])

    resposta = cliente.post(SAIR, {"refresh": renovados["refresh"]}, format="json")

    assert resposta.status_code == 204, resposta.content
    sessao = AccessToken(renovados["access"])[CLAIM_SESSAO]
    assert SessaoEncerrada.objects.filter(sessao=sessao).exists()
    # The access tokens of the sign-in, before and after the renewal, and its last refresh token: all refused.
    assert "encerrada" in assert_401(cliente.get(ME))["mensagem"]
    assert_401(com_token(tokens["access"]).get(ME))
    assert_401(APIClient().post(RENOVAR, {"refresh": renovados["refresh"]}, format="json"))


def test_renovacao_de_sessao_encerrada_responde_401_mesmo_fora_da_lista_negra(ana):
    # Two renewals of one refresh token racing each other can both pass SimpleJWT's blacklist check; the
    # ended sign-in still refuses whichever refresh token escaped it.
    tokens = entrar()
    renovacao = RefreshToken(tokens["refresh"])
    SessaoEncerrada.objects.create(
        sessao=renovacao[CLAIM_SESSAO], expira_em=dt.datetime.fromtimestamp(renovacao["exp"], tz=dt.UTC)
    )

    assert_401(APIClient().post(RENOVAR, {"refresh": tokens["refresh"]}, format="json"))


def test_sair_nao_afeta_outra_sessao_da_mesma_pessoa(ana):
    primeira, segunda = entrar(), entrar()

    com_token(primeira["access"]).post(SAIR, {"refresh": primeira["refresh"]}, format="json")

    assert com_token(segunda["access"]).get(ME).status_code == 200


def test_sair_com_renovacao_de_outra_pessoa_responde_400_e_nada_muda(ana):
    bruno = UsuarioFactory(email="bruno@brm.test")
    de_ana, de_bruno = entrar(), entrar("bruno@brm.test")

    resposta = com_token(de_ana["access"]).post(SAIR, {"refresh": de_bruno["refresh"]}, format="json")

    assert "refresh" in assert_erro(resposta, 400, "invalido")["campos"]
    assert not SessaoEncerrada.objects.exists()
    assert com_token(de_bruno["access"]).get(ME).json()["email"] == bruno.email


def test_sair_sem_token_de_acesso_responde_401(ana):
    assert_401(APIClient().post(SAIR, {"refresh": entrar()["refresh"]}, format="json"))


# Service keys -------------------------------------------------------------------------------------------------------


@pytest.fixture
def erp(db, admin_user):
    conta = UsuarioFactory(email="erp@brm.test", papel=Usuario.Papel.LEITURA)
    return token_de_servico_criar(nome="ERP financeiro", usuario=conta, por=admin_user)


def test_chave_de_servico_autentica_como_a_conta(erp):
    token, chave = erp

    resposta = com_token(chave).get(ME)

    assert resposta.status_code == 200
    assert resposta.json()["email"] == "erp@brm.test"


def test_chave_de_servico_revogada_responde_401(erp, admin_user):
    token, chave = erp
    token_de_servico_revogar(token=token, por=admin_user)

    assert "revogado" in assert_401(com_token(chave).get(ME))["mensagem"]


def test_chave_de_servico_de_conta_desativada_responde_401(erp):
    token, chave = erp
    Usuario.objects.filter(pk=token.usuario_id).update(is_active=False)

    assert "desativada" in assert_401(com_token(chave).get(ME))["mensagem"]


def test_chave_de_servico_inventada_responde_401(erp):
    token, chave = erp

    assert_401(com_token(_trocar_um_caractere(chave, 20)).get(ME))


# Throttling -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def limite_de_3_por_minuto(monkeypatch):
    # DRF reads the rates once, into the class attribute THROTTLE_RATES, when the throttle module is imported:
    # overriding REST_FRAMEWORK in settings changes nothing for classes already loaded, so the test lowers
    # the rate where the throttle reads it.
    monkeypatch.setattr(LimiteDeAutenticacao, "THROTTLE_RATES", {"autenticacao": "3/min"})


def test_entrar_alem_do_limite_responde_429_com_a_espera(ana, limite_de_3_por_minuto):
    cliente = APIClient()
    for _ in range(3):
        assert cliente.post(ENTRAR, {"email": "ana@brm.test", "password": "errada"}, format="json").status_code == 401

    resposta = cliente.post(ENTRAR, {"email": "ana@brm.test", "password": SENHA}, format="json")

    corpo = assert_erro(resposta, 429, "limite_de_requisicoes")
    assert 0 < corpo["espera_segundos"] <= 60
    assert int(resposta["Retry-After"]) == corpo["espera_segundos"]
    assert "access" not in corpo


def test_limite_de_autenticacao_vale_tambem_para_renovar(ana, limite_de_3_por_minuto):
    tokens = entrar()
    cliente = APIClient()
    cliente.post(RENOVAR, {"refresh": "x"}, format="json")
    cliente.post(RENOVAR, {"refresh": "y"}, format="json")

    assert_erro(cliente.post(RENOVAR, {"refresh": tokens["refresh"]}, format="json"), 429, "limite_de_requisicoes")


def test_limite_conta_por_endereco(ana, limite_de_3_por_minuto):
    for _ in range(3):
        APIClient().post(ENTRAR, {"email": "ana@brm.test", "password": "errada"}, format="json")

    outro_endereco = APIClient(REMOTE_ADDR="10.0.0.2")

    assert outro_endereco.post(ENTRAR, {"email": "ana@brm.test", "password": SENHA}, format="json").status_code == 200


def test_limite_nao_se_contorna_com_x_forwarded_for(ana, limite_de_3_por_minuto):
    for tentativa in range(3):
        APIClient(HTTP_X_FORWARDED_FOR=f"10.9.9.{tentativa}").post(
            ENTRAR, {"email": "ana@brm.test", "password": "errada"}, format="json"
        )

    resposta = APIClient(HTTP_X_FORWARDED_FOR="10.9.9.99").post(
        ENTRAR, {"email": "ana@brm.test", "password": SENHA}, format="json"
    )

    assert_erro(resposta, 429, "limite_de_requisicoes")


def test_atras_de_um_proxy_conta_o_endereco_que_ele_informa(ana, limite_de_3_por_minuto, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for _ in range(3):
        APIClient(HTTP_X_FORWARDED_FOR="10.9.9.1").post(
            ENTRAR, {"email": "ana@brm.test", "password": "errada"}, format="json"
        )

    outro = APIClient(HTTP_X_FORWARDED_FOR="10.9.9.2").post(
        ENTRAR, {"email": "ana@brm.test", "password": SENHA}, format="json"
    )
    mesmo = APIClient(HTTP_X_FORWARDED_FOR="10.9.9.1").post(
        ENTRAR, {"email": "ana@brm.test", "password": SENHA}, format="json"
    )

    assert outro.status_code == 200
    assert_erro(mesmo, 429, "limite_de_requisicoes")


# The pages' session ---------------------------------------------------------------------------------------------------


@pytest.fixture
def navegador(admin_user):
    """A browser signed in to the admin pages, whose cookies DRF's session authentication reads."""
    cliente = APIClient(enforce_csrf_checks=True)
    cliente.force_login(admin_user)
    assert cliente.get("/admin/").status_code == 200
    return cliente


def test_sessao_das_paginas_le_a_api(navegador):
    resposta = navegador.get(ME)

    assert resposta.status_code == 200
    assert resposta.json()["email"] == "admin@brm.test"


def test_sessao_sem_token_csrf_nao_escreve(navegador):
    resposta = navegador.post("/api/v1/operadoras/", {"nome": "TIM", "codigo": "tim"}, format="json")

    corpo = assert_erro(resposta, 403, "permissao")
    assert "CSRF" in corpo["mensagem"]
    assert not navegador.get("/api/v1/operadoras/").json()["resultados"]


def test_sessao_com_token_csrf_escreve(navegador):
    navegador.get("/admin/login/")
    csrf = navegador.cookies["csrftoken"].value

    resposta = navegador.post(
        "/api/v1/operadoras/", {"nome": "TIM", "codigo": "tim"}, format="json", HTTP_X_CSRFTOKEN=csrf
    )

    assert resposta.status_code == 201, resposta.content
