from django.db import migrations


def aplicar(apps, schema_editor):
    from brm.usuarios.papeis import PERMISSOES, aplicar_papeis

    aplicar_papeis(apps, PERMISSOES)


class Migration(migrations.Migration):
    """Administrators manage the API's service tokens."""

    dependencies = [
        ("usuarios", "0003_papeis_execucaoevento"),
        ("api", "0001_initial"),
    ]

    operations = [migrations.RunPython(aplicar, migrations.RunPython.noop)]
