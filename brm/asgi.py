import os
import warnings

from django.core.asgi import get_asgi_application

from brm.configuracao import carregar_aplicacao

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brm.settings.local")

# Static files are served by WhiteNoiseMiddleware (settings: "Static files and the CSP"), not by wrapping this app in
# Django's ASGIStaticFilesHandler: that one answers a path climbing out of the folder with a 500.
application = carregar_aplicacao(get_asgi_application)

# Invoices are served as files (FileResponse); under ASGI Django reads them in a thread and says so on every
# download. That is the intended way here, not a mistake to warn about.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")
