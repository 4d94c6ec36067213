"""Signing in with GitHub and with an OpenID Connect provider (the fake one on 127.0.0.1): a known person lands on
the painel, an unknown one is refused in Portuguese and nothing is created. The browser's part is the Django test
client with CSRF checks on, following each redirect by hand; the server-to-server part is real HTTP."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from brm.entrada.models import ContaExterna, EntradaRegistrada
from brm.usuarios.models import Usuario
from tests.conftest import textos
from tests.factories import UsuarioFactory

from .conftest import NOME_OIDC
from .provedor_falso import Identidade

pytestmark = pytest.mark.django_db

ENTRAR = "/admin/login/"
GITHUB = "Entrar com GitHub"
OIDC = f"Entrar com {NOME_OIDC}"


class _Formularios(HTMLParser):
    """The login page's SSO forms: {button text: (action, fields)}."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.formularios: dict[str, tuple[str, dict]] = {}
        self._atual: tuple[str, dict] | None = None
        self._no_botao = False

    def handle_starttag(self, tag, attrs):
        atributos = dict(attrs)
        if tag == "form" and "brm-sso-form" in (atributos.get("class") or ""):
            self._atual = (atributos["action"], {})
        elif tag == "input" and self._atual is not None:
            self._atual[1][atributos["name"]] = atributos.get("value", "")
        elif tag == "button" and self._atual is not None:
            self._no_botao = True

    def handle_data(self, data):
        if self._no_botao and data.strip():
            self.formularios[data.strip()] = self._atual

    def handle_endtag(self, tag):
        if tag == "button":
            self._no_botao = False
        elif tag == "form":
            self._atual = None


def formularios_sso(resposta) -> dict[str, tuple[str, dict]]:
    leitor = _Formularios()
    leitor.feed(resposta.content.decode())
    return leitor.formularios


def entrar_por(cliente: Client, botao: str, provedor, pagina: str = ENTRAR):
    """Click the provider's button on the login page, sign in at the provider, come back: the callback's answer."""
    acao, campos = formularios_sso(cliente.get(pagina))[botao]
    ida = cliente.post(acao, campos)
    assert ida.status_code == 302, ida.content[:300]
    assert ida.url.startswith(provedor.url), ida.url
    # The person's browser at the provider, which sends it back with a code (or an error).
    volta = requests.get(ida.url, allow_redirects=False, timeout=10)
    assert volta.status_code == 302, volta.text
    destino = urlsplit(volta.headers["Location"])
    assert destino.netloc == "testserver"
    return cliente.get(f"{destino.path}?{destino.query}")


def assert_no_painel(cliente: Client, resposta, usuario: Usuario) -> None:
    assert resposta.status_code == 302, resposta.content[:500]
    assert resposta.url == "/"
    painel = cliente.get(resposta.url)
    assert painel.status_code == 200
    assert painel.context["user"] == usuario
    assert cliente.session["_auth_user_id"] == str(usuario.pk)


def assert_recusado(cliente: Client, resposta, trecho: str) -> None:
    assert resposta.status_code == 302, resposta.content[:500]
    assert resposta.url == ENTRAR
    pagina = cliente.get(resposta.url)
    assert any(trecho in texto for texto in textos(pagina)), textos(pagina)
    assert "_auth_user_id" not in cliente.session


@pytest.fixture
def cliente() -> Client:
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def ana(db) -> Usuario:
    return UsuarioFactory(email="ana@brm.test", nome="Ana", papel=Usuario.Papel.APROVADOR)


# The login page -----------------------------------------------------------------------------------------------------


def test_sem_configuracao_a_pagina_nao_mostra_botoes_e_os_enderecos_nao_existem(cliente):
    pagina = cliente.get(ENTRAR)

    assert pagina.status_code == 200
    assert formularios_sso(pagina) == {}
    assert "Entrar com" not in pagina.content.decode()
    assert Client().post("/contas/github/login/").status_code == 404
    assert Client().post("/contas/oidc/oidc/login/").status_code == 404


def test_configurado_a_pagina_mostra_um_formulario_por_provedor(cliente, provedor):
    pagina = cliente.get(ENTRAR).content.decode()
    formularios = formularios_sso(cliente.get(ENTRAR))

    assert set(formularios) == {GITHUB, OIDC}
    assert formularios[GITHUB][0] == "/contas/github/login/"
    assert formularios[OIDC][0] == "/contas/oidc/oidc/login/"
    for _, campos in formularios.values():
        assert campos["csrfmiddlewaretoken"]
        assert campos["next"] == "/"
    # A CSP without 'unsafe-inline' is in force: no inline script or handler.
    assert "<script>" not in pagina and "onclick" not in pagina and "onsubmit" not in pagina


