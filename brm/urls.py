from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "BRM · Gestão de faturas"
admin.site.site_title = "BRM"
admin.site.index_title = "Painel"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False), name="painel"),
    path("admin/", admin.site.urls),
]

# 400, 500 and the CSRF failure keep Django's views with our templates (see brm/erros.py).
handler403 = "brm.erros.acesso_negado"
handler404 = "brm.erros.pagina_nao_encontrada"
