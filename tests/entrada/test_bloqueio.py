"""Lockout after repeated wrong passwords, on the real login page and the real API token endpoint, with the
configured number of failures; the message in Portuguese; lifted by the wait or by an administrator."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from brm.entrada.models import EntradaRegistrada, TentativaDeEntrada
from brm.usuarios.models import Usuario
from tests.api.conftest import assert_erro
from tests.conftest import textos
from tests.factories import UsuarioFactory

pytestmark = pytest.mark.django_db

ENTRAR = "/admin/login/"
TOKEN = "/api/v1/auth/token/"
SENHA = "senha-teste-123"
LISTA = "/admin/entrada/tentativadeentrada/"


@pytest.fixture
def ana(db) -> Usuario:
    return UsuarioFactory(email="ana@brm.test", papel=Usuario.Papel.OPERADOR)


def pela_pagina(cliente: Client, senha: str, email: str = "ana@brm.test", **extra):
    return cliente.post(ENTRAR, {"username": email, "password": senha, "next": "/"}, **extra)


def pela_api(cliente: APIClient, senha: str, email: str = "ana@brm.test", **extra):
    return cliente.post(TOKEN, {"email": email, "password": senha}, format="json", **extra)


def errar_ate_bloquear_na_pagina(cliente: Client, email: str = "ana@brm.test", **extra):
    """The configured number of wrong passwords; returns the answer to the last one."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        resposta = pela_pagina(cliente, "errada", email, **extra)
        assert resposta.status_code == 200
        assert "_auth_user_id" not in cliente.session
    return pela_pagina(cliente, "errada", email, **extra)


def assert_pagina_de_bloqueio(resposta) -> str:
    assert resposta.status_code == 429, resposta.content[:500]
    pagina = resposta.content.decode()
    assert 'id="brm-bloqueio"' in pagina
    assert f"Acesso bloqueado: {settings.AXES_FAILURE_LIMIT} tentativas de entrada com senha errada" in pagina
    # Still the login page: the form is there to try again later.
    assert 'id="login-form"' in pagina
    return pagina


def test_limite_padrao_e_cinco_senhas_erradas_por_quinze_minutos():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


# The login page ---------------------------------------------------------------------------------------------------


def test_pagina_bloqueia_na_ultima_falha_e_recusa_ate_a_senha_certa(ana):
    cliente = Client()

    pagina = assert_pagina_de_bloqueio(errar_ate_bloquear_na_pagina(cliente))
    assert "Tente de novo em 15 minutos" in pagina
    assert "peça a um administrador para desbloquear" in pagina

    resposta = pela_pagina(cliente, SENHA)
    assert_pagina_de_bloqueio(resposta)
    assert "_auth_user_id" not in cliente.session
    assert resposta["Retry-After"] == str(15 * 60)
    [tentativa] = TentativaDeEntrada.objects.all()
    assert (tentativa.username, tentativa.ip_address) == ("ana@brm.test", "127.0.0.1")
    assert tentativa.failures_since_start == settings.AXES_FAILURE_LIMIT + 1
    assert tentativa.path_info == ENTRAR
    assert "senha-teste-123" not in tentativa.post_data and "errada" not in tentativa.post_data


def test_pagina_antes_do_limite_so_diz_que_a_senha_esta_errada(ana):
    cliente = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        resposta = pela_pagina(cliente, "errada")
        assert resposta.status_code == 200
        assert "brm-bloqueio" not in resposta.content.decode()

    resposta = pela_pagina(cliente, SENHA)

    assert resposta.status_code == 302
    assert resposta.url == "/"


def test_email_com_maiusculas_conta_como_o_mesmo(ana):
    cliente = Client()
    for numero in range(settings.AXES_FAILURE_LIMIT):
        pela_pagina(cliente, "errada", "ANA@brm.test" if numero % 2 else "ana@brm.test")

    assert_pagina_de_bloqueio(pela_pagina(cliente, SENHA))


def test_bloqueio_e_do_par_email_e_endereco(ana):
    bruno = UsuarioFactory(email="bruno@brm.test")
    assert_pagina_de_bloqueio(errar_ate_bloquear_na_pagina(Client()))

    # Ana from another address (her office, while someone guesses from elsewhere) still signs in...
    outra = Client(REMOTE_ADDR="10.9.8.7")
    assert pela_pagina(outra, SENHA).status_code == 302
    # ...and so does another person from the guesser's address.
    assert pela_pagina(Client(), SENHA, bruno.email).status_code == 302


