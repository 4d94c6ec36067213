import os
import warnings

from django.conf import settings
from django.core.asgi import get_asgi_application

from brm.configuracao import carregar_aplicacao

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brm.settings.local")

application = carregar_aplicacao(get_asgi_application)

# Invoices are served as files (FileResponse); under ASGI Django reads them in a thread and says so on every
# download. That is the intended way here, not a mistake to warn about.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")

if settings.DEBUG or settings.BRM_SERVIR_ESTATICOS:
    # What runserver does: serve the static files (the admin's, the pages', the vendored ones) from the
    # apps and static/, on a developer's machine and in the browser tests. Production runs collectstatic
    # behind a proxy.
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    application = ASGIStaticFilesHandler(application)
