from django.apps import AppConfig


class EventosConfig(AppConfig):
    name = "brm.eventos"
    verbose_name = "Atualizações ao vivo"

    def ready(self):
        # Our streams and their Redis listener (which reconnects) in place of django-eventstream's, for
        # everything of the library that looks them up (`get_listener_manager`).
        from django_eventstream import views

        from .fluxo import GerenciadorDeOuvintes

        views.listener_manager = GerenciadorDeOuvintes()
