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
