"""Settings for the test suite: `DATABASE_URL` picks SQLite (default) or PostgreSQL."""

import tempfile

from .base import *  # noqa: F403
from .base import DATABASES, env

SECRET_KEY = "brm-test-key"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
FERNET_KEYS = [
    "4E4h5Vzp9jKRzBb0g6-cOdebyC8RZl72U5FURIrDteQ=",
    "0lInxBO3QUMbF6cgdpABE7yLF9KYdg-4f_NF082zZE8=",
]
MEDIA_ROOT = tempfile.mkdtemp(prefix="brm-test-media-")
BRM_DEMO_PERMITIDO = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: tests with several threads or processes share the database as production does.
    DATABASES["default"]["TEST"] = {"NAME": env("BRM_TEST_SQLITE", default=f"{tempfile.gettempdir()}/brm-test.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": env("BRM_TEST_DATABASE_NAME", default="test_brm")}
