import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from processos.models import Execucao, Processo
from tests.api.conftest import assert_erro
from tests.factories import ClienteFactory, ExecucaoFactory, OperadoraFactory, ProcessoFactory
from tests.painel.conftest import AGORA, NOVEMBRO

pytestmark = pytest.mark.django_db

URL = "/api/v1/painel/"
S = Processo.Status
E = Execucao.Status


@pytest.fixture
def relogio():
    """15/11/2026 12:00 in São Paulo, as in the painel's tests."""
    with time_machine.travel(AGORA, tick=False) as viajante:
        yield viajante


@pytest.fixture
def mes(relogio):
    """November 2026 seen on 15/11/2026: one late invoice, one due soon, one running job, one failure to re-run."""
    vivo = OperadoraFactory(nome="Vivo", codigo="vivo", possui_rpa=True)
    claro = OperadoraFactory(nome="Claro", codigo="claro", possui_rpa=True)
    atrasado = ProcessoFactory(cliente=ClienteFactory(operadora=vivo, dia_emissao=5))
    ProcessoFactory(cliente=ClienteFactory(operadora=vivo, dia_emissao=25))
    vence = ProcessoFactory(
        cliente=ClienteFactory(operadora=claro),
        status=S.AGUARDANDO_APROVACAO,
        vencimento=dt.date(2026, 11, 17),
        valor_total=Decimal("80.00"),
    )
    ProcessoFactory(cliente=ClienteFactory(operadora=claro), status=S.UPLOAD_REALIZADO)
    ProcessoFactory(competencia=dt.date(2026, 10, 1), status=S.UPLOAD_REALIZADO)
    rodando = ExecucaoFactory(
        processo=ProcessoFactory(cliente=ClienteFactory(operadora=vivo, dia_emissao=28)), status=E.EM_EXECUCAO
    )
    falha = ExecucaoFactory(processo=atrasado, status=E.FALHA, erro="O portal recusou o login.")
    return {"atrasado": atrasado, "vence": vence, "rodando": rodando, "falha": falha}


def test_resumo_do_mes_atual(relogio, api_leitor, mes):
    corpo = api_leitor.get(URL).json()

    assert corpo["competencia"] == "2026-11-01" and corpo["competencia_texto"] == "11/2026"
    assert corpo["hoje"] == "2026-11-15"
    assert corpo["total"] == 5
    assert corpo["por_status"] == {
        "AGUARDANDO_DOWNLOAD": 3,
        "AGUARDANDO_APROVACAO": 1,
        "AGUARDANDO_ENVIO_SAT": 0,
        "UPLOAD_REALIZADO": 1,
    }
    por_operadora = {linha["codigo"]: linha for linha in corpo["por_operadora"]}
    assert por_operadora["vivo"]["total"] == 3 and por_operadora["claro"]["total"] == 2
    assert corpo["atrasadas"]["total"] == 1
    assert corpo["atrasadas"]["primeiras"][0]["id"] == str(mes["atrasado"].pk)
    assert corpo["atrasadas"]["primeiras"][0]["esperada_em"] == "2026-11-05"
    assert corpo["vencimento_proximo"]["total"] == 1
    assert corpo["vencimento_proximo"]["primeiras"][0]["valor_total"] == "80.00"
    assert corpo["execucoes_ativas"]["total"] == 1
    assert corpo["execucoes_ativas"]["por_status"]["EM_EXECUCAO"] == 1
    assert corpo["execucoes_ativas"]["primeiras"][0]["id"] == str(mes["rodando"].pk)
    assert corpo["falhas_a_reexecutar"]["total"] == 1
    assert corpo["falhas_a_reexecutar"]["primeiras"][0]["erro"] == "O portal recusou o login."


def test_outro_mes(relogio, api_leitor, mes):
    corpo = api_leitor.get(URL, {"competencia": "2026-10"}).json()

    assert corpo["total"] == 1 and corpo["por_status"]["UPLOAD_REALIZADO"] == 1
    assert corpo["atrasadas"]["total"] == 0


def test_competencia_invalida_responde_400_com_a_frase_dos_filtros(relogio, api_leitor):
    corpo = assert_erro(api_leitor.get(URL, {"competencia": "2026-13"}), 400, "invalido")

    assert corpo["campos"]["competencia"][0].startswith("Competência inválida")


def test_listas_curtas_e_consultas_fixas(relogio, api_leitor, django_assert_max_num_queries):
    vivo = OperadoraFactory(possui_rpa=True)
    for _ in range(15):
        processo = ProcessoFactory(cliente=ClienteFactory(operadora=vivo, dia_emissao=1), competencia=NOVEMBRO)
        ExecucaoFactory(processo=processo, status=E.FALHA)

    with django_assert_max_num_queries(12):
        corpo = api_leitor.get(URL).json()

    assert corpo["atrasadas"]["total"] == 15 and len(corpo["atrasadas"]["primeiras"]) == 10
    assert corpo["falhas_a_reexecutar"]["total"] == 15 and len(corpo["falhas_a_reexecutar"]["primeiras"]) == 10


def test_sem_token_401(anonimo):
    assert_erro(anonimo.get(URL), 401, "nao_autenticado")
