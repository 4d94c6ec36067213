from django.apps import AppConfig


class SaudeConfig(AppConfig):
    name = "brm.saude"
    label = "saude"
    verbose_name = "Saúde e métricas"
