from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "brm.common"
    label = "common"
    verbose_name = "Comum"
