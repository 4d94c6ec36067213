"""Sign-in settings read from the environment: the lockout's numbers and the SSO providers.

Imported by the settings, so it touches no model; a wrong value stops the process with one sentence
(`ConfiguracaoInvalida`), like every other setting.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from brm.configuracao import ConfiguracaoInvalida

# The address of the OpenID Connect provider's callback is /contas/oidc/<this>/login/callback/.
OIDC_ID_PADRAO = "oidc"


def inteiro_do_ambiente(env, nome: str, *, padrao: int, minimo: int) -> int:
    texto = env(nome, default=None)
    if texto in (None, ""):
        return padrao
    try:
        valor = int(texto)
    except ValueError:
        valor = None
    if valor is None or valor < minimo:
        raise ConfiguracaoInvalida(f"{nome} deve ser um número inteiro a partir de {minimo} (recebido: {texto!r}).")
    return valor


def bloqueio_duracao(minutos: int) -> timedelta | None:
    """How long a lockout lasts; 0 minutes means until an administrator lifts it (axes' `None`)."""
    return timedelta(minutes=minutos) if minutos else None


def _exigir_todas(env, nomes: list[str], assunto: str) -> dict[str, str]:
    valores = {nome: env(nome, default="").strip() for nome in nomes}
    faltando = [nome for nome, valor in valores.items() if not valor]
    if faltando and len(faltando) < len(nomes):
        raise ConfiguracaoInvalida(
            f"{assunto} está configurado pela metade: defina também {', '.join(faltando)} (ou nenhuma destas "
            f"variáveis, para desligar): {', '.join(nomes)}."
        )
    return valores if not faltando else {}


def provedores_sso(env) -> dict:
    """`SOCIALACCOUNT_PROVIDERS` for django-allauth: GitHub and one OpenID Connect provider, each only when its
    variables are set. Apps come from here, never from database rows (see brm/entrada/adaptadores.py)."""
    provedores: dict = {}
    github = _exigir_todas(env, ["BRM_SSO_GITHUB_CLIENT_ID", "BRM_SSO_GITHUB_SECRET"], "A entrada com GitHub")
    if github:
        provedores["github"] = {
            "APPS": [
                {
                    "client_id": github["BRM_SSO_GITHUB_CLIENT_ID"],
                    "secret": github["BRM_SSO_GITHUB_SECRET"],
                }
            ],
            # The verified e-mails (GET /user/emails) are what an account is matched by.
            "SCOPE": ["read:user", "user:email"],
        }
        # GitHub Enterprise Server: its address; the API is at <address>/api/v3.
        if url := env("BRM_SSO_GITHUB_URL", default="").strip():
            provedores["github"]["GITHUB_URL"] = url
    oidc = _exigir_todas(
        env,
        ["BRM_SSO_OIDC_SERVER_URL", "BRM_SSO_OIDC_CLIENT_ID", "BRM_SSO_OIDC_SECRET"],
        "A entrada por OpenID Connect",
    )
    if oidc:
        provedores["openid_connect"] = {
            "APPS": [
                {
                    "provider_id": env("BRM_SSO_OIDC_ID", default=OIDC_ID_PADRAO).strip() or OIDC_ID_PADRAO,
                    "name": env("BRM_SSO_OIDC_NAME", default="").strip() or "OpenID Connect",
                    "client_id": oidc["BRM_SSO_OIDC_CLIENT_ID"],
                    "secret": oidc["BRM_SSO_OIDC_SECRET"],
                    "settings": {
                        "server_url": oidc["BRM_SSO_OIDC_SERVER_URL"],
                        # Providers that never send `email_verified` (some corporate ones) may be trusted for
                        # their e-mails explicitly; by default an unverified e-mail matches no account.
                        "verified_email": env.bool("BRM_SSO_OIDC_EMAIL_VERIFICADO", default=False),
                    },
                }
            ],
            "OAUTH_PKCE_ENABLED": True,
        }
    return provedores


def origens_dos_provedores(provedores: dict) -> list[str]:
    """The origins a sign-in with these providers redirects the browser to, after the POST of its button.

    Browsers apply the CSP's `form-action` to the redirects that follow a form's submission, so each
    provider's origin must be allowed there or the button does nothing. An OpenID Connect provider whose
    authorization page lives on another origin than its `server_url` goes in DJANGO_CSP_FORM_ACTION.
    """
    enderecos = []
    if "github" in provedores:
        enderecos.append(provedores["github"].get("GITHUB_URL") or "https://github.com")
    for app in provedores.get("openid_connect", {}).get("APPS", []):
        enderecos.append(app["settings"]["server_url"])
    origens = []
    for endereco in enderecos:
        partes = urlsplit(endereco)
        origem = f"{partes.scheme}://{partes.netloc}"
        if origem not in origens:
            origens.append(origem)
    return origens
