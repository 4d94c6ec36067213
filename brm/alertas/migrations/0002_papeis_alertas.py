from django.db import migrations


def aplicar(apps, schema_editor):
    from brm.usuarios.papeis import PERMISSOES, aplicar_papeis

    aplicar_papeis(apps, PERMISSOES)


class Migration(migrations.Migration):
    """Administrators manage the alerts (thresholds and recipients) and read their events and e-mails."""

    dependencies = [
        ("usuarios", "0005_papeis_webhooks"),
        ("alertas", "0001_initial"),
    ]

    operations = [migrations.RunPython(aplicar, migrations.RunPython.noop)]