def test_senha_certa_antes_do_limite_zera_as_falhas(ana):
    cliente = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        pela_pagina(cliente, "errada")
    assert pela_pagina(cliente, SENHA).status_code == 302
    assert not TentativaDeEntrada.objects.exists()
    assert EntradaRegistrada.objects.filter(username="ana@brm.test").count() == 1

    outro = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert pela_pagina(outro, "errada").status_code == 200
    assert pela_pagina(outro, SENHA).status_code == 302


def test_bloqueio_acaba_depois_da_espera(ana):
    with time_machine.travel(dt.datetime(2026, 11, 3, 10, 0, tzinfo=dt.UTC), tick=False):
        assert_pagina_de_bloqueio(errar_ate_bloquear_na_pagina(Client()))
    with time_machine.travel(dt.datetime(2026, 11, 3, 10, 14, 59, tzinfo=dt.UTC), tick=False):
        assert_pagina_de_bloqueio(pela_pagina(Client(), SENHA))
    # The refused right password above started the wait again (10:14:59): 15 minutes after it, the way is open.
    with time_machine.travel(dt.datetime(2026, 11, 3, 10, 30, tzinfo=dt.UTC), tick=False):
        assert pela_pagina(Client(), SENHA).status_code == 302


def test_espera_zero_bloqueia_ate_um_administrador_desbloquear(ana, settings):
    settings.AXES_COOLOFF_TIME = None
    with time_machine.travel(dt.datetime(2026, 11, 3, 10, 0, tzinfo=dt.UTC), tick=False):
        pagina = assert_pagina_de_bloqueio(errar_ate_bloquear_na_pagina(Client()))
    assert "Peça a um administrador para desbloquear" in pagina
    assert "Tente de novo em" not in pagina

    with time_machine.travel(dt.datetime(2026, 11, 10, 10, 0, tzinfo=dt.UTC), tick=False):
        resposta = pela_pagina(Client(), SENHA)
    assert_pagina_de_bloqueio(resposta)
    assert "Retry-After" not in resposta


def test_limite_configurado_vale_para_a_pagina(ana, settings):
    settings.AXES_FAILURE_LIMIT = 2
    cliente = Client()

    assert pela_pagina(cliente, "errada").status_code == 200
    pagina = assert_pagina_de_bloqueio(pela_pagina(cliente, "errada"))
    assert "Acesso bloqueado: 2 tentativas" in pagina


