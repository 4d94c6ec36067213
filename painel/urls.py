from django.urls import path

from . import views

urlpatterns = [
    path("", views.painel, name="painel"),
    path("painel/execucoes/<uuid:pk>/reexecutar/", views.reexecutar, name="painel_reexecutar"),
]
