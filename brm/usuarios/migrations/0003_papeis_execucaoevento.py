from django.db import migrations


def aplicar(apps, schema_editor):
    from brm.usuarios.papeis import PERMISSOES, aplicar_papeis

    aplicar_papeis(apps, PERMISSOES)


class Migration(migrations.Migration):
    """Every role sees the history of an execution (ExecucaoEvento)."""

    dependencies = [
        ("usuarios", "0002_papeis"),
        ("processos", "0007_execucaoevento"),
    ]

    operations = [migrations.RunPython(aplicar, migrations.RunPython.noop)]
