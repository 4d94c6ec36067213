"""The sign-in's settings from the environment: SSO off unless fully configured, numbers checked, and a wrong
value stops the process with one sentence."""

import os
import subprocess
import sys
from pathlib import Path

import environ
import pytest
from django.test import RequestFactory

from brm.configuracao import ConfiguracaoInvalida
from brm.entrada.configuracao import inteiro_do_ambiente, origens_dos_provedores, provedores_sso
from brm.entrada.rede import endereco_do_cliente

RAIZ = Path(__file__).resolve().parents[2]


@pytest.fixture
def ambiente(monkeypatch):
    for nome in list(os.environ):
        if nome.startswith(("BRM_SSO_", "BRM_LOGIN_")):
            monkeypatch.delenv(nome)

    def definir(**valores):
        for nome, valor in valores.items():
            monkeypatch.setenv(nome, valor)
        return environ.Env()

    return definir


def test_sem_variaveis_nenhum_provedor(ambiente):
    assert provedores_sso(ambiente()) == {}


def test_github_configurado(ambiente):
    env = ambiente(BRM_SSO_GITHUB_CLIENT_ID="id", BRM_SSO_GITHUB_SECRET="segredo")

    github = provedores_sso(env)["github"]

    assert github["APPS"] == [{"client_id": "id", "secret": "segredo"}]
    assert "GITHUB_URL" not in github
    env = ambiente(BRM_SSO_GITHUB_URL="https://github.empresa.com.br")
    assert provedores_sso(env)["github"]["GITHUB_URL"] == "https://github.empresa.com.br"


def test_oidc_configurado_com_padroes(ambiente):
    env = ambiente(
        BRM_SSO_OIDC_SERVER_URL="https://sso.empresa.com.br/realms/brm",
        BRM_SSO_OIDC_CLIENT_ID="brm",
        BRM_SSO_OIDC_SECRET="segredo",
    )

    [app] = provedores_sso(env)["openid_connect"]["APPS"]

    assert (app["provider_id"], app["name"]) == ("oidc", "OpenID Connect")
    assert app["settings"] == {"server_url": "https://sso.empresa.com.br/realms/brm", "verified_email": False}


def test_configuracao_pela_metade_diz_o_que_falta(ambiente):
    env = ambiente(BRM_SSO_OIDC_SERVER_URL="https://sso.empresa.com.br", BRM_SSO_OIDC_CLIENT_ID="brm")

    with pytest.raises(ConfiguracaoInvalida, match="defina também BRM_SSO_OIDC_SECRET"):
        provedores_sso(env)


@pytest.mark.parametrize("texto", ["abc", "0", "-3", "2.5"])
def test_falhas_maximas_invalidas(ambiente, texto):
    env = ambiente(BRM_LOGIN_FALHAS_MAXIMAS=texto)

    with pytest.raises(ConfiguracaoInvalida, match="BRM_LOGIN_FALHAS_MAXIMAS deve ser um número inteiro a partir de 1"):
        inteiro_do_ambiente(env, "BRM_LOGIN_FALHAS_MAXIMAS", padrao=5, minimo=1)


def _rodar(codigo: str, **variaveis: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRM_SSO_", "BRM_LOGIN_", "DJANGO_SETTINGS"))}
    env.update({"DJANGO_SETTINGS_MODULE": "brm.settings.local", **variaveis})
    return subprocess.run(
        [sys.executable, *codigo.split()] if codigo.startswith("manage.py") else [sys.executable, "-c", codigo],
        cwd=RAIZ,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_variaveis_chegam_as_configuracoes():
    resultado = _rodar(
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME, sorted(s.SOCIALACCOUNT_PROVIDERS))",
        BRM_LOGIN_FALHAS_MAXIMAS="3",
        BRM_LOGIN_BLOQUEIO_MINUTOS="0",
        BRM_SSO_GITHUB_CLIENT_ID="id",
        BRM_SSO_GITHUB_SECRET="segredo",
    )

    assert resultado.returncode == 0, resultado.stderr
    assert resultado.stdout.strip() == "3 None ['github']"


def test_a_csp_deixa_os_botoes_levarem_aos_provedores_configurados(ambiente):
    # Browsers apply form-action to the redirect after the button's POST: without the provider's origin there,
    # the button would do nothing.
    assert origens_dos_provedores(provedores_sso(ambiente())) == []
    env = ambiente(
        BRM_SSO_GITHUB_CLIENT_ID="id",
        BRM_SSO_GITHUB_SECRET="segredo",
        BRM_SSO_OIDC_SERVER_URL="https://sso.empresa.com.br:8443/realms/brm",
        BRM_SSO_OIDC_CLIENT_ID="brm",
        BRM_SSO_OIDC_SECRET="segredo",
    )
    assert origens_dos_provedores(provedores_sso(env)) == ["https://github.com", "https://sso.empresa.com.br:8443"]

    resultado = _rodar(
        "import django; django.setup(); from django.conf import settings as s; "
        "print(' '.join(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']))",
        BRM_SSO_GITHUB_CLIENT_ID="id",
        BRM_SSO_GITHUB_SECRET="segredo",
        BRM_SSO_GITHUB_URL="https://github.empresa.com.br/",
        DJANGO_CSP_FORM_ACTION="https://outro.exemplo",
    )
    assert resultado.returncode == 0, resultado.stderr
    assert resultado.stdout.split() == ["'self'", "https://github.empresa.com.br", "https://outro.exemplo"]


@pytest.mark.parametrize(
    ("variaveis", "frase"),
    [
        ({"BRM_LOGIN_FALHAS_MAXIMAS": "cinco"}, "BRM_LOGIN_FALHAS_MAXIMAS deve ser um número inteiro"),
        ({"BRM_LOGIN_BLOQUEIO_MINUTOS": "-1"}, "BRM_LOGIN_BLOQUEIO_MINUTOS deve ser um número inteiro a partir de 0"),
        ({"BRM_SSO_GITHUB_CLIENT_ID": "id"}, "defina também BRM_SSO_GITHUB_SECRET"),
    ],
    ids=["falhas-nao-numero", "minutos-negativos", "github-sem-segredo"],
)
def test_configuracao_errada_para_com_uma_frase(variaveis, frase):
    resultado = _rodar("manage.py check", **variaveis)

    assert resultado.returncode == 1
    linhas = resultado.stderr.strip().splitlines()
    assert len(linhas) == 1, resultado.stderr
    assert linhas[0].startswith("Configuração inválida: ")
    assert frase in linhas[0]


@pytest.mark.parametrize(
    ("proxies", "encaminhado", "esperado"),
    [
        (0, "1.2.3.4", "10.0.0.1"),
        (1, "1.2.3.4", "1.2.3.4"),
        (1, "9.9.9.9, 1.2.3.4", "1.2.3.4"),
        (2, "9.9.9.9, 1.2.3.4, 10.0.0.2", "1.2.3.4"),
        (3, "1.2.3.4", "1.2.3.4"),
        (1, "nao-e-endereco", "10.0.0.1"),
        (1, "", "10.0.0.1"),
    ],
)
def test_endereco_do_cliente_confia_so_nos_proxies_configurados(settings, proxies, encaminhado, esperado):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=encaminhado)

    assert endereco_do_cliente(request) == esperado
