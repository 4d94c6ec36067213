"""Settings for the test suite: `DATABASE_URL` picks SQLite (default) or PostgreSQL."""

import os
import tempfile

from .base import *  # noqa: F403
from .base import DATABASES, env, filas_celery

SECRET_KEY = "brm-test-key-longa-o-bastante-para-assinar-jwt"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
FERNET_KEYS = [
    "4E4h5Vzp9jKRzBb0g6-cOdebyC8RZl72U5FURIrDteQ=",
    "0lInxBO3QUMbF6cgdpABE7yLF9KYdg-4f_NF082zZE8=",
]
# Workers started by tests get this folder through BRM_MEDIA_ROOT, so both sides see the same files.
MEDIA_ROOT = env("BRM_MEDIA_ROOT", default=None) or tempfile.mkdtemp(prefix="brm-test-media-")
BRM_DEMO_PERMITIDO = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: tests with several threads or processes share the database as production does.
    DATABASES["default"]["TEST"] = {"NAME": env("BRM_TEST_SQLITE", default=f"{tempfile.gettempdir()}/brm-test.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": env("BRM_TEST_DATABASE_NAME", default="test_brm")}

# A queue of this run's own: workers started by tests listen to it, and nothing left in Redis by another
# run reaches them.
CELERY_TASK_DEFAULT_QUEUE = env("BRM_CELERY_FILA", default=f"brm-test-{os.getpid()}")
CELERY_TASK_ROUTES = filas_celery(CELERY_TASK_DEFAULT_QUEUE)

# Backups written by tests that do not name their own folder stay out of var/. (E-mail: pytest-django
# switches to the locmem backend; the SMTP test points the smtp backend at its own server.)
BRM_BACKUP_DIR = env("BRM_BACKUP_DIR", default=None) or tempfile.mkdtemp(prefix="brm-test-backups-")

# The API's request limits count in each test process's memory: tests clear it, and no run sees another's counts.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Tests never run collectstatic: whitenoise looks static files up when asked instead of listing STATIC_ROOT at start
# (which would warn that the folder does not exist). The browser tests' web process finds them in the apps.
WHITENOISE_AUTOREFRESH = True
