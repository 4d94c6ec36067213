from django.db import migrations


def aplicar(apps, schema_editor):
    from brm.usuarios.papeis import PERMISSOES, aplicar_papeis

    aplicar_papeis(apps, PERMISSOES)


class Migration(migrations.Migration):
    """Administrators lift sign-in lockouts, read the sign-in log and unlink SSO accounts."""

    dependencies = [
        ("usuarios", "0005_papeis_webhooks"),
        ("entrada", "0001_initial"),
    ]

    operations = [migrations.RunPython(aplicar, migrations.RunPython.noop)]
