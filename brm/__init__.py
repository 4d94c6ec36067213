from . import configuracao

# Before any settings load: a wrong environment variable stops the process with one sentence (brm/configuracao.py).
configuracao.instalar()

from .celery import app as celery_app  # noqa: E402

__all__ = ["celery_app"]