def test_atras_de_um_proxy_conta_o_endereco_que_ele_informa(ana, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    # The proxy (REMOTE_ADDR 10.0.0.1) appends the client's address; what the client wrote before it is ignored.
    for numero in range(settings.AXES_FAILURE_LIMIT):
        pela_pagina(Client(), "errada", HTTP_X_FORWARDED_FOR=f"1.1.1.{numero}, 203.0.113.5", REMOTE_ADDR="10.0.0.1")

    assert_pagina_de_bloqueio(
        pela_pagina(Client(), SENHA, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.5", REMOTE_ADDR="10.0.0.1")
    )
    assert set(TentativaDeEntrada.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}
    # Another client behind the same proxy is another address.
    assert pela_pagina(Client(), SENHA, HTTP_X_FORWARDED_FOR="203.0.113.6", REMOTE_ADDR="10.0.0.1").status_code == 302


def test_sem_proxy_o_x_forwarded_for_nao_muda_o_endereco(ana):
    for numero in range(settings.AXES_FAILURE_LIMIT):
        pela_pagina(Client(), "errada", HTTP_X_FORWARDED_FOR=f"1.1.1.{numero}")

    assert_pagina_de_bloqueio(pela_pagina(Client(), SENHA, HTTP_X_FORWARDED_FOR="9.9.9.9"))
    assert set(TentativaDeEntrada.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


# The API's token endpoint -----------------------------------------------------------------------------------------


def test_api_bloqueia_na_ultima_falha_com_o_formato_de_erro(ana):
    cliente = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert_erro(pela_api(cliente, "errada"), 401, "nao_autenticado")

    resposta = pela_api(cliente, "errada")

    corpo = assert_erro(resposta, 429, "acesso_bloqueado")
    assert corpo["mensagem"].startswith(f"Acesso bloqueado: {settings.AXES_FAILURE_LIMIT} tentativas de entrada")
    assert corpo["espera_segundos"] == 15 * 60
    assert resposta["Retry-After"] == str(15 * 60)
    assert resposta["Content-Type"] == "application/json"


def test_api_recusa_a_senha_certa_durante_o_bloqueio(ana):
    cliente = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        pela_api(cliente, "errada")

    resposta = pela_api(cliente, SENHA)

    corpo = assert_erro(resposta, 429, "acesso_bloqueado")
    assert "access" not in corpo and "refresh" not in corpo
    [tentativa] = TentativaDeEntrada.objects.all()
    assert tentativa.path_info == TOKEN
    assert tentativa.failures_since_start == settings.AXES_FAILURE_LIMIT + 1


def test_api_senha_certa_antes_do_limite_zera_as_falhas(ana):
    cliente = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        pela_api(cliente, "errada")
    assert pela_api(cliente, SENHA).status_code == 200
    assert not TentativaDeEntrada.objects.exists()

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        pela_api(cliente, "errada")
    assert pela_api(cliente, SENHA).status_code == 200


def test_pagina_e_api_somam_as_falhas_do_mesmo_par(ana):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        pela_pagina(Client(), "errada")

    assert_erro(pela_api(APIClient(), "errada"), 429, "acesso_bloqueado")
    assert_pagina_de_bloqueio(pela_pagina(Client(), SENHA))


def test_api_atras_de_um_proxy_conta_o_endereco_que_ele_informa(ana, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for numero in range(settings.AXES_FAILURE_LIMIT):
        pela_api(APIClient(), "errada", HTTP_X_FORWARDED_FOR=f"1.1.1.{numero}, 203.0.113.5", REMOTE_ADDR="10.0.0.1")

    bloqueada = pela_api(APIClient(), SENHA, HTTP_X_FORWARDED_FOR="203.0.113.5", REMOTE_ADDR="10.0.0.1")
    outra = pela_api(APIClient(), SENHA, HTTP_X_FORWARDED_FOR="203.0.113.6", REMOTE_ADDR="10.0.0.1")

    assert_erro(bloqueada, 429, "acesso_bloqueado")
    assert outra.status_code == 200


# Lifted by an administrator ---------------------------------------------------------------------------------------


def test_administrador_desbloqueia_pela_acao_e_a_pessoa_entra(ana, admin_user, client):
    assert_pagina_de_bloqueio(errar_ate_bloquear_na_pagina(Client()))
    client.force_login(admin_user)

    lista = client.get(LISTA, {"bloqueada": "sim"})
    assert lista.status_code == 200
    conteudo = lista.content.decode()
    assert "ana@brm.test" in conteudo and "Bloqueada até" in conteudo
    assert "Desbloquear" in conteudo
    ids = list(TentativaDeEntrada.objects.values_list("pk", flat=True))

    resposta = client.post(LISTA, {"action": "desbloquear", "_selected_action": ids}, follow=True)

    assert "1 registro apagado: quem estava bloqueado já pode entrar." in textos(resposta)
    assert not TentativaDeEntrada.objects.exists()
    entrada = Client()
    assert pela_pagina(entrada, SENHA).status_code == 302
    assert entrada.session["_auth_user_id"] == str(ana.pk)


def test_administrador_desbloqueia_pela_exclusao_e_a_api_volta_a_entrar(ana, admin_user, client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        pela_api(APIClient(), "errada")
    assert_erro(pela_api(APIClient(), SENHA), 429, "acesso_bloqueado")
    tentativa = TentativaDeEntrada.objects.get()
    client.force_login(admin_user)

    assert client.get(f"{LISTA}{tentativa.pk}/delete/").status_code == 200
    assert client.post(f"{LISTA}{tentativa.pk}/delete/", {"post": "yes"}).status_code == 302

    assert pela_api(APIClient(), SENHA).status_code == 200


def test_leitor_nao_ve_nem_desbloqueia(ana, leitor, client):
    errar_ate_bloquear_na_pagina(Client())
    client.force_login(leitor)
    ids = list(TentativaDeEntrada.objects.values_list("pk", flat=True))

    assert client.get(LISTA).status_code == 403
    assert client.post(LISTA, {"action": "desbloquear", "_selected_action": ids}).status_code == 403

    assert TentativaDeEntrada.objects.count() == 1
    assert_pagina_de_bloqueio(pela_pagina(Client(), SENHA))


def test_operador_nao_desbloqueia(ana, operador, client):
    errar_ate_bloquear_na_pagina(Client())
    client.force_login(operador)

    assert client.get(LISTA).status_code == 403
    assert TentativaDeEntrada.objects.count() == 1
