from django.urls import path

from . import views

# /healthz and /readyz are not routes: brm/saude/middleware.py answers them before any middleware can refuse them.
urlpatterns = [
    path("metrics", views.metricas, name="metricas"),
]
