from django.contrib import admin
from django.urls import include, path

from painel.views import entrar

admin.site.site_header = "BRM · Gestão de faturas"
admin.site.site_title = "BRM"
admin.site.index_title = "Administração"

urlpatterns = [
    path("", include("painel.urls")),
    # The admin's login, landing on the painel when no `next` is given; ahead of the admin's own route.
    path("admin/login/", entrar),
    path("admin/", admin.site.urls),
    # SSO (GitHub, OpenID Connect) through django-allauth: only its providers' addresses (brm/entrada/urls.py).
    path("contas/", include("brm.entrada.urls")),
    path("", include("processos.urls")),
    path("eventos/", include("brm.eventos.urls")),
    path("api/v1/", include("brm.api.urls")),
    # Prometheus, behind BRM_METRICAS_TOKEN; /healthz and /readyz are answered by brm.saude's middleware.
    path("", include("brm.saude.urls")),
]

# 400, 500 and the CSRF failure keep Django's views with our templates (see brm/erros.py).
handler403 = "brm.erros.acesso_negado"
handler404 = "brm.erros.pagina_nao_encontrada"
