"""Following jobs at the robot: status and new log lines of every running job, each finished when it ends.

Only GETs reach the robot here, so a poll that runs twice is harmless; the lease keeps two from
running at once anyway.
"""

import datetime as dt
import logging
import time
from dataclasses import dataclass, replace

from django.db import transaction
from django.utils import timezone

from brm.common.registro import contexto_execucao
from brm.rpa.api_robos import ErroRPA, JobNaoEncontrado
from brm.rpa.models import ConfiguracaoRPA
from brm.rpa.selectors import configuracao_rpa_obter

from ..models import Execucao, ExecucaoLog
from . import filas
from .ao_vivo import execucao_logs_publicar
from .conclusao import execucao_concluir, execucao_falhar_e_despachar
from .despacho import execucao_liberar_robo_e_despachar, execucoes_despachar
from .falha import reexecucao_automatica_em
from .robo import api_da_execucao, execucao_cancelar_no_robo

logger = logging.getLogger(__name__)

E = Execucao.Status
# Status is read at every poll (to free slots quickly); log lines at most this often per job (seconds),
# which is live enough for a person and halves the requests to the robot API. A job's last lines are
# always read when it ends.
INTERVALO_LOGS = 1.0
_logs_lidos_em: dict = {}
# How long one poll task goes on with its rounds before handing over to the next (seconds): well inside its
# time limit and the lease.
DURACAO_RODADAS = 20.0


@dataclass
class ResultadoAcompanhamento:
    acompanhadas: int = 0
    concluidas: int = 0
    falhas: int = 0
    linhas_de_log: int = 0


def execucoes_acompanhar_ciclo(*, duracao_maxima: float = DURACAO_RODADAS) -> int | None:
    """The poll task: rounds of following every job at the robot, each followed by a dispatch, at the configured
    pace, for as long as jobs run (at most `duracao_maxima` seconds; then the next poll is queued).

    Rounds run inside one task instead of one task per round: no message waits in Redis with a countdown
    (a worker holds those unacknowledged, and restoring them after a Redis restart has crashed workers),
    and a burst of short tasks costs the worker more than a loop. None when another poll holds the lease;
    otherwise the number of rounds.
    """
    rodadas = 0
    inicio = time.monotonic()
    with filas.lease_acompanhamento() as lease:
        if lease is None:
            return None
        while True:
            comeco = time.monotonic()
            configuracao = configuracao_rpa_obter()
            resultado = execucoes_acompanhar(configuracao=configuracao)
            execucoes_despachar()
            rodadas += 1
            # Each job that ended says so itself (conclusao, falha): a round is routine.
            logger.debug(
                "Acompanhamento: %d em execução, %d concluídas, %d falhas, %d linhas de log em %.0f ms",
                resultado.acompanhadas,
                resultado.concluidas,
                resultado.falhas,
                resultado.linhas_de_log,
                (time.monotonic() - comeco) * 1000,
            )
            intervalo = configuracao.intervalo_polling_ms / 1000
            # Jobs only BRM let go of are asked about at beat's pace; rounds go on while some are at the robot.
            if not Execucao.objects.filter(status__in=Execucao.NO_ROBO).exists():
                return rodadas
            if time.monotonic() - inicio + intervalo > duracao_maxima:
                break
            filas.lease_renovar(lease)
            # Counted from the start of this round, so a slow round does not stretch the period.
            time.sleep(max(0.0, intervalo - (time.monotonic() - comeco)))
    # Jobs still run: the next poll goes on at once, in a task of its own.
    filas.acompanhamento_agendar(forcar=True)
    return rodadas


def execucoes_acompanhar(*, configuracao: ConfiguracaoRPA | None = None) -> ResultadoAcompanhamento:
    """Read status and new log lines of every running job, finish the ones that ended; ask, at a slower pace,
    about the jobs BRM stopped following while the robot may still run them. Only GETs: harmless twice."""
    configuracao = configuracao or configuracao_rpa_obter()
    resultado = ResultadoAcompanhamento()
    agora = timezone.now()
    limite = agora - dt.timedelta(seconds=configuracao.timeout_execucao_segundos)
    em_execucao = Execucao.objects.filter(status=E.EM_EXECUCAO).select_related(
        "processo__cliente__operadora", "solicitado_por"
    )
    execucoes = list(em_execucao.order_by("enviado_em"))
    resultado.acompanhadas = len(execucoes)
    for execucao in execucoes:
        # Each job's lines (its end, its failure, a robot that did not answer) name it in the logs.
        with contexto_execucao(execucao.pk):
            fim = _acompanhar_item(execucao, configuracao, limite, resultado)
        if fim == E.SUCESSO:
            resultado.concluidas += 1
        elif fim == E.FALHA:
            resultado.falhas += 1
    _acompanhar_deixadas(configuracao, agora)
    return resultado


