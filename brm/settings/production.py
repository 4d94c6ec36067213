"""Production settings: PostgreSQL, real secrets, no defaults for anything secret."""

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

# Static files (docs/seguranca.md)
# ------------------------------------------------------------------------------
# collectstatic writes each file under a name with its hash (cached for a year by browsers and proxies) and its
# gzip and Brotli copies; whitenoise serves them. A template naming a file that does not exist fails at once.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
