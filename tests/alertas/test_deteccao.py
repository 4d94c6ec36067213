"""The detectors: each thing is reported once however often they run, with a sentence and a link; nothing is
recorded for a kind nobody receives."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from brm.alertas.models import EventoDeAlerta, TipoDeAlerta
from brm.alertas.selectors import configuracao_alertas_obter
from brm.alertas.services import faturas_atrasadas_alertar, vencimentos_proximos_alertar
from brm.alertas.tasks import detectar_faturas
from processos.models import Execucao, Processo
from processos.services.falha import execucao_falhar
from tests.factories import ClienteFactory, ConfiguracaoRPAFactory, ExecucaoFactory, OperadoraFactory, ProcessoFactory

pytestmark = pytest.mark.django_db

T = TipoDeAlerta
S = Processo.Status
E = Execucao.Status
FORA_DO_AR = "O portal da operadora está fora do ar."


def eventos(tipo: str) -> list[EventoDeAlerta]:
    return list(EventoDeAlerta.objects.filter(tipo=tipo).order_by("titulo"))


def url_processo(processo: Processo) -> str:
    return f"/admin/processos/processo/{processo.pk}/change/"


# Failed robot jobs --------------------------------------------------------------------------------------------------


@pytest.fixture
def falhas(receber):
    ConfiguracaoRPAFactory(reexecucoes_automaticas=2)
    receber(T.EXECUCAO_FALHOU)


def test_falha_passageira_com_reexecucao_automatica_nao_gera_alerta(falhas):
    execucao = ExecucaoFactory(status=E.EM_EXECUCAO)

    assert execucao_falhar(execucao, FORA_DO_AR, codigo="PORTAL_FORA_DO_AR", de=E.EM_EXECUCAO)

    assert Execucao.objects.filter(anterior=execucao).exists()
    assert eventos(T.EXECUCAO_FALHOU) == []


def test_falha_da_ultima_reexecucao_automatica_gera_o_alerta(falhas):
    execucao = ExecucaoFactory(status=E.EM_EXECUCAO, origem=Execucao.Origem.AUTOMATICA, tentativa=3)

    assert execucao_falhar(execucao, FORA_DO_AR, codigo="PORTAL_FORA_DO_AR", de=E.EM_EXECUCAO)

    assert not Execucao.objects.filter(anterior=execucao).exists()
    (evento,) = eventos(T.EXECUCAO_FALHOU)
    processo = execucao.processo
    assert evento.titulo == (
        f"Download da fatura · {processo.cliente} ({processo.cliente.operadora.nome}) · 11/2026 · tentativa 3"
    )
    assert evento.detalhe == "O portal da operadora está fora do ar."
    assert evento.caminho == f"/admin/processos/execucao/{execucao.pk}/change/"
    assert evento.chave == f"execucao:{execucao.pk}"


def test_falha_que_reexecutar_nao_resolve_gera_o_alerta_na_primeira_tentativa(falhas):
    execucao = ExecucaoFactory(status=E.EM_EXECUCAO)

    execucao_falhar(execucao, "O portal recusou o login do cliente.", codigo="LOGIN_INVALIDO", de=E.EM_EXECUCAO)

    assert [evento.detalhe for evento in eventos(T.EXECUCAO_FALHOU)] == ["O portal recusou o login do cliente."]


def test_falha_de_download_de_fatura_ja_enviada_a_mao_nao_espera_ninguem(falhas):
    # The invoice arrived by hand while the robot was failing: the failed download needs nobody.
    execucao = ExecucaoFactory(status=E.EM_EXECUCAO, processo__status=S.AGUARDANDO_APROVACAO)

    execucao_falhar(execucao, "O portal recusou o login do cliente.", codigo="LOGIN_INVALIDO", de=E.EM_EXECUCAO)

    assert eventos(T.EXECUCAO_FALHOU) == []


def test_falha_sem_destinatario_nao_grava_evento():
    ConfiguracaoRPAFactory()
    execucao = ExecucaoFactory(status=E.EM_EXECUCAO)

    execucao_falhar(execucao, "O portal recusou o login do cliente.", codigo="LOGIN_INVALIDO", de=E.EM_EXECUCAO)

    assert not EventoDeAlerta.objects.exists()


# Late invoices --------------------------------------------------------------------------------------------------------


@pytest.fixture
def mes():
    """Processes of November 2026 (and before) around an invoice expected on the 10th."""
    vivo = OperadoraFactory(nome="Vivo", dia_emissao=10)
    return {
        "atrasada": ProcessoFactory(cliente__operadora=vivo, cliente__dia_emissao=None),
        "dia_20": ProcessoFactory(cliente__operadora=vivo, cliente__dia_emissao=20),
        "ja_baixada": ProcessoFactory(cliente__operadora=vivo, status=S.AGUARDANDO_APROVACAO),
        "cliente_inativo": ProcessoFactory(cliente=ClienteFactory(operadora=vivo, ativo=False)),
        # Expected on the 31st of October: late only from 1 November.
        "outubro_31": ProcessoFactory(
            cliente__operadora=vivo, cliente__dia_emissao=31, competencia=dt.date(2026, 10, 1)
        ),
        # Two months back: the painel's, not a new alert.
        "setembro": ProcessoFactory(cliente__operadora=vivo, competencia=dt.date(2026, 9, 1)),
    }


def test_faturas_atrasadas_sao_registradas_uma_vez_cada(receber, mes):
    receber(T.FATURA_ATRASADA)

    assert faturas_atrasadas_alertar(hoje=dt.date(2026, 11, 12)) == 2

    por_chave = {evento.chave: evento for evento in eventos(T.FATURA_ATRASADA)}
    assert set(por_chave) == {f"processo:{mes['atrasada'].pk}", f"processo:{mes['outubro_31'].pk}"}
    atrasada = por_chave[f"processo:{mes['atrasada'].pk}"]
    assert atrasada.titulo == f"{mes['atrasada'].cliente} (Vivo) · 11/2026"
    assert atrasada.detalhe == (
        "A fatura era esperada em 10/11/2026 (há 2 dias) e o processo ainda aguarda o download."
    )
    assert atrasada.caminho == url_processo(mes["atrasada"])
    outubro = por_chave[f"processo:{mes['outubro_31'].pk}"]
    assert outubro.detalhe.startswith("A fatura era esperada em 31/10/2026 (há 12 dias)")

    # Every later run, the same day or the next ones: nothing new.
    assert faturas_atrasadas_alertar(hoje=dt.date(2026, 11, 12)) == 0
    assert faturas_atrasadas_alertar(hoje=dt.date(2026, 11, 13)) == 0
    # The 20th passes: the next one.
    assert faturas_atrasadas_alertar(hoje=dt.date(2026, 11, 21)) == 1
    assert EventoDeAlerta.objects.filter(chave=f"processo:{mes['dia_20'].pk}").exists()
    assert EventoDeAlerta.objects.count() == 3


def test_fatura_atrasada_conta_o_dia_em_sao_paulo(receber, mes):
    receber(T.FATURA_ATRASADA)
    atrasada = f"processo:{mes['atrasada'].pk}"

    # 22:00 on the 10th in São Paulo is already the 11th in UTC: the invoice of the 10th is not late yet.
    with time_machine.travel(dt.datetime(2026, 11, 11, 1, 0, tzinfo=dt.UTC), tick=False):
        detectar_faturas()
    assert not EventoDeAlerta.objects.filter(chave=atrasada).exists()

    with time_machine.travel(dt.datetime(2026, 11, 11, 3, 30, tzinfo=dt.UTC), tick=False):
        detectar_faturas()
    assert EventoDeAlerta.objects.filter(chave=atrasada).exists()


def test_faturas_atrasadas_sem_destinatario_nao_gravam_nada(receber, mes):
    receber(T.VENCIMENTO_PROXIMO)

    assert faturas_atrasadas_alertar(hoje=dt.date(2026, 11, 12)) == 0
    assert not EventoDeAlerta.objects.exists()


# Invoices near their due date ---------------------------------------------------------------------------------------


def aguardando(vencimento: dt.date, status: str = S.AGUARDANDO_APROVACAO) -> Processo:
    return ProcessoFactory(status=status, vencimento=vencimento, valor_total=Decimal("1234.56"))


def test_faturas_perto_do_vencimento_sem_aprovacao_sao_registradas_uma_vez_por_vencimento(receber):
    receber(T.VENCIMENTO_PROXIMO)
    configuracao = configuracao_alertas_obter()
    configuracao.dias_vencimento = 5
    configuracao.save()
    hoje = dt.date(2026, 11, 20)
    em_4_dias = aguardando(dt.date(2026, 11, 24))
    vencida = aguardando(dt.date(2026, 11, 18))
    hoje_vence = aguardando(hoje)
    longe = aguardando(dt.date(2026, 11, 30))
    aguardando(dt.date(2026, 11, 22), status=S.AGUARDANDO_ENVIO_SAT)  # approved already

    assert vencimentos_proximos_alertar(hoje=hoje) == 3
    assert vencimentos_proximos_alertar(hoje=hoje) == 0

    por_processo = {evento.caminho: evento for evento in eventos(T.VENCIMENTO_PROXIMO)}
    assert set(por_processo) == {url_processo(p) for p in (em_4_dias, vencida, hoje_vence)}
    assert por_processo[url_processo(em_4_dias)].detalhe == (
        "Vence em 24/11/2026 (daqui a 4 dias), R$ 1.234,56, e ainda aguarda aprovação."
    )
    assert por_processo[url_processo(vencida)].detalhe == (
        "Venceu em 18/11/2026 (há 2 dias), R$ 1.234,56, e ainda aguarda aprovação."
    )
    assert por_processo[url_processo(hoje_vence)].detalhe == (
        "Vence hoje, 20/11/2026, R$ 1.234,56, e ainda aguarda aprovação."
    )
    cliente = em_4_dias.cliente
    assert por_processo[url_processo(em_4_dias)].titulo == f"{cliente} ({cliente.operadora.nome}) · 11/2026"

    # A corrected due date is a new alert; more days in the admin bring the far one in.
    Processo.objects.filter(pk=em_4_dias.pk).update(vencimento=dt.date(2026, 11, 23))
    assert vencimentos_proximos_alertar(hoje=hoje) == 1
    configuracao.dias_vencimento = 10
    configuracao.save()
    assert vencimentos_proximos_alertar(hoje=hoje) == 1
    assert EventoDeAlerta.objects.filter(caminho=url_processo(longe)).count() == 1


def test_dias_do_vencimento_comecam_pelos_do_painel(settings):
    settings.BRM_PAINEL_VENCIMENTO_DIAS = 7

    assert configuracao_alertas_obter().dias_vencimento == 7
