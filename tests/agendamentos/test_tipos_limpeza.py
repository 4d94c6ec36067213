"""LIMPEZA_LOGS: only what is older than the retention goes, in batches; the audit trail never does."""

import datetime as dt

import pytest

from agendamentos.models import Agendamento, AgendamentoExecucao
from agendamentos.tipos import TIPOS, limpeza
from processos.models import ExecucaoLog, ProcessoEvento

from ..factories import AgendamentoExecucaoFactory, ExecucaoFactory, ExecucaoLogFactory, ProcessoEventoFactory

pytestmark = pytest.mark.django_db

LIMPEZA = TIPOS[Agendamento.Tipo.LIMPEZA_LOGS]
AGORA = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)
VELHO = AGORA - dt.timedelta(days=30, minutes=1)
RECENTE = AGORA - dt.timedelta(days=29, hours=23)
S = AgendamentoExecucao.Status


@pytest.fixture
def guardados():
    execucao = ExecucaoFactory()
    linhas = {
        "velhas": ExecucaoLogFactory.create_batch(5, execucao=execucao, quando=VELHO),
        "recentes": ExecucaoLogFactory.create_batch(2, execucao=execucao, quando=RECENTE),
    }
    historico = {
        "velho": AgendamentoExecucaoFactory(inicio=VELHO, fim=VELHO, status=S.SUCESSO),
        "velho_falha": AgendamentoExecucaoFactory(inicio=VELHO, fim=VELHO, status=S.FALHA, erro="SMTP fora do ar"),
        "velho_rodando": AgendamentoExecucaoFactory(inicio=VELHO, status=S.EM_EXECUCAO),
        "recente": AgendamentoExecucaoFactory(inicio=RECENTE, fim=RECENTE, status=S.SUCESSO),
    }
    evento = ProcessoEventoFactory(processo=execucao.processo)
    # `quando` is auto_now_add: made old by an update, as years of history would be.
    ProcessoEvento.objects.filter(pk=evento.pk).update(quando=VELHO - dt.timedelta(days=3000))
    return {"linhas": linhas, "historico": historico, "evento": evento}


def test_apaga_so_o_que_passou_da_retencao(guardados):
    resultado = LIMPEZA.executar(parametros={"dias_retencao": 30}, agora=AGORA, fuso="America/Sao_Paulo", por=None)

    assert resultado == {
        "linhas_de_log": 5,
        "historico_agendamentos": 2,
        "tokens_expirados": 0,
        "sessoes_encerradas": 0,
        "antes_de": (AGORA - dt.timedelta(days=30)).isoformat(),
    }
    assert set(ExecucaoLog.objects.values_list("pk", flat=True)) == {x.pk for x in guardados["linhas"]["recentes"]}
    historico = guardados["historico"]
    assert set(AgendamentoExecucao.objects.values_list("pk", flat=True)) == {
        historico["velho_rodando"].pk,
        historico["recente"].pk,
    }


def test_a_linha_do_tempo_dos_processos_nunca_e_apagada(guardados):
    LIMPEZA.executar(parametros={"dias_retencao": 1}, agora=AGORA, fuso="America/Sao_Paulo", por=None)

    assert ProcessoEvento.objects.filter(pk=guardados["evento"].pk).exists()


def test_lotes_pequenos_apagam_tudo_do_mesmo_jeito(guardados, monkeypatch):
    monkeypatch.setattr(limpeza, "TAMANHO_LOTE", 2)
    ExecucaoLogFactory.create_batch(6, quando=VELHO)

    resultado = LIMPEZA.executar(parametros={"dias_retencao": 30}, agora=AGORA, fuso="America/Sao_Paulo", por=None)

    assert (resultado["linhas_de_log"], resultado["historico_agendamentos"]) == (11, 2)
    assert ExecucaoLog.objects.count() == 2


def test_rodar_de_novo_nao_apaga_mais_nada(guardados):
    LIMPEZA.executar(parametros={"dias_retencao": 30}, agora=AGORA, fuso="America/Sao_Paulo", por=None)

    resultado = LIMPEZA.executar(parametros={"dias_retencao": 30}, agora=AGORA, fuso="America/Sao_Paulo", por=None)

    assert (resultado["linhas_de_log"], resultado["historico_agendamentos"]) == (0, 0)


def test_retencao_padrao_e_de_noventa_dias(guardados):
    ExecucaoLogFactory(quando=AGORA - dt.timedelta(days=91))

    resultado = LIMPEZA.executar(parametros={}, agora=AGORA, fuso="America/Sao_Paulo", por=None)

    assert resultado["linhas_de_log"] == 1
    assert ExecucaoLog.objects.count() == 7
