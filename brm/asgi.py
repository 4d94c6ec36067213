import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brm.settings.local")

application = get_asgi_application()

if settings.DEBUG:
    # What runserver does: serve the admin's static files on a developer's machine. Production runs
    # collectstatic behind a proxy.
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    application = ASGIStaticFilesHandler(application)
