"""Production settings: PostgreSQL, real secrets, no defaults for anything secret."""

from brm.common.registro import configuracao_de_registro
from brm.common.sentry import sentry_iniciar
from brm.configuracao import ConfiguracaoInvalida, chaves_fernet_validar

from .base import *  # noqa: F403
from .base import DATABASES, env


def _exigir(nome: str) -> str:
    valor = env(nome, default=None)
    if not valor:
        raise ConfiguracaoInvalida(f"A variável de ambiente {nome} é obrigatória em produção.")
    return valor


DEBUG = False
SECRET_KEY = _exigir("DJANGO_SECRET_KEY")
_exigir("DATABASE_URL")
FERNET_KEYS = chaves_fernet_validar(env.list("FERNET_KEYS", default=[]) or [_exigir("FERNET_KEYS")])
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    # Two databases would split the data: production never falls back to SQLite.
    raise ConfiguracaoInvalida("Em produção DATABASE_URL deve apontar para PostgreSQL (postgres://…).")

# Behind a proxy that terminates TLS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True

# Rotating the secret key: the new one in DJANGO_SECRET_KEY, the old ones here until the sessions and password
# reset links they signed have expired (docs/implantacao.md).
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])

# HTTPS and static files (docs/seguranca.md)
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/; `manage.py check --deploy` finds nothing to warn.
# Plain HTTP is redirected to HTTPS (the proxy says which one the browser used, SECURE_PROXY_SSL_HEADER), except for
# the load balancer's probes, which speak HTTP inside the network. Off only where the proxy redirects by itself.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$"]
# HSTS: a browser that saw the site over HTTPS refuses plain HTTP to it for this long. A year, subdomains included;
# start lower (DJANGO_HSTS_SECONDS=3600) on a first deploy, since a browser keeps the rule after it is lowered.
# Preload only adds the directive that lets the domain be submitted to the browsers' list (hstspreload.org).
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
SESSION_COOKIE_HTTPONLY = True

# collectstatic writes each file under a name with its hash (cached for a year by browsers and proxies) and its
# gzip and Brotli copies; whitenoise serves them. A template naming a file that does not exist fails at once.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Logs and error reports
# ------------------------------------------------------------------------------
# JSON lines with one access line per request (docs/registros.md); `BRM_LOG_FORMATO=texto` for a terminal.
BRM_LOG_FORMATO = env("BRM_LOG_FORMATO", default="json")
BRM_LOG_REQUISICOES = env.bool("BRM_LOG_REQUISICOES", default=True)
LOGGING = configuracao_de_registro(formato=BRM_LOG_FORMATO, nivel=env("DJANGO_LOG_LEVEL", default="INFO"))
# Sentry only when SENTRY_DSN is set: no personal data, no request bodies, secrets masked (brm/common/sentry.py).
SENTRY_DSN = env("SENTRY_DSN", default="")
sentry_iniciar(
    dsn=SENTRY_DSN,
    ambiente=env("SENTRY_ENVIRONMENT", default="producao"),
    versao=env("SENTRY_RELEASE", default=""),
    taxa_traces=env("SENTRY_TRACES_SAMPLE_RATE", default="0"),
)