def _acompanhar_item(
    execucao: Execucao, configuracao: ConfiguracaoRPA, limite: dt.datetime, resultado: ResultadoAcompanhamento
) -> str:
    """One running job: fail it past the time limit, otherwise read it and finish it if it ended."""
    # Counted from when the robot confirmed the job (a send may have waited for an answer before that).
    if (execucao.iniciado_em or execucao.enviado_em or limite) < limite:
        prazo = _duracao(configuracao.timeout_execucao_segundos)
        # BRM stops waiting, the robot does not: the job keeps its slot until the robot reports its end.
        if execucao_falhar_e_despachar(
            execucao,
            f"O robô não terminou o trabalho em {prazo}; o BRM deixou de esperar por ele. O trabalho segue no "
            "robô até terminar e continua contando no limite.",
            codigo="TEMPO_ESGOTADO",
            de=E.EM_EXECUCAO,
            robo_ocupado=True,
            robo_consultado_em=timezone.now(),
        ):
            execucao_cancelar_no_robo(execucao)
            return E.FALHA
        return execucao.status
    try:
        return _acompanhar_uma(execucao, configuracao, resultado)
    except ErroRPA as erro:
        logger.warning("Execução %s: não foi possível ler a situação no robô: %s", execucao.pk, erro)
        return E.EM_EXECUCAO


def _acompanhar_deixadas(configuracao: ConfiguracaoRPA, agora: dt.datetime) -> None:
    """Jobs BRM stopped following: freed when the robot reports their end (or no longer knows them), or when
    the ceiling passes, and then the execution says that someone must look at the robot."""
    teto = dt.timedelta(minutes=configuracao.teto_ocupacao_minutos)
    ritmo = dt.timedelta(milliseconds=max(1000, configuracao.intervalo_polling_ms * 5))
    deixadas = Execucao.objects.filter(robo_ocupado=True).select_related(
        "processo__cliente__operadora", "solicitado_por"
    )
    for execucao in deixadas:
        with contexto_execucao(execucao.pk):
            _acompanhar_deixada(execucao, configuracao, agora, teto, ritmo)
    # A send that never got an answer: after the ceiling a person must look at the robot before running it again.
    sem_resposta = Execucao.objects.filter(status=E.ENVIANDO, envio_incerto=True, enviado_em__lte=agora - teto)
    for execucao in sem_resposta:
        with contexto_execucao(execucao.pk):
            execucao_falhar_e_despachar(
                execucao,
                f"O robô não confirmou nem negou o trabalho em {_duracao(int(teto.total_seconds()))} de novas "
                "tentativas; a vaga foi liberada. Confira no robô se o trabalho existe antes de reexecutar.",
                codigo="SEM_RESPOSTA",
                de=E.ENVIANDO,
                envio_incerto=False,
            )


def _acompanhar_deixada(
    execucao: Execucao, configuracao: ConfiguracaoRPA, agora: dt.datetime, teto: dt.timedelta, ritmo: dt.timedelta
) -> None:
    """One of the jobs `_acompanhar_deixadas` asks about."""
    desde = execucao.finalizado_em or execucao.enviado_em or execucao.criado_em
    if desde + teto <= agora:
        _liberar_por_teto(execucao, configuracao)
        return
    if not execucao.job_id or (execucao.robo_consultado_em and execucao.robo_consultado_em > agora - ritmo):
        return
    try:
        estado = api_da_execucao(execucao, configuracao).job(execucao.job_id)
    except JobNaoEncontrado:
        execucao_liberar_robo_e_despachar(
            execucao, "O robô não conhece mais o trabalho: a vaga foi liberada.", robo_consultado_em=agora
        )
        return
    except ErroRPA as erro:
        logger.warning("Execução %s: não foi possível perguntar ao robô pelo trabalho: %s", execucao.pk, erro)
        Execucao.objects.filter(pk=execucao.pk).update(robo_consultado_em=agora)
        return
    if estado.final:
        execucao_liberar_robo_e_despachar(
            execucao,
            f"O robô terminou o trabalho ({estado.status}): a vaga foi liberada.",
            robo_consultado_em=agora,
        )
    else:
        Execucao.objects.filter(pk=execucao.pk).update(robo_consultado_em=agora)


def _liberar_por_teto(execucao: Execucao, configuracao: ConfiguracaoRPA) -> None:
    prazo = _duracao(configuracao.teto_ocupacao_minutos * 60)
    aviso = (
        f"Passaram {prazo} sem o robô dizer que o trabalho terminou: a vaga foi liberada. "
        "Confira no robô se ele ainda está rodando."
    )
    erro = f"{execucao.erro} {aviso}".strip()
    if execucao_liberar_robo_e_despachar(execucao, aviso, erro=erro, robo_consultado_em=timezone.now()):
        logger.warning("Execução %s: %s", execucao.pk, aviso)


