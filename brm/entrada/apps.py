from django.apps import AppConfig


class EntradaConfig(AppConfig):
    name = "brm.entrada"
    label = "entrada"
    verbose_name = "Entrada"
