"""A schedule fired by a real beat (DatabaseScheduler) and run by a real worker, both as subprocesses on Redis."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from agendamentos.models import Agendamento, AgendamentoExecucao
from agendamentos.services import agendamento_criar, agendamento_solicitar_execucao
from processos.models import Processo
from tests.conftest import esperar
from tests.factories import ClienteFactory

from .conftest import Processos

# serialized_rollback: the flush after these tests would otherwise drop the role groups made by migrations.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FUSO = "America/Sao_Paulo"
# Beat needs a few seconds to start and read the schedule; a minute closer than this is left for the next.
FOLGA_PARA_SUBIR = dt.timedelta(seconds=12)
VOLTA_DO_BEAT = "beat: Waking up"


def beat_do_banco(processos: Processos):
    """Beat as in production: the DatabaseScheduler reads the PeriodicTask rows our services write. At DEBUG, each
    tick of its loop is a line of its log ("beat: Waking up ...")."""
    return processos._iniciar(
        "beat",
        "beat",
        "--loglevel",
        "DEBUG",
        "--scheduler",
        "django_celery_beat.schedulers:DatabaseScheduler",
        "--max-interval",
        "1",
    )


def proximo_minuto(fuso: str) -> dt.datetime:
    agora = dt.datetime.now(ZoneInfo(fuso))
    alvo = agora.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    if alvo - agora < FOLGA_PARA_SUBIR:
        alvo += dt.timedelta(minutes=1)
    return alvo


def test_beat_dispara_o_agendamento_devido_e_o_worker_grava_uma_execucao(celery_processos):
    ClienteFactory.create_batch(3)
    alvo = proximo_minuto(FUSO)
    # Only that minute of that day: a second fire would need another year.
    agendamento = agendamento_criar(
        por=None,
        nome="Criar processos do mês",
        tipo=Agendamento.Tipo.CRIAR_PROCESSOS_MENSAIS,
        expressao_cron=f"{alvo.minute} {alvo.hour} {alvo.day} {alvo.month} *",
        fuso_horario=FUSO,
        parametros={},
        ativo=True,
    )
    assert agendamento.proxima_execucao == alvo.astimezone(dt.UTC)
    celery_processos.worker(concorrencia=2)
    beat = beat_do_banco(celery_processos)

    espera = (alvo - dt.datetime.now(dt.UTC)).total_seconds() + 30
    esperar(
        lambda: AgendamentoExecucao.objects.filter(status=AgendamentoExecucao.Status.SUCESSO).exists(),
        prazo=espera,
        detalhe=celery_processos.situacao,
        intervalo=0.2,
        descricao="a execução do agendamento disparado pelo beat",
    )
    # A duplicate fire would come within beat's next ticks, once it has reloaded the schedule the run changed.
    voltas = celery_processos.log(beat).count(VOLTA_DO_BEAT)
    esperar(
        lambda: celery_processos.log(beat).count(VOLTA_DO_BEAT) >= voltas + 3,
        prazo=15,
        descricao="três voltas do beat depois da execução",
        detalhe=celery_processos.situacao,
        intervalo=0.2,
    )

    assert celery_processos.log(beat).count(f"Sending due task agendamento:{agendamento.pk}") == 1
    execucao = AgendamentoExecucao.objects.get()
    assert execucao.status == AgendamentoExecucao.Status.SUCESSO
    assert execucao.solicitado_por is None
    assert execucao.resultado["criados"] == 3
    atraso = (execucao.inicio - alvo).total_seconds()
    assert 0 <= atraso < 10, f"começou {atraso:.1f} s depois do horário"
    agendamento.refresh_from_db()
    assert (agendamento.total_execucoes, agendamento.total_sucessos, agendamento.total_falhas) == (1, 1, 0)
    assert agendamento.ultima_execucao == execucao.inicio
    assert agendamento.proxima_execucao > alvo
    assert Processo.objects.count() == 3


def test_executar_agora_chega_ao_worker_pelo_nome_da_tarefa(celery_processos, admin_user):
    """The service queues by the task's registered name; a real worker must know that name and run it."""
    ClienteFactory.create_batch(2)
    agendamento = agendamento_criar(
        por=None,
        nome="Criar processos do mês",
        tipo=Agendamento.Tipo.CRIAR_PROCESSOS_MENSAIS,
        expressao_cron="0 0 1 * *",
        fuso_horario=FUSO,
        parametros={},
        ativo=False,
    )
    celery_processos.worker(concorrencia=1)

    agendamento_solicitar_execucao(agendamento=agendamento, por=admin_user)

    esperar(
        lambda: AgendamentoExecucao.objects.exclude(status=AgendamentoExecucao.Status.EM_EXECUCAO).exists(),
        prazo=60,
        detalhe=celery_processos.situacao,
        descricao="a execução pedida com “Executar agora”",
    )
    execucao = AgendamentoExecucao.objects.get()
    assert execucao.status == AgendamentoExecucao.Status.SUCESSO
    assert execucao.solicitado_por == admin_user
    assert Processo.objects.count() == 2
