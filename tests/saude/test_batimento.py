"""Beat's heartbeat: written by beat's own loop, at most every few seconds, never a reason for beat to stop."""

import json
import logging

import pytest

from brm.saude.agendador import MarcaPasso
from brm.saude.conexoes import beat_batimento_chave
from tests.conftest import esperar, porta_fechada

from .conftest import beat_do_brm


def test_marca_passo_grava_o_batimento_no_maximo_uma_vez_por_intervalo(redis_real, sem_batimento):
    marca_passo = MarcaPasso(intervalo=60)

    assert marca_passo.bater() is True
    primeiro = json.loads(redis_real.get(beat_batimento_chave()))
    assert marca_passo.bater() is False

    assert json.loads(redis_real.get(beat_batimento_chave())) == primeiro
    assert redis_real.ttl(beat_batimento_chave()) > 0


def test_marca_passo_com_redis_fora_so_avisa(settings, caplog):
    settings.REDIS_URL = f"redis://127.0.0.1:{porta_fechada()}/0"
    marca_passo = MarcaPasso(intervalo=60)
    caplog.set_level(logging.WARNING)

    assert marca_passo.bater() is False
    assert marca_passo.bater() is False

    avisos = [registro.getMessage() for registro in caplog.records]
    assert len(avisos) == 1
    assert avisos[0].startswith("O beat não conseguiu registrar seu batimento no Redis")


# Beat writes its schedule in the database: committed data, and the role groups restored after the flush.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_beat_iniciado_como_em_producao_registra_o_batimento(celery_processos, redis_real, sem_batimento):
    beat = beat_do_brm(celery_processos)

    batimento = esperar(
        lambda: redis_real.get(beat_batimento_chave()),
        prazo=30,
        descricao="o primeiro batimento do beat no Redis",
        detalhe=celery_processos.logs,
    )

    dados = json.loads(batimento)
    assert dados["pid"] == beat.pid
    assert "AgendadorBRM" in celery_processos.log(beat)
