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

from brm.rpa.api_robos import ErroRPA, JobNaoEncontrado
from brm.rpa.models import ConfiguracaoRPA
from brm.rpa.selectors import configuracao_rpa_obter

from ..models import Execucao, ExecucaoLog
from . import filas
from .conclusao import execucao_concluir, execucao_falhar_e_despachar
from .despacho import execucao_tratar_erro_envio, execucoes_despachar
from .robo import api_da_execucao, execucao_cancelar_no_robo

logger = logging.getLogger(__name__)

E = Execucao.Status
# Status is read at every poll (to free slots quickly); log lines at most this often per job (seconds),
# which is live enough for a person and halves the requests to the robot API. A job's last lines are
# always read when it ends.
INTERVALO_LOGS = 1.0
_logs_lidos_em: dict = {}


@dataclass
class ResultadoAcompanhamento:
    acompanhadas: int = 0
    concluidas: int = 0
    falhas: int = 0
    linhas_de_log: int = 0


def execucoes_acompanhar_ciclo() -> ResultadoAcompanhamento | None:
    """One round of the poll task: follow every running job under the lease, dispatch, and, while jobs run,
    queue the next round at the configured pace (beat's periodic run is only the safety net).

    None when another poll holds the lease.
    """
    with filas.lease_acompanhamento() as obtido:
        if not obtido:
            return None
        inicio = time.monotonic()
        resultado = execucoes_acompanhar()
    logger.info(
        "Acompanhamento: %d em execução, %d concluídas, %d falhas, %d linhas de log em %.0f ms",
        resultado.acompanhadas,
        resultado.concluidas,
        resultado.falhas,
        resultado.linhas_de_log,
        (time.monotonic() - inicio) * 1000,
    )
    execucoes_despachar()
    if resultado.acompanhadas:
        filas.acompanhamento_agendar(
            configuracao_rpa_obter().intervalo_polling_ms,
            forcar=True,
            ja_passados_ms=(time.monotonic() - inicio) * 1000,
        )
    return resultado


def execucoes_acompanhar() -> ResultadoAcompanhamento:
    """Read status and new log lines of every running job, finish the ones that ended. Only GETs: harmless twice."""
    configuracao = configuracao_rpa_obter()
    resultado = ResultadoAcompanhamento()
    limite = timezone.now() - dt.timedelta(seconds=configuracao.timeout_execucao_segundos)
    em_execucao = Execucao.objects.filter(status=E.EM_EXECUCAO).select_related(
        "processo__cliente__operadora", "solicitado_por"
    )
    execucoes = list(em_execucao.order_by("enviado_em"))
    resultado.acompanhadas = len(execucoes)
    for execucao in execucoes:
        fim = _acompanhar_item(execucao, configuracao, limite, resultado)
        if fim == E.SUCESSO:
            resultado.concluidas += 1
        elif fim == E.FALHA:
            resultado.falhas += 1
    return resultado


def _acompanhar_item(
    execucao: Execucao, configuracao: ConfiguracaoRPA, limite: dt.datetime, resultado: ResultadoAcompanhamento
) -> str:
    """One running job: fail it past the time limit, otherwise read it and finish it if it ended."""
    if execucao.enviado_em and execucao.enviado_em < limite:
        prazo = _duracao(configuracao.timeout_execucao_segundos)
        if execucao_falhar_e_despachar(
            execucao,
            f"O robô não terminou o trabalho em {prazo}; ele foi dado como falho.",
            codigo="TEMPO_ESGOTADO",
            de=E.EM_EXECUCAO,
        ):
            execucao_cancelar_no_robo(execucao)
            return E.FALHA
        return execucao.status
    try:
        return _acompanhar_uma(execucao, configuracao, resultado)
    except ErroRPA as erro:
        logger.warning("Execução %s: não foi possível ler a situação no robô: %s", execucao.pk, erro)
        return E.EM_EXECUCAO


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
    except JobNaoEncontrado as erro:
        # The robot forgot the job (a restart): send it again; the same referencia starts at most one job.
        execucao_tratar_erro_envio(execucao, erro, configuracao)
        return E.PENDENTE
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
    execucao.log_proximo_seq = proximo
    return len(novas)
