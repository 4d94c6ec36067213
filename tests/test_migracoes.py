"""The migrations describe the models exactly: `makemigrations --check` finds nothing to write."""

import importlib
import io
import shutil
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.migrations.loader import MigrationLoader

MIGRACAO_QUE_TIRA_UM_CAMPO = """from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("processos", "{anterior}")]
    operations = [migrations.RemoveField(model_name="processo", name="numero_fatura")]
"""


def makemigrations_check(*app_labels: str) -> tuple[int, str]:
    """Runs `makemigrations --check --dry-run`; returns its exit code (1 when a model change has no migration)
    and what it printed."""
    saida = io.StringIO()
    try:
        call_command("makemigrations", *app_labels, "--check", "--dry-run", stdout=saida, stderr=saida)
    except SystemExit as saiu:
        return saiu.code, saida.getvalue()
    return 0, saida.getvalue()


@pytest.mark.django_db
def test_modelos_nao_tem_mudancas_sem_migracao():
    codigo, saida = makemigrations_check()

    assert codigo == 0, f"Há mudanças de modelo sem migração:\n{saida}"
    assert "No changes detected" in saida


@pytest.fixture
def migracoes_com_um_campo_a_menos(settings, tmp_path, monkeypatch):
    """processos' migrations plus one that drops a field the model still has, in place of the real ones."""
    pacote = "migracoes_com_um_campo_a_menos"
    copia = tmp_path / pacote
    shutil.copytree(
        Path(importlib.import_module("processos.migrations").__file__).parent,
        copia,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    [(_, anterior)] = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes("processos")
    (copia / "9999_sem_numero_da_fatura.py").write_text(MIGRACAO_QUE_TIRA_UM_CAMPO.format(anterior=anterior))
    monkeypatch.syspath_prepend(str(tmp_path))
    settings.MIGRATION_MODULES = {"processos": pacote}
    yield
    for modulo in [nome for nome in sys.modules if nome.split(".")[0] == pacote]:
        del sys.modules[modulo]


@pytest.mark.django_db
@pytest.mark.usefixtures("migracoes_com_um_campo_a_menos")
def test_checagem_acusa_campo_do_modelo_sem_migracao():
    codigo, saida = makemigrations_check("processos")

    assert codigo == 1
    assert "numero_fatura" in saida