def _duracao(segundos: int) -> str:
    # Whole minutes read as minutes; anything else in seconds, so a short limit is never "0 minutos".
    if segundos >= 60 and segundos % 60 == 0:
        minutos = segundos // 60
        return "1 minuto" if minutos == 1 else f"{minutos} minutos"
    return "1 segundo" if segundos == 1 else f"{segundos} segundos"


def _acompanhar_uma(execucao: Execucao, configuracao: ConfiguracaoRPA, resultado: ResultadoAcompanhamento) -> str:
    api = api_da_execucao(execucao, configuracao)
    try:
        estado = api.job(execucao.job_id)
    except JobNaoEncontrado:
        return _job_perdido(execucao)
    agora = time.monotonic()
    if estado.final or agora - _logs_lidos_em.get(execucao.pk, 0.0) >= INTERVALO_LOGS:
        deslocamento = execucao.log_deslocamento
        linhas = api.logs(execucao.job_id, desde=execucao.log_proximo_seq - deslocamento)
        if deslocamento:
            linhas = [replace(linha, seq=linha.seq + deslocamento) for linha in linhas]
        resultado.linhas_de_log += execucao_registrar_logs(execucao=execucao, linhas=linhas)
        _logs_lidos_em[execucao.pk] = agora
    if estado.final:
        _logs_lidos_em.pop(execucao.pk, None)
    if estado.status == "completed":
        return execucao_concluir(execucao, estado, api)
    if estado.status == "failed":
        codigo = estado.erro_codigo or "ERRO_INTERNO"
        mensagem = _mensagem_falha_robo(codigo, estado.erro_mensagem)
        falhou = execucao_falhar_e_despachar(execucao, mensagem, codigo=codigo, de=E.EM_EXECUCAO)
        return E.FALHA if falhou else execucao.status
    if estado.status == "cancelled":
        execucao_falhar_e_despachar(
            execucao, "O trabalho foi cancelado no robô.", codigo="CANCELADO_NO_ROBO", de=E.EM_EXECUCAO
        )
        return E.FALHA
    return E.EM_EXECUCAO


def _job_perdido(execucao: Execucao) -> str:
    """The robot no longer knows the job (it restarted and lost it). Sending the same referencia again would
    only adopt the lost job again: the execution fails now, and a re-run, if any, is a new referencia."""
    quando = reexecucao_automatica_em(execucao, "JOB_PERDIDO")
    if quando is not None:
        seguinte = (
            f"Uma nova tentativa, com outra referência, começa sozinha às "
            f"{timezone.localtime(quando):%H:%M} (ou use Reexecutar para tentar agora)."
        )
    else:
        seguinte = "Não haverá nova tentativa automática: use Reexecutar para pedir o trabalho de novo."
    mensagem = f"O robô perdeu este trabalho (não o encontra mais; ele pode ter sido reiniciado). {seguinte}"
    falhou = execucao_falhar_e_despachar(execucao, mensagem, codigo="JOB_PERDIDO", de=E.EM_EXECUCAO)
    return E.FALHA if falhou else execucao.status


def _mensagem_falha_robo(codigo: str, mensagem: str) -> str:
    base = {
        "LOGIN_INVALIDO": "O portal recusou o login do cliente. Corrija o login e a senha do portal no cadastro "
        "do cliente e reexecute.",
        "FATURA_INDISPONIVEL": "A fatura ainda não está disponível no portal.",
        "PORTAL_FORA_DO_AR": "O portal da operadora está fora do ar.",
    }.get(codigo, "O robô terminou com erro.")
    return f"{base} ({mensagem})" if mensagem else base


def execucao_registrar_logs(*, execucao: Execucao, linhas: list) -> int:
    """Store new log lines once each: (execucao, seq) is unique, repeats are dropped."""
    novas = [
        ExecucaoLog(
            execucao=execucao,
            seq=linha.seq,
            quando=linha.quando or timezone.now(),
            nivel=linha.nivel if linha.nivel in ExecucaoLog.Nivel.values else ExecucaoLog.Nivel.INFO,
            mensagem=linha.mensagem,
        )
        for linha in linhas
        if linha.seq >= execucao.log_proximo_seq
    ]
    if not novas:
        return 0
    proximo = max(linha.seq for linha in novas) + 1
    with transaction.atomic():
        ExecucaoLog.objects.bulk_create(novas, ignore_conflicts=True)
        Execucao.objects.filter(pk=execucao.pk, log_proximo_seq__lt=proximo).update(log_proximo_seq=proximo)
        execucao_logs_publicar(execucao_id=execucao.pk, linhas=novas)
    execucao.log_proximo_seq = proximo
    return len(novas)
