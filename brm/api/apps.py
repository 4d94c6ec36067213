from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "brm.api"
    label = "api"
    verbose_name = "API"

    def ready(self):
        # The OpenAPI extensions register themselves when imported.
        from . import esquema  # noqa: F401
