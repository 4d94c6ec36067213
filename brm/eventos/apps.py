from django.apps import AppConfig


class EventosConfig(AppConfig):
    name = "brm.eventos"
    verbose_name = "Atualizações ao vivo"
