"""The whole month with a real worker, beat, Redis and the simulator as a real server."""

import pytest

from brm.usuarios.models import Usuario
from processos.models import Execucao, Processo
from processos.services import execucoes_solicitar_downloads, processo_aprovar, processos_criar_mensais
from tests.conftest import esperar
from tests.factories import ClienteFactory, OperadoraFactory, UsuarioFactory

# serialized_rollback: the flush after these tests would otherwise drop the role groups made by migrations.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

S = Processo.Status


def _status():
    return set(Processo.objects.values_list("status", flat=True))


def test_mes_inteiro_vai_do_download_ao_sat_respeitando_os_limites(celery_processos, simulador, configuracao_rpa):
    vivo = OperadoraFactory(codigo="vivo", max_execucoes_simultaneas=2)
    tim = OperadoraFactory(codigo="tim", max_execucoes_simultaneas=1)
    ClienteFactory.create_batch(5, operadora=vivo)
    ClienteFactory.create_batch(3, operadora=tim)
    aprovador = UsuarioFactory(papel=Usuario.Papel.APROVADOR)
    resultado = processos_criar_mensais()
    celery_processos.worker()
    celery_processos.beat()

    solicitacao = execucoes_solicitar_downloads(por=None, competencia=resultado.competencia)

    assert solicitacao.enfileiradas == 8
    esperar(
        lambda: _status() == {S.AGUARDANDO_APROVACAO},
        prazo=90,
        detalhe=celery_processos.situacao,
        intervalo=0.2,
        descricao="todas as faturas baixadas",
    )
    for processo in Processo.objects.all():
        assert processo.fatura_sha256 and processo.valor_total and processo.vencimento
        assert processo.fatura.open("rb").read(5) == b"%PDF-"
        processo_aprovar(processo=processo, por=aprovador)
    esperar(
        lambda: _status() == {S.UPLOAD_REALIZADO},
        prazo=90,
        detalhe=celery_processos.situacao,
        intervalo=0.2,
        descricao="todas as faturas enviadas ao SAT",
    )
    assert all(p.protocolo_sat.startswith("SAT-") for p in Processo.objects.all())
    assert set(Execucao.objects.values_list("status", flat=True)) == {Execucao.Status.SUCESSO}
    assert Execucao.objects.count() == 16
    estatisticas = simulador.estatisticas()
    assert estatisticas["max_simultaneos"] <= configuracao_rpa.limite_global
    assert estatisticas["max_simultaneos_por_robo"]["vivo"] <= 2
    assert estatisticas["max_simultaneos_por_robo"]["tim"] <= 1
    assert set(estatisticas["jobs_por_referencia"].values()) == {1}
    # Every execution kept its log lines, each once, and its whole history, one row per status change.
    E = Execucao.Status
    for execucao in Execucao.objects.all():
        seqs = list(execucao.logs.values_list("seq", flat=True))
        assert seqs and seqs == sorted(set(seqs))
        assert list(execucao.eventos.order_by("quando").values_list("de", "para")) == [
            ("", E.PENDENTE),
            (E.PENDENTE, E.ENVIANDO),
            (E.ENVIANDO, E.EM_EXECUCAO),
            (E.EM_EXECUCAO, E.SUCESSO),
        ]


def test_worker_morto_com_sigkill_nao_perde_nem_duplica_trabalhos(celery_processos, simulador, configuracao_rpa):
    simulador.configurar(duracao=3.0)
    operadora = OperadoraFactory(codigo="claro", max_execucoes_simultaneas=3)
    ClienteFactory.create_batch(6, operadora=operadora)
    processos_criar_mensais()
    worker = celery_processos.worker()
    celery_processos.beat()

    execucoes_solicitar_downloads(por=None)
    esperar(
        lambda: Execucao.objects.filter(status=Execucao.Status.EM_EXECUCAO).count() >= 2,
        prazo=30,
        detalhe=celery_processos.situacao,
        intervalo=0.2,
        descricao="trabalhos em execução antes de matar o worker",
    )
    celery_processos.matar(worker)
    celery_processos.worker()

    esperar(
        lambda: not Execucao.objects.filter(status__in=Execucao.ATIVOS).exists(),
        prazo=120,
        detalhe=celery_processos.situacao,
        intervalo=0.2,
        descricao="todas as execuções em situação final depois do novo worker",
    )
    assert set(Execucao.objects.values_list("status", flat=True)) == {Execucao.Status.SUCESSO}
    assert _status() == {S.AGUARDANDO_APROVACAO}
    assert set(simulador.estatisticas()["jobs_por_referencia"].values()) == {1}
    assert simulador.estatisticas()["jobs"] == 6
