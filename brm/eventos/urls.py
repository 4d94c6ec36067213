from django.urls import path

from . import views

app_name = "eventos"

urlpatterns = [
    path("<str:canal>/", views.eventos, name="canal"),
]
