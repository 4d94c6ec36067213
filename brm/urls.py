from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "BRM · Gestão de faturas"
admin.site.site_title = "BRM"
admin.site.index_title = "Painel"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False), name="painel"),
    path("admin/", admin.site.urls),
    path("", include("processos.urls")),
]
