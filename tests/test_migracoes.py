"""The migrations describe the models exactly and are all applied."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_modelos_nao_tem_mudancas_sem_migracao():
    saida = io.StringIO()

    # `--check` exits with SystemExit(1) when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", stdout=saida)

    assert "No changes detected" in saida.getvalue()


@pytest.mark.django_db
def test_banco_de_teste_tem_todas_as_migracoes_aplicadas():
    call_command("migrate", "--check", stdout=io.StringIO())
