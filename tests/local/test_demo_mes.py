"""The demo month of `seed_demo`: every state, reached through the real services and the robot simulator."""

import hashlib
import io
import socket

import pytest
from django.core.management import call_command

from brm.local.mes_demo import MOTIVO_REJEICAO
from brm.rpa.selectors import configuracao_rpa_obter
from processos.models import Execucao, ExecucaoEvento, ExecucaoLog, Processo, ProcessoEvento
from processos.regras import TRANSICOES
from processos.services import competencia_atual
from tests.conftest import porta_fechada

# Real commits: each service commits its steps and queues the next after commit, as in production.
# serialized_rollback: the flush after these tests would otherwise drop the role groups made by migrations.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

S = Processo.Status
E = Execucao.Status


@pytest.fixture
def porta_do_simulador(media) -> int:
    """The robot API as `make run` configures it, the local simulator, on a port nobody uses."""
    porta = porta_fechada()
    configuracao = configuracao_rpa_obter()
    configuracao.url_base, configuracao.token = f"http://127.0.0.1:{porta}", "simulador-token"
    configuracao.save()
    return porta


def _seed() -> str:
    saida = io.StringIO()
    call_command("seed_demo", stdout=saida)
    return saida.getvalue()


def _em_ordem(eventos) -> list:
    return list(eventos.order_by("quando", "created_at").values_list("de", "para"))


def test_seed_demo_deixa_um_mes_com_todas_as_situacoes(porta_do_simulador):
    saida = _seed()

    do_mes = Processo.objects.filter(competencia=competencia_atual())
    assert {status for status in S.values if do_mes.filter(status=status).exists()} == set(S.values)
    assert do_mes.filter(status=S.AGUARDANDO_APROVACAO).count() >= 3
    execucoes = Execucao.objects.filter(processo__competencia=competencia_atual())
    assert {E.SUCESSO, E.FALHA, E.PENDENTE, E.CANCELADA} <= set(execucoes.values_list("status", flat=True))
    assert "Mês de demonstração" in saida and "Aguardando aprovação" in saida


def test_falhas_da_demonstracao_sao_as_do_robo_com_frases_acionaveis(porta_do_simulador):
    _seed()

    download = Execucao.objects.get(tipo=Execucao.Tipo.DOWNLOAD_FATURA, status=E.FALHA)
    assert download.resultado["codigo"] == "LOGIN_INVALIDO"
    assert "Corrija o login e a senha" in download.erro
    assert download.processo.status == S.AGUARDANDO_DOWNLOAD
    envio = Execucao.objects.get(tipo=Execucao.Tipo.UPLOAD_SAT, status=E.FALHA)
    assert envio.processo.status == S.AGUARDANDO_ENVIO_SAT
    # A failure that may pass: its automatic re-run waits in the queue.
    reexecucao = Execucao.objects.get(anterior=envio)
    assert (reexecucao.status, reexecucao.origem, reexecucao.tentativa) == (E.PENDENTE, Execucao.Origem.AUTOMATICA, 2)
    assert reexecucao.proxima_tentativa_em is not None


def test_faturas_vieram_do_simulador_e_o_sat_deu_protocolo(porta_do_simulador):
    _seed()

    enviados = Processo.objects.filter(status=S.UPLOAD_REALIZADO)
    assert enviados.exists()
    assert all(processo.protocolo_sat for processo in enviados)
    for processo in Processo.objects.filter(status__in=[S.AGUARDANDO_APROVACAO, S.AGUARDANDO_ENVIO_SAT]):
        with processo.fatura.open("rb") as arquivo:
            conteudo = arquivo.read()
        assert conteudo.startswith(b"%PDF-")
        assert hashlib.sha256(conteudo).hexdigest() == processo.fatura_sha256
        assert processo.valor_total is not None and processo.vencimento is not None
    # The robot's own log lines, read by the poll.
    assert ExecucaoLog.objects.filter(execucao__status=E.SUCESSO).exists()
    assert ProcessoEvento.objects.filter(motivo=MOTIVO_REJEICAO, para=S.AGUARDANDO_DOWNLOAD).count() == 1
    manual = ProcessoEvento.objects.get(para=S.AGUARDANDO_APROVACAO, por__email="operador@brm.local")
    assert manual.processo.status == S.AGUARDANDO_APROVACAO


def test_cada_mudanca_de_situacao_tem_sua_linha_de_historico(porta_do_simulador):
    _seed()

    mudados = Processo.objects.exclude(status=S.AGUARDANDO_DOWNLOAD) | Processo.objects.filter(eventos__isnull=False)
    assert mudados.distinct().count() >= 9
    for processo in mudados.distinct():
        passos = _em_ordem(processo.eventos)
        # Created by the monthly INSERT ... SELECT, waiting for their download; every step after that is recorded.
        assert passos[0][0] == S.AGUARDANDO_DOWNLOAD, processo
        assert all(anterior[1] == seguinte[0] for anterior, seguinte in zip(passos, passos[1:], strict=False))
        assert all(para in TRANSICOES[de] for de, para in passos)
        assert passos[-1][1] == processo.status
    for execucao in Execucao.objects.all():
        passos = _em_ordem(execucao.eventos)
        assert passos[0] == ("", E.PENDENTE), execucao
        assert all(anterior[1] == seguinte[0] for anterior, seguinte in zip(passos, passos[1:], strict=False))
        assert passos[-1][1] == execucao.status
    assert ExecucaoEvento.objects.filter(para=E.EM_EXECUCAO).count() == Execucao.objects.exclude(job_id="").count()


def test_seed_demo_rodado_de_novo_nao_refaz_o_mes(porta_do_simulador):
    _seed()
    antes = (Execucao.objects.count(), ExecucaoEvento.objects.count(), ProcessoEvento.objects.count())

    saida = _seed()

    assert (Execucao.objects.count(), ExecucaoEvento.objects.count(), ProcessoEvento.objects.count()) == antes
    assert "O mês de demonstração já tem trabalhos de robô: nada a refazer." in saida


def test_com_a_porta_do_simulador_ocupada_cria_so_os_cadastros(porta_do_simulador):
    with socket.socket() as ocupante:
        ocupante.bind(("127.0.0.1", porta_do_simulador))
        ocupante.listen()

        saida = _seed()

    assert f"A porta {porta_do_simulador} do simulador está ocupada" in saida
    assert Processo.objects.exists()
    assert not Execucao.objects.exists()
    assert not ProcessoEvento.objects.exists()


def test_api_de_robos_de_verdade_nunca_recebe_trabalhos_da_demonstracao(media):
    configuracao = configuracao_rpa_obter()
    configuracao.url_base, configuracao.token = "https://robos.brm.exemplo.com.br", "token-de-verdade"
    configuracao.save()

    saida = _seed()

    assert "não é o simulador local" in saida
    assert not Execucao.objects.exists()
