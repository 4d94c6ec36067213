from django.apps import AppConfig


class RpaConfig(AppConfig):
    name = "brm.rpa"
    label = "rpa"
    verbose_name = "Robôs (RPA)"
