"""Reads of processes: what can be done to a process now, last month's invoice, the month in numbers."""

import datetime as dt
from decimal import Decimal

import pytest

from processos.models import Execucao, Processo
from processos.selectors import (
    EM_ANDAMENTO,
    FORA_DE_SITUACAO,
    INATIVO,
    SEM_ROBO,
    processo_anterior,
    processo_motivo_sem_download,
    processo_pode_receber_fatura,
    processo_pode_ser_aprovado,
    processo_pode_ser_rejeitado,
    processo_recusa_execucao,
    processos_candidatos_download,
    processos_resumo_do_mes,
    processos_sem_download_ativo,
)
from tests.factories import ClienteFactory, ExecucaoFactory, ProcessoFactory

pytestmark = pytest.mark.django_db

S = Processo.Status
E = Execucao.Status
T = Execucao.Tipo
NOVEMBRO = dt.date(2026, 11, 1)


@pytest.mark.parametrize(
    ("status", "recebe", "aprova", "rejeita"),
    [
        (S.AGUARDANDO_DOWNLOAD, True, False, False),
        (S.AGUARDANDO_APROVACAO, False, True, True),
        (S.AGUARDANDO_ENVIO_SAT, False, False, False),
        (S.UPLOAD_REALIZADO, False, False, False),
    ],
)
def test_o_que_cada_situacao_permite_segue_a_tabela_de_transicoes(status, recebe, aprova, rejeita):
    processo = ProcessoFactory(status=status)

    assert processo_pode_receber_fatura(processo) is recebe
    assert processo_pode_ser_aprovado(processo) is aprova
    assert processo_pode_ser_rejeitado(processo) is rejeita


def test_motivo_sem_download_nomeia_a_primeira_condicao_que_falta():
    assert processo_motivo_sem_download(ProcessoFactory(status=S.AGUARDANDO_APROVACAO)) == FORA_DE_SITUACAO
    assert processo_motivo_sem_download(ProcessoFactory(cliente__operadora__possui_rpa=False)) == SEM_ROBO
    assert processo_motivo_sem_download(ProcessoFactory(cliente__ativo=False)) == INATIVO
    livre = ProcessoFactory()
    assert processo_motivo_sem_download(livre) is None
    ExecucaoFactory(processo=livre)
    assert processo_motivo_sem_download(livre) is None
    assert processo_motivo_sem_download(livre, com_andamento=True) == EM_ANDAMENTO


def test_recusa_de_execucao_e_a_frase_que_o_servico_mostra():
    sem_robo = ProcessoFactory(cliente__operadora__nome="Algar", cliente__operadora__possui_rpa=False)
    assert processo_recusa_execucao(sem_robo, T.DOWNLOAD_FATURA) == (
        "A operadora Algar não tem robô: envie a fatura manualmente na página do processo."
    )
    assert processo_recusa_execucao(ProcessoFactory(), T.UPLOAD_SAT) == (
        "Não é possível enviar ao SAT de um processo em “Aguardando download”."
    )
    assert processo_recusa_execucao(ProcessoFactory(status=S.AGUARDANDO_ENVIO_SAT), T.UPLOAD_SAT) is None


def test_processo_anterior_e_o_do_mesmo_cliente_no_mes_anterior():
    cliente = ClienteFactory()
    outubro = ProcessoFactory(cliente=cliente, competencia=dt.date(2026, 10, 1), valor_total=Decimal("100.00"))
    ProcessoFactory(competencia=dt.date(2026, 10, 1))  # another client's October
    novembro = ProcessoFactory(cliente=cliente, competencia=NOVEMBRO)
    janeiro = ProcessoFactory(cliente=cliente, competencia=dt.date(2027, 1, 1))

    assert processo_anterior(novembro) == outubro
    assert processo_anterior(outubro) is None
    # December is missing: January has no previous invoice, not November's.
    assert processo_anterior(janeiro) is None


def test_candidatos_sem_download_ativo_deixam_de_fora_os_que_falharam_sem_todos():
    em_andamento, falhou, novo = (ProcessoFactory(competencia=NOVEMBRO) for _ in range(3))
    ProcessoFactory(competencia=NOVEMBRO, cliente__ativo=False)
    ExecucaoFactory(processo=em_andamento)
    ExecucaoFactory(processo=falhou, status=E.FALHA, tentativa=2)

    candidatos = processos_candidatos_download(competencia=NOVEMBRO)
    assert set(candidatos) == {em_andamento, falhou, novo}
    assert list(processos_sem_download_ativo(candidatos, todos=False)) == [novo]
    com_todos = {p.pk: p for p in processos_sem_download_ativo(candidatos, todos=True)}
    assert set(com_todos) == {falhou.pk, novo.pk}
    assert (com_todos[falhou.pk].ultimo_status, com_todos[falhou.pk].ultima_tentativa) == (E.FALHA, 2)


def test_resumo_do_mes_conta_por_situacao_e_por_operadora():
    hoje = dt.date(2026, 11, 20)
    vivo = ClienteFactory(operadora__nome="Vivo").operadora
    ProcessoFactory(competencia=NOVEMBRO, cliente__operadora=vivo, valor_total=Decimal("10.50"))
    ProcessoFactory(
        competencia=NOVEMBRO,
        cliente__operadora=vivo,
        status=S.AGUARDANDO_APROVACAO,
        valor_total=Decimal("5.00"),
        vencimento=hoje + dt.timedelta(days=3),
    )
    outubro = ProcessoFactory(competencia=dt.date(2026, 10, 1))
    falha = ExecucaoFactory(processo__competencia=NOVEMBRO, status=E.FALHA)
    ExecucaoFactory(processo=outubro, status=E.FALHA)

    resumo = processos_resumo_do_mes(competencia=NOVEMBRO, hoje=hoje, dias_vencimento=7)

    assert resumo.total_processos == 3
    assert resumo.por_status[S.AGUARDANDO_DOWNLOAD] == 2
    assert resumo.por_status[S.AGUARDANDO_APROVACAO] == 1
    assert resumo.por_status[S.UPLOAD_REALIZADO] == 0
    assert resumo.valor_total == Decimal("15.50")
    linha_vivo = next(linha for linha in resumo.por_operadora if linha["operadora"] == "Vivo")
    assert (linha_vivo["n"], linha_vivo["valor"]) == (2, Decimal("15.50"))
    assert resumo.total_falhas == 1 and resumo.falhas == [falha]
    assert resumo.total_a_vencer == 1
