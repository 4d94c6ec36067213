import os

from django.core.wsgi import get_wsgi_application

from brm.configuracao import carregar_aplicacao

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brm.settings.local")

application = carregar_aplicacao(get_wsgi_application)
