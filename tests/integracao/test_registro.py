"""What a worker and beat at INFO write while robot jobs run: the jobs, not the routine polling."""

import re

import pytest

from brm.usuarios.models import Usuario
from processos.models import Processo
from processos.services import execucoes_solicitar_downloads, processo_aprovar, processos_criar_mensais
from tests.conftest import esperar
from tests.factories import ClienteFactory, OperadoraFactory, UsuarioFactory

# serialized_rollback: the flush after these tests would otherwise drop the role groups made by migrations.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROTINA = re.compile(r"processos\.(acompanhar_execucoes|despachar_execucoes|enviar_execucao)\[|Sending due task rpa-")


def test_worker_e_beat_em_info_mostram_os_trabalhos_e_nao_a_rotina(celery_processos, simulador, configuracao_rpa):
    ClienteFactory.create_batch(2, operadora=OperadoraFactory(codigo="vivo"))
    competencia = processos_criar_mensais().competencia
    worker = celery_processos.worker()
    beat = celery_processos.beat()

    execucoes_solicitar_downloads(por=None, competencia=competencia)
    esperar(
        lambda: set(Processo.objects.values_list("status", flat=True)) == {Processo.Status.AGUARDANDO_APROVACAO},
        prazo=60,
        intervalo=0.2,
        detalhe=celery_processos.situacao,
        descricao="as duas faturas baixadas",
    )
    # The jobs were dispatched, sent and followed by those tasks, so each of them ran in this worker: without the
    # filter of brm/celery.py their "received" and "succeeded" lines would be in its log.
    assert all(simulador.leituras_de_situacao().values()) and len(simulador.leituras_de_situacao()) == 2

    processo_aprovar(processo=Processo.objects.first(), por=UsuarioFactory(papel=Usuario.Papel.APROVADOR))
    esperar(
        lambda: Processo.objects.filter(status=Processo.Status.UPLOAD_REALIZADO).exists(),
        prazo=60,
        intervalo=0.2,
        detalhe=celery_processos.situacao,
        descricao="a fatura aprovada enviada ao SAT",
    )

    # The line of a finished job is written after its commit: give it the moment it takes.
    esperar(
        lambda: "concluída: o SAT deu o protocolo SAT-" in celery_processos.log(worker),
        prazo=10,
        descricao="a linha do envio ao SAT concluído no log do worker",
    )
    log_worker, log_beat = celery_processos.log(worker), celery_processos.log(beat)
    assert log_worker.count("aceitou o trabalho") == 3, log_worker
    assert log_worker.count("concluída: o SAT deu o protocolo SAT-") == 1, log_worker
    assert log_worker.count("concluída: fatura recebida, aguarda aprovação") == 2, log_worker
    assert "beat: Starting..." in log_beat
    assert not ROTINA.findall(log_worker + log_beat), log_worker + log_beat
