"""The Celery app's logs: routine polling stays out of a terminal at INFO, real events stay in."""

import logging

import pytest
from celery import beat
from celery.app import trace
from celery.worker import strategy

from brm.alertas import tasks as alertas
from brm.celery import TAREFAS_DE_ROTINA
from processos.services.filas import TAREFA_ACOMPANHAR, TAREFA_DESPACHAR, TAREFA_ENVIAR


def _recebida(nome: str) -> None:
    # What the worker writes when a message arrives (celery.worker.strategy).
    contexto = {"id": "abc", "name": nome, "args": "()", "kwargs": "{}", "eta": None}
    strategy.logger.info(trace.LOG_RECEIVED, contexto, extra={"data": contexto})


def _concluida(nome: str) -> None:
    trace.info(
        trace.LOG_SUCCESS,
        {"id": "abc", "name": nome, "return_value": "None", "runtime": 0.01, "args": "()", "kwargs": "{}"},
    )


def _disparada(entrada: str, nome: str) -> None:
    beat.info("Scheduler: Sending due task %s (%s)", entrada, nome)


def _linhas(caplog) -> list[tuple[str, str]]:
    return [(registro.levelname, registro.getMessage()) for registro in caplog.records]


def test_tarefas_de_rotina_sao_o_acompanhamento_o_despacho_o_envio_e_as_dos_alertas():
    assert {
        TAREFA_ACOMPANHAR,
        TAREFA_DESPACHAR,
        TAREFA_ENVIAR,
        alertas.TAREFA_ENVIAR,
        alertas.TAREFA_DETECTAR_FATURAS,
        alertas.TAREFA_VERIFICAR_API,
    } == TAREFAS_DE_ROTINA


@pytest.mark.parametrize("nome", sorted(TAREFAS_DE_ROTINA))
def test_linhas_do_celery_sobre_tarefas_de_rotina_nao_aparecem_em_info(caplog, nome):
    caplog.set_level(logging.INFO)

    _recebida(nome)
    _concluida(nome)
    _disparada("rpa-acompanhar", nome)

    assert _linhas(caplog) == []


def test_com_debug_ligado_as_linhas_de_rotina_aparecem_como_debug(caplog):
    caplog.set_level(logging.DEBUG)

    _recebida(TAREFA_ACOMPANHAR)
    _concluida(TAREFA_ACOMPANHAR)
    _disparada("rpa-acompanhar", TAREFA_ACOMPANHAR)

    linhas = _linhas(caplog)
    assert [nivel for nivel, _ in linhas] == ["DEBUG", "DEBUG", "DEBUG"]
    assert "processos.acompanhar_execucoes[abc] received" in linhas[0][1]
    assert "Sending due task rpa-acompanhar" in linhas[2][1]


def test_um_agendamento_que_roda_continua_aparecendo_em_info(caplog):
    caplog.set_level(logging.INFO)

    _disparada("agendamento:123", "agendamentos.executar_agendamento")
    _recebida("agendamentos.executar_agendamento")
    _concluida("agendamentos.executar_agendamento")

    assert [nivel for nivel, _ in _linhas(caplog)] == ["INFO", "INFO", "INFO"]


def test_erro_de_uma_tarefa_de_rotina_continua_aparecendo(caplog):
    caplog.set_level(logging.INFO)

    trace.logger.error(
        "Task %(name)s[%(id)s] raised unexpected: %(exc)s", {"name": TAREFA_ACOMPANHAR, "id": "abc", "exc": "x"}
    )

    assert _linhas(caplog) == [("ERROR", f"Task {TAREFA_ACOMPANHAR}[abc] raised unexpected: x")]
