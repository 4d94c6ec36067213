from django.db import migrations


def aplicar(apps, schema_editor):
    from brm.usuarios.papeis import PERMISSOES, aplicar_papeis

    aplicar_papeis(apps, PERMISSOES)


class Migration(migrations.Migration):
    """Administrators manage the webhooks and read their delivery log."""

    dependencies = [
        ("usuarios", "0004_papeis_api"),
        ("webhooks", "0001_initial"),
    ]

    operations = [migrations.RunPython(aplicar, migrations.RunPython.noop)]
