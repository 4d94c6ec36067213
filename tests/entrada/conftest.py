import environ
import pytest
from allauth.socialaccount.providers.github.views import GitHubOAuth2Adapter

from brm.entrada.configuracao import provedores_sso

from .provedor_falso import ProvedorFalso

NOME_OIDC = "Empresa SSO"


@pytest.fixture(scope="module")
def servidor_provedor():
    """The fake GitHub and OpenID Connect provider as a real HTTP server on 127.0.0.1, one per module."""
    with ProvedorFalso() as provedor:
        yield provedor


@pytest.fixture
def provedor(servidor_provedor, settings, monkeypatch) -> ProvedorFalso:
    """SSO configured as an operator would, through the BRM_SSO_* variables, against the fake provider."""
    servidor_provedor.reiniciar()
    ambiente = {
        "BRM_SSO_GITHUB_CLIENT_ID": ProvedorFalso.CLIENT_ID,
        "BRM_SSO_GITHUB_SECRET": ProvedorFalso.SECRET,
        "BRM_SSO_GITHUB_URL": servidor_provedor.url,
        "BRM_SSO_OIDC_SERVER_URL": servidor_provedor.emissor_oidc,
        "BRM_SSO_OIDC_CLIENT_ID": ProvedorFalso.CLIENT_ID,
        "BRM_SSO_OIDC_SECRET": ProvedorFalso.SECRET,
        "BRM_SSO_OIDC_NAME": NOME_OIDC,
    }
    for nome, valor in ambiente.items():
        monkeypatch.setenv(nome, valor)
    settings.SOCIALACCOUNT_PROVIDERS = provedores_sso(environ.Env())
    # allauth's GitHub adapter turns GITHUB_URL into its addresses once, when its module is first imported (with
    # the settings of that moment); point them at this server as that import would have.
    enderecos = {
        "authorize_url": "/login/oauth/authorize",
        "access_token_url": "/login/oauth/access_token",
        "profile_url": "/api/v3/user",
        "emails_url": "/api/v3/user/emails",
    }
    for atributo, caminho in enderecos.items():
        monkeypatch.setattr(GitHubOAuth2Adapter, atributo, f"{servidor_provedor.url}{caminho}")
    return servidor_provedor
