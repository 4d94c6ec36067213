from django.db import migrations


def criar_papeis(apps, schema_editor):
    from brm.usuarios.papeis import PERMISSOES, aplicar_papeis

    aplicar_papeis(apps, PERMISSOES)


class Migration(migrations.Migration):
    dependencies = [
        ("usuarios", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("operadoras", "0001_initial"),
        ("clientes", "0001_initial"),
        ("processos", "0002_initial"),
        ("agendamentos", "0002_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("rpa", "0001_initial"),
    ]

    operations = [migrations.RunPython(criar_papeis, migrations.RunPython.noop)]
