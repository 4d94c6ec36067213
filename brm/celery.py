"""The Celery app: broker on Redis (`REDIS_URL`), configuration from Django settings (`CELERY_*`)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brm.settings.local")

app = Celery("brm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
