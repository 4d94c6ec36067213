"""The rules the database itself enforces on processes, their history and the robot jobs."""

import datetime as dt

import pytest

from processos.models import Execucao, ExecucaoLog, Processo
from tests.conftest import recusado_pelo_banco
from tests.factories import ClienteFactory, ExecucaoFactory, ExecucaoLogFactory, ProcessoFactory

pytestmark = pytest.mark.django_db


def test_segundo_processo_do_mesmo_cliente_e_competencia_e_recusado():
    processo = ProcessoFactory(competencia=dt.date(2026, 11, 1))

    with recusado_pelo_banco(
        "processo_unico_por_cliente_competencia", "processos_processo.cliente_id, processos_processo.competencia"
    ):
        Processo.objects.create(cliente=processo.cliente, competencia=dt.date(2026, 11, 1))

    assert Processo.objects.filter(cliente=processo.cliente).count() == 1


def test_mesmo_cliente_pode_ter_processos_de_meses_diferentes():
    processo = ProcessoFactory(competencia=dt.date(2026, 11, 1))

    Processo.objects.create(cliente=processo.cliente, competencia=dt.date(2026, 12, 1))

    assert Processo.objects.filter(cliente=processo.cliente).count() == 2


@pytest.mark.parametrize("dia", [2, 15, 28])
def test_competencia_fora_do_primeiro_dia_do_mes_e_recusada(dia):
    cliente = ClienteFactory()

    with recusado_pelo_banco("processo_competencia_primeiro_dia"):
        Processo.objects.create(cliente=cliente, competencia=dt.date(2026, 11, dia))

    assert not Processo.objects.exists()


def test_duas_execucoes_ativas_do_mesmo_processo_e_tipo_sao_recusadas():
    processo = ProcessoFactory()
    ExecucaoFactory(processo=processo, tipo=Execucao.Tipo.DOWNLOAD_FATURA, status=Execucao.Status.EM_EXECUCAO)

    with recusado_pelo_banco(
        "execucao_uma_ativa_por_processo_tipo", "processos_execucao.processo_id, processos_execucao.tipo"
    ):
        ExecucaoFactory(processo=processo, tipo=Execucao.Tipo.DOWNLOAD_FATURA, status=Execucao.Status.PENDENTE)

    assert processo.execucoes.count() == 1


@pytest.mark.parametrize("finalizada", [Execucao.Status.SUCESSO, Execucao.Status.FALHA, Execucao.Status.CANCELADA])
def test_execucao_finalizada_e_uma_ativa_do_mesmo_processo_e_tipo_convivem(finalizada):
    processo = ProcessoFactory()
    anterior = ExecucaoFactory(processo=processo, status=finalizada)

    ExecucaoFactory(processo=processo, status=Execucao.Status.PENDENTE, anterior=anterior, tentativa=2)

    assert processo.execucoes.count() == 2


def test_execucoes_ativas_de_tipos_diferentes_no_mesmo_processo_convivem():
    processo = ProcessoFactory()

    ExecucaoFactory(processo=processo, tipo=Execucao.Tipo.DOWNLOAD_FATURA)
    ExecucaoFactory(processo=processo, tipo=Execucao.Tipo.UPLOAD_SAT)

    assert processo.execucoes.count() == 2


def test_execucao_com_tentativa_zero_e_recusada():
    with recusado_pelo_banco("execucao_tentativa_positiva"):
        ExecucaoFactory(tentativa=0)

    assert not Execucao.objects.exists()


def test_linha_de_log_repetida_na_mesma_sequencia_e_recusada():
    linha = ExecucaoLogFactory(seq=7)

    with recusado_pelo_banco(
        "execucaolog_unica_por_seq", "processos_execucaolog.execucao_id, processos_execucaolog.seq"
    ):
        ExecucaoLogFactory(execucao=linha.execucao, seq=7, mensagem="Repetida")

    assert list(ExecucaoLog.objects.values_list("mensagem", flat=True)) == ["Acessando o portal"]


def test_mesma_sequencia_em_execucoes_diferentes_e_aceita():
    linha = ExecucaoLogFactory(seq=1)

    ExecucaoLogFactory(seq=1)

    assert ExecucaoLog.objects.filter(seq=1).count() == 2
    assert linha.execucao.logs.count() == 1
