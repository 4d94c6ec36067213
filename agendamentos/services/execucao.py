"""One run of a schedule: claimed so that it never overlaps the previous one, then recorded as it really went.

History and counters are written here, by the worker that does the work, not by beat: beat's own
`total_run_count` counts messages sent, including ones nobody ran.
"""

import datetime as dt
import json
import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from brm.common.errors import ErroDeNegocio
from brm.usuarios.models import Usuario

from ..cron import proxima_execucao
from ..fila import agendamento_enfileirar
from ..limites import EXECUCAO_PRESA_APOS
from ..models import Agendamento, AgendamentoExecucao
from ..tipos import tipo_obter

logger = logging.getLogger(__name__)

E = AgendamentoExecucao.Status
# EXECUCAO_PRESA_APOS is above the task's hard time limit (limites.py): a run still EM_EXECUCAO after it lost
# its worker (killed, machine restarted) and would otherwise block its schedule forever.
ERRO_INTERROMPIDA = (
    "Execução interrompida: o processo que a rodava parou sem registrar o fim (worker reiniciado ou encerrado). "
    "Veja o log do worker; a próxima execução segue normalmente."
)


def agendamento_solicitar_execucao(*, agendamento: Agendamento, por: Usuario) -> None:
    """“Executar agora”: queue the same task beat fires, once this transaction commits."""
    if not por.has_perm("agendamentos.change_agendamento"):
        raise ErroDeNegocio("Você não tem permissão para executar agendamentos.", codigo=ErroDeNegocio.PERMISSAO)
    agendamento_id, usuario_id = str(agendamento.pk), str(por.pk)
    transaction.on_commit(lambda: agendamento_enfileirar(agendamento_id=agendamento_id, solicitado_por_id=usuario_id))


def agendamento_executar(
    *,
    agendamento: Agendamento,
    por: Usuario | None = None,
    agora: dt.datetime | None = None,
    manual: bool | None = None,
) -> AgendamentoExecucao | None:
    """Run the schedule's type now and record the run; None (and nothing recorded) when it does not start.

    It does not start when the previous run of this schedule is still going, when the schedule was deleted,
    or when it is switched off and this is beat firing it (`manual` false). A person (`por`, or `manual`
    from the command line) may run a switched-off schedule.
    """
    manual = por is not None if manual is None else manual
    agora = agora or timezone.now()
    execucao = _reivindicar(agendamento_id=agendamento.pk, por=por, agora=agora, manual=manual)
    if execucao is None:
        return None
    agendamento = execucao.agendamento
    try:
        resultado = tipo_obter(agendamento.tipo).executar(
            parametros=agendamento.parametros, agora=agora, fuso=agendamento.fuso_horario, por=por
        )
    except ErroDeNegocio as erro:
        return _concluir(execucao, status=E.FALHA, erro=erro.mensagem)
    except SoftTimeLimitExceeded:
        return _concluir(
            execucao,
            status=E.FALHA,
            erro="A execução passou do tempo limite e foi interrompida; o que já tinha feito ficou feito.",
        )
    except Exception as exc:
        logger.exception("Agendamento %s (%s): falha inesperada", agendamento.nome, agendamento.pk)
        return _concluir(
            execucao,
            status=E.FALHA,
            erro=f"Erro inesperado ({type(exc).__name__}: {exc}). Veja o log do worker para os detalhes.",
        )
    return _concluir(execucao, status=E.SUCESSO, resultado=resultado)


def _reivindicar(
    *, agendamento_id, por: Usuario | None, agora: dt.datetime, manual: bool
) -> AgendamentoExecucao | None:
    # One transaction that first locks the schedule's row: two fires at once (beat plus a person, or a
    # message delivered twice) take turns here, and the second sees the first one's EM_EXECUCAO row.
    # PostgreSQL locks with FOR UPDATE; SQLite's IMMEDIATE transactions already serialise writers.
    with transaction.atomic():
        agendamento = Agendamento.objects.select_for_update().filter(pk=agendamento_id).first()
        if agendamento is None:
            logger.info("Agendamento %s não existe mais: nada a executar.", agendamento_id)
            return None
        if not agendamento.ativo and not manual:
            logger.info("Agendamento %s está desativado: o disparo do agendador foi ignorado.", agendamento.nome)
            return None
        presas = AgendamentoExecucao.objects.filter(
            agendamento=agendamento, status=E.EM_EXECUCAO, inicio__lt=agora - EXECUCAO_PRESA_APOS
        ).update(status=E.FALHA, fim=agora, erro=ERRO_INTERROMPIDA)
        if presas:
            Agendamento.objects.filter(pk=agendamento.pk).update(total_falhas=F("total_falhas") + presas)
        if AgendamentoExecucao.objects.filter(agendamento=agendamento, status=E.EM_EXECUCAO).exists():
            logger.info(
                "Agendamento %s: a execução anterior ainda está em andamento; esta não foi iniciada.", agendamento.nome
            )
            return None
        execucao = AgendamentoExecucao.objects.create(
            agendamento=agendamento, inicio=agora, status=E.EM_EXECUCAO, solicitado_por=por
        )
        Agendamento.objects.filter(pk=agendamento.pk).update(
            total_execucoes=F("total_execucoes") + 1, ultima_execucao=agora
        )
    return execucao


def _json(resultado) -> dict:
    # Dates and decimals in a type's counters must not turn a successful run into a failure to record it.
    dados = json.loads(json.dumps(resultado or {}, cls=DjangoJSONEncoder))
    return dados if isinstance(dados, dict) else {"resultado": dados}


@transaction.atomic
def _concluir(
    execucao: AgendamentoExecucao, *, status: str, resultado: dict | None = None, erro: str = ""
) -> AgendamentoExecucao:
    fim = timezone.now()
    resultado = _json(resultado)
    # Conditional: a run marked interrupted meanwhile (it took longer than EXECUCAO_PRESA_APOS) already
    # counted as a failure, and must not count twice.
    gravada = AgendamentoExecucao.objects.filter(pk=execucao.pk, status=E.EM_EXECUCAO).update(
        status=status, fim=fim, resultado=resultado, erro=erro
    )
    agendamento = Agendamento.objects.filter(pk=execucao.agendamento_id).first()
    if gravada and agendamento is not None:
        contador = "total_sucessos" if status == E.SUCESSO else "total_falhas"
        proxima = (
            proxima_execucao(agendamento.expressao_cron, agendamento.fuso_horario, fim) if agendamento.ativo else None
        )
        Agendamento.objects.filter(pk=agendamento.pk).update(
            **{contador: F(contador) + 1}, proxima_execucao=proxima.astimezone(dt.UTC) if proxima else None
        )
        duracao = (fim - execucao.inicio).total_seconds()
        if status == E.SUCESSO:
            logger.info("Agendamento “%s” executado com sucesso em %.1f s.", agendamento.nome, duracao)
        else:
            logger.info("Agendamento “%s” falhou depois de %.1f s: %s", agendamento.nome, duracao, erro)
    elif agendamento is None:
        logger.info("O agendamento da execução %s foi excluído enquanto ela rodava; nada foi gravado.", execucao.pk)
    else:
        logger.warning(
            "Execução %s já tinha sido encerrada como interrompida; o resultado não foi gravado.", execucao.pk
        )
        execucao.refresh_from_db()
        return execucao
    # What the run did, also when its row went with the schedule: the command line prints it.
    execucao.status, execucao.fim, execucao.resultado, execucao.erro = status, fim, resultado, erro
    return execucao