def test_paginas_do_allauth_nao_estao_montadas(provedor):
    for caminho in ("/contas/signup/", "/contas/password/reset/", "/contas/email/", "/contas/3rdparty/"):
        assert Client().get(caminho).status_code == 404, caminho
    assert Client().get("/contas/login/").url == ENTRAR


# GitHub ---------------------------------------------------------------------------------------------------------------


def test_github_pessoa_conhecida_chega_ao_painel(cliente, provedor, ana):
    provedor.entra_como(Identidade(uid="1001", email="ana@brm.test"))

    resposta = entrar_por(cliente, GITHUB, provedor)

    assert_no_painel(cliente, resposta, ana)
    conta = ContaExterna.objects.get()
    assert (conta.user, conta.provider, conta.uid) == (ana, "github", "1001")
    [autorizacao] = provedor.autorizacoes
    assert autorizacao["redirect_uri"] == "http://testserver/contas/github/login/callback/"
    assert set(autorizacao["scope"].split()) == {"read:user", "user:email"}
    assert ("POST", "/login/oauth/access_token") in provedor.pedidos
    assert ("GET", "/api/v3/user/emails") in provedor.pedidos
    registro = EntradaRegistrada.objects.get(username="ana@brm.test")
    assert registro.path_info == "/contas/github/login/callback/"


def test_github_segunda_entrada_usa_o_vinculo(provedor, ana):
    provedor.entra_como(Identidade(uid="1001", email="ana@brm.test"))
    entrar_por(Client(enforce_csrf_checks=True), GITHUB, provedor)
    # The GitHub account's e-mail changed since: the link made on the first sign-in still says who it is.
    provedor.entra_como(Identidade(uid="1001", email="ana.pessoal@example.com"))
    cliente = Client(enforce_csrf_checks=True)

    assert_no_painel(cliente, entrar_por(cliente, GITHUB, provedor), ana)
    assert ContaExterna.objects.count() == 1


def test_github_pessoa_desconhecida_e_recusada_sem_criar_nada(cliente, provedor, ana):
    provedor.entra_como(Identidade(uid="2002", email="estranho@example.com"))
    usuarios = Usuario.objects.count()

    resposta = entrar_por(cliente, GITHUB, provedor)

    assert_recusado(cliente, resposta, "Não há conta no BRM para o e-mail verificado da sua conta GitHub")
    assert Usuario.objects.count() == usuarios
    assert not SocialAccount.objects.exists()


def test_github_email_nao_verificado_nao_serve(cliente, provedor, ana):
    provedor.entra_como(Identidade(uid="1001", email="ana@brm.test", email_verificado=False))

    assert_recusado(cliente, entrar_por(cliente, GITHUB, provedor), "Não há conta no BRM")
    assert not SocialAccount.objects.exists()


def test_github_outro_email_verificado_da_conta_serve(cliente, provedor, ana):
    provedor.entra_como(
        Identidade(
            uid="1001",
            email="ana.pessoal@example.com",
            outros_emails=[{"email": "Ana@BRM.test", "verified": True, "primary": False}],
        )
    )

    assert_no_painel(cliente, entrar_por(cliente, GITHUB, provedor), ana)


def test_github_conta_desativada_e_recusada(cliente, provedor, ana):
    ana.is_active = False
    ana.save(update_fields=["is_active"])
    provedor.entra_como(Identidade(uid="1001", email="ana@brm.test"))

    assert_recusado(cliente, entrar_por(cliente, GITHUB, provedor), "Esta conta está desativada")
    assert not SocialAccount.objects.exists()


def test_github_recusado_no_provedor_volta_a_pagina_de_entrada(cliente, provedor, ana):
    provedor.entra_como(None)

    assert_recusado(cliente, entrar_por(cliente, GITHUB, provedor), "Entrada por GitHub cancelada.")


def test_github_segredo_errado_e_recusado(cliente, provedor, ana, settings):
    settings.SOCIALACCOUNT_PROVIDERS["github"]["APPS"][0]["secret"] = "outro-segredo"
    provedor.entra_como(Identidade(uid="1001", email="ana@brm.test"))

    assert_recusado(cliente, entrar_por(cliente, GITHUB, provedor), "Não foi possível entrar por GitHub")


def test_github_respeita_o_next_da_pagina(cliente, provedor, ana):
    provedor.entra_como(Identidade(uid="1001", email="ana@brm.test"))

    resposta = entrar_por(cliente, GITHUB, provedor, pagina=f"{ENTRAR}?next=/processos/fila/")

    assert (resposta.status_code, resposta.url) == (302, "/processos/fila/")


