"""CRIAR_PROCESSOS_MENSAIS and EXECUTAR_DOWNLOADS: the month is the schedule's, in its own time zone."""

import datetime as dt

import pytest

from agendamentos.models import Agendamento
from agendamentos.tipos import TIPOS
from brm.common.errors import ErroDeNegocio
from processos.models import Execucao, Processo

from ..factories import ClienteFactory, ExecucaoFactory, OperadoraFactory, ProcessoFactory

pytestmark = pytest.mark.django_db

CRIAR = TIPOS[Agendamento.Tipo.CRIAR_PROCESSOS_MENSAIS]
DOWNLOADS = TIPOS[Agendamento.Tipo.EXECUTAR_DOWNLOADS]
NOVEMBRO = dt.date(2026, 11, 1)
DEZEMBRO = dt.date(2026, 12, 1)
# 23:30 of 30 November in São Paulo (UTC-3), already 02:30 of 1 December in Lisbon (UTC+0 in winter).
VIRADA = dt.datetime(2026, 12, 1, 2, 30, tzinfo=dt.UTC)


@pytest.fixture
def clientes():
    return ClienteFactory.create_batch(3)


def test_criacao_usa_o_mes_no_fuso_de_sao_paulo(clientes):
    resultado = CRIAR.executar(parametros={}, agora=VIRADA, fuso="America/Sao_Paulo", por=None)

    assert resultado == {"competencia": "2026-11", "criados": 3, "existentes": 0}
    assert set(Processo.objects.values_list("competencia", flat=True)) == {NOVEMBRO}


def test_criacao_usa_o_mes_no_fuso_de_lisboa(clientes):
    resultado = CRIAR.executar(parametros={}, agora=VIRADA, fuso="Europe/Lisbon", por=None)

    assert resultado == {"competencia": "2026-12", "criados": 3, "existentes": 0}
    assert set(Processo.objects.values_list("competencia", flat=True)) == {DEZEMBRO}


def test_criacao_rodando_de_novo_so_conta_os_existentes(clientes):
    CRIAR.executar(parametros={}, agora=VIRADA, fuso="America/Sao_Paulo", por=None)

    resultado = CRIAR.executar(parametros={}, agora=VIRADA, fuso="America/Sao_Paulo", por=None)

    assert resultado == {"competencia": "2026-11", "criados": 0, "existentes": 3}
    assert Processo.objects.count() == 3


def test_criacao_pedida_por_quem_nao_pode_criar_falha_sem_efeitos(clientes, leitor):
    with pytest.raises(ErroDeNegocio) as erro:
        CRIAR.executar(parametros={}, agora=VIRADA, fuso="America/Sao_Paulo", por=leitor)

    assert erro.value.codigo == ErroDeNegocio.PERMISSAO
    assert not Processo.objects.exists()


def test_criacao_pedida_por_um_operador_funciona(clientes, operador):
    resultado = CRIAR.executar(parametros={}, agora=VIRADA, fuso="America/Sao_Paulo", por=operador)

    assert resultado["criados"] == 3


@pytest.fixture
def carteira():
    """Processes waiting for their invoice at two operators, plus the ones a download must never touch."""
    vivo = OperadoraFactory(codigo="vivo", nome="Vivo")
    claro = OperadoraFactory(codigo="claro", nome="Claro")
    processos = {
        "vivo": ProcessoFactory.create_batch(2, cliente__operadora=vivo, competencia=NOVEMBRO),
        "claro": ProcessoFactory.create_batch(2, cliente__operadora=claro, competencia=NOVEMBRO),
        "falhou": ProcessoFactory(cliente__operadora=vivo, competencia=NOVEMBRO),
        "dezembro": ProcessoFactory(cliente__operadora=vivo, competencia=DEZEMBRO),
        "aprovacao": ProcessoFactory(
            cliente__operadora=claro, competencia=NOVEMBRO, status=Processo.Status.AGUARDANDO_APROVACAO
        ),
    }
    processos["falha"] = ExecucaoFactory(
        processo=processos["falhou"], status=Execucao.Status.FALHA, erro="Login inválido no portal."
    )
    return processos


def _baixando() -> set:
    ativos = Execucao.objects.filter(tipo=Execucao.Tipo.DOWNLOAD_FATURA, status=Execucao.Status.PENDENTE)
    return set(ativos.values_list("processo_id", flat=True))


def test_downloads_enfileira_os_pendentes_do_mes_no_fuso_do_agendamento(carteira):
    resultado = DOWNLOADS.executar(parametros={}, agora=VIRADA, fuso="America/Sao_Paulo", por=None)

    esperados = {p.pk for p in carteira["vivo"] + carteira["claro"]}
    assert _baixando() == esperados
    assert resultado["competencia"] == "2026-11"
    assert resultado["enfileiradas"] == 4
    # The process whose last download failed waits for a person.
    assert resultado["ignoradas"] == 1
    assert resultado["limite_execucoes_simultaneas"] == 5
    novas = Execucao.objects.filter(processo_id__in=esperados)
    assert set(novas.values_list("origem", flat=True)) == {Execucao.Origem.AGENDAMENTO}
    assert set(novas.values_list("solicitado_por", flat=True)) == {None}


def test_downloads_em_lisboa_ja_e_dezembro(carteira):
    resultado = DOWNLOADS.executar(parametros={}, agora=VIRADA, fuso="Europe/Lisbon", por=None)

    assert resultado["competencia"] == "2026-12"
    assert _baixando() == {carteira["dezembro"].pk}


def test_downloads_so_das_operadoras_pedidas(carteira):
    resultado = DOWNLOADS.executar(
        parametros={"operadoras": ["claro"]}, agora=VIRADA, fuso="America/Sao_Paulo", por=None
    )

    assert _baixando() == {p.pk for p in carteira["claro"]}
    assert (resultado["enfileiradas"], resultado["ignoradas"]) == (2, 0)


def test_downloads_sem_apenas_pendentes_refaz_tambem_os_que_falharam(carteira):
    resultado = DOWNLOADS.executar(
        parametros={"apenas_processos_pendentes": False, "limite_execucoes_simultaneas": 2},
        agora=VIRADA,
        fuso="America/Sao_Paulo",
        por=None,
    )

    assert _baixando() == {p.pk for p in carteira["vivo"] + carteira["claro"]} | {carteira["falhou"].pk}
    assert resultado["enfileiradas"] == 5
    assert resultado["limite_execucoes_simultaneas"] == 2
    # One batch, capped at 2 running at once by the dispatcher.
    lotes = set(Execucao.objects.filter(status=Execucao.Status.PENDENTE).values_list("lote", "lote_limite"))
    assert len(lotes) == 1 and next(iter(lotes))[0] is not None and next(iter(lotes))[1] == 2
    reexecucao = Execucao.objects.get(processo=carteira["falhou"], status=Execucao.Status.PENDENTE)
    assert reexecucao.anterior == carteira["falha"]
    assert reexecucao.tentativa == 2


def test_downloads_rodando_de_novo_nao_duplica(carteira):
    DOWNLOADS.executar(parametros={}, agora=VIRADA, fuso="America/Sao_Paulo", por=None)

    resultado = DOWNLOADS.executar(parametros={}, agora=VIRADA, fuso="America/Sao_Paulo", por=None)

    assert resultado["enfileiradas"] == 0
    assert Execucao.objects.filter(status=Execucao.Status.PENDENTE).count() == 4
