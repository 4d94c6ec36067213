from django.apps import AppConfig


class UsuariosConfig(AppConfig):
    name = "brm.usuarios"
    label = "usuarios"
    verbose_name = "Usuários"
