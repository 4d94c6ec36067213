"""Settings for a developer's machine and for `make run`: the embedded default (SQLite, local Redis)."""

from brm.configuracao import chaves_fernet_validar

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="brm-local-dev-key-nao-use-em-producao")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

# A development key only: production requires FERNET_KEYS and has no default.
FERNET_KEYS = chaves_fernet_validar(env.list("FERNET_KEYS", default=["Zt5rP7Bg4HBCxCzvl-cY6hhKaOlKxvgCwr4xGwKf9BI="]))

BRM_DEMO_PERMITIDO = True

# The bundled simulator that `make run` starts.
RPA_API_URL = env("RPA_API_URL", default="http://127.0.0.1:8765")
RPA_API_TOKEN = env("RPA_API_TOKEN", default="simulador-token")

# E-mail: printed on the terminal instead of sent, unless DJANGO_EMAIL_BACKEND says otherwise.
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
