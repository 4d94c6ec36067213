from django.apps import AppConfig


class AgendamentosConfig(AppConfig):
    name = "agendamentos"
    verbose_name = "Agendamentos"
