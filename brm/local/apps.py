from django.apps import AppConfig


class LocalConfig(AppConfig):
    """What only the embedded default needs: the demo data and the launcher of `make run`."""

    name = "brm.local"
    label = "local"
    verbose_name = "Uso local"