def test_vincular_a_quem_ja_entrou_e_recusado(provedor, ana):
    provedor.entra_como(Identidade(uid="3003", email="outra@example.com"))
    cliente = Client()
    cliente.force_login(ana)
    # As allauth's own "connect" pages would post: link this GitHub account to the person signed in.
    ida = cliente.post("/contas/github/login/", {"process": "connect"})
    volta = requests.get(ida.url, allow_redirects=False, timeout=10)
    destino = urlsplit(volta.headers["Location"])

    resposta = cliente.get(f"{destino.path}?{destino.query}")

    assert resposta.url == ENTRAR
    assert "Só é possível entrar com GitHub, não vincular contas." in textos(resposta)
    assert not SocialAccount.objects.exists()


# OpenID Connect ---------------------------------------------------------------------------------------------------


def test_oidc_pessoa_conhecida_chega_ao_painel(cliente, provedor, ana):
    provedor.entra_como(Identidade(uid="sub-ana", email="ana@brm.test"))

    resposta = entrar_por(cliente, OIDC, provedor)

    assert_no_painel(cliente, resposta, ana)
    conta = ContaExterna.objects.get()
    assert (conta.user, conta.provider, conta.uid) == (ana, "oidc", "sub-ana")
    esperados = {("GET", "/oidc/.well-known/openid-configuration"), ("POST", "/oidc/token"), ("GET", "/oidc/userinfo")}
    assert esperados <= set(provedor.pedidos)
    [autorizacao] = provedor.autorizacoes
    assert autorizacao["redirect_uri"] == "http://testserver/contas/oidc/oidc/login/callback/"
    assert autorizacao["code_challenge_method"] == "S256"
    assert set(autorizacao["scope"].split()) == {"openid", "profile", "email"}


def test_oidc_id_token_de_outro_cliente_e_recusado(cliente, provedor, ana):
    provedor.entra_como(Identidade(uid="sub-ana", email="ana@brm.test"))
    provedor.publico_do_id_token = "outro-cliente"

    assert_recusado(cliente, entrar_por(cliente, OIDC, provedor), f"Não foi possível entrar por {NOME_OIDC}")
    assert not SocialAccount.objects.exists()


def test_oidc_pessoa_desconhecida_e_recusada_sem_criar_nada(cliente, provedor, ana):
    provedor.entra_como(Identidade(uid="sub-x", email="estranho@example.com"))
    usuarios = Usuario.objects.count()

    resposta = entrar_por(cliente, OIDC, provedor)

    assert_recusado(cliente, resposta, f"Não há conta no BRM para o e-mail verificado da sua conta {NOME_OIDC}")
    assert Usuario.objects.count() == usuarios
    assert not SocialAccount.objects.exists()


def test_oidc_email_nao_verificado_nao_serve(cliente, provedor, ana):
    provedor.entra_como(Identidade(uid="sub-ana", email="ana@brm.test", email_verificado=False))

    assert_recusado(cliente, entrar_por(cliente, OIDC, provedor), "Não há conta no BRM")


def test_oidc_provedor_de_confianca_para_emails(cliente, provedor, ana, settings):
    # BRM_SSO_OIDC_EMAIL_VERIFICADO: a provider that does not send email_verified, trusted for its e-mails.
    settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"][0]["settings"]["verified_email"] = True
    provedor.entra_como(Identidade(uid="sub-ana", email="ana@brm.test", email_verificado=False))

    assert_no_painel(cliente, entrar_por(cliente, OIDC, provedor), ana)


def test_conta_sem_acesso_ao_admin_e_recusada(cliente, provedor):
    sem_acesso = UsuarioFactory(email="sistema@brm.test", is_staff=False)
    provedor.entra_como(Identidade(uid="sub-sis", email=sem_acesso.email))

    assert_recusado(cliente, entrar_por(cliente, OIDC, provedor), "não tem acesso ao painel administrativo")


def test_endereco_do_provedor_aberto_direto_pede_confirmacao_na_nossa_pagina(cliente, provedor):
    # allauth starts a sign-in only on POST: a GET (a bookmark, a link) shows one button, in our look.
    resposta = cliente.get("/contas/github/login/")

    assert resposta.status_code == 200
    pagina = resposta.content.decode()
    assert "Continuar com GitHub" in pagina
    assert 'method="post"' in pagina and "csrfmiddlewaretoken" in pagina
    assert "<script>" not in pagina
    assert provedor.autorizacoes == []
