"""The pages of the processos app for people, under the namespace `processos`."""

from django.urls import path

from .views import aprovacao

app_name = "processos"

urlpatterns = [
    path("aprovacao/", aprovacao.fila_view, name="fila_aprovacao"),
    path("aprovacao/aprovar-marcadas/", aprovacao.aprovar_em_lote_view, name="fila_aprovar_em_lote"),
    path("aprovacao/<uuid:pk>/aprovar/", aprovacao.aprovar_view, name="fila_aprovar"),
    path("aprovacao/<uuid:pk>/rejeitar/", aprovacao.rejeitar_view, name="fila_rejeitar"),
]
