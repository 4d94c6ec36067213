"""/api/v1/: every resource of the API, its sign-in, and its description (OpenAPI, Swagger UI, ReDoc)."""

from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from agendamentos.apis import AgendamentoApi
from brm.usuarios.apis import UsuarioApi
from clientes.apis import ClienteApi
from operadoras.apis import OperadoraApi
from painel.apis import PainelApi
from processos.apis import ExecucaoApi, ProcessoApi

from .views import EntrarApi, MeApi, RenovarApi, SairApi

app_name = "api"


class Rotas(DefaultRouter):
    include_root_view = False


rotas = Rotas()
rotas.register("operadoras", OperadoraApi, basename="operadora")
rotas.register("clientes", ClienteApi, basename="cliente")
rotas.register("agendamentos", AgendamentoApi, basename="agendamento")
rotas.register("usuarios", UsuarioApi, basename="usuario")
rotas.register("execucoes", ExecucaoApi, basename="execucao")
rotas.register("processos", ProcessoApi, basename="processo")

urlpatterns = [
    path("auth/token/", EntrarApi.as_view(), name="entrar"),
    path("auth/token/renovar/", RenovarApi.as_view(), name="renovar"),
    path("auth/sair/", SairApi.as_view(), name="sair"),
    path("me/", MeApi.as_view(), name="me"),
    path("painel/", PainelApi.as_view(), name="painel"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (`?script`): no inline script for the CSP to refuse.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    # ReDoc writes its styles into <style> elements as its bundle loads, before any nonce could reach it, and runs its
    # search in a worker made from a blob: this page alone accepts both. Its scripts stay under the site's policy
    # (files of this site only). The Redocly logo it links from the internet stays refused (docs/seguranca.md).
    path(
        "docs/redoc/",
        csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})(
            SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html")
        ),
        name="redoc",
    ),
    path("", include(rotas.urls)),
]
