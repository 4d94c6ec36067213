from django.apps import AppConfig


class AlertasConfig(AppConfig):
    name = "brm.alertas"
    label = "alertas"
    verbose_name = "Alertas"
