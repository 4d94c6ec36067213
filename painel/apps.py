from django.apps import AppConfig


class PainelConfig(AppConfig):
    """The home page after login: the month at a glance, live. It owns no data: it reads the other apps' selectors."""

    name = "painel"
    verbose_name = "Painel"
