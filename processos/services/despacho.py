"""Dispatching robot jobs under the limits, and sending each one to the robot.

HTTP calls never happen inside a database transaction: rows are claimed with conditional updates in
short transactions, the robot is called, and the outcome is written with another conditional update.
"""

import datetime as dt
import logging
import random

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from brm.rpa.api_robos import ErroRPA
from brm.rpa.models import ConfiguracaoRPA
from brm.rpa.selectors import configuracao_rpa_obter
from operadoras.models import Operadora

from ..models import Execucao
from . import filas
from .execucao_estado import execucao_liberar_robo, execucao_mudar_status, execucoes_mudar_status
from .falha import execucao_falhar
from .robo import api_da_execucao, execucao_cancelar_no_robo, payload_da_execucao, robo_da_execucao

logger = logging.getLogger(__name__)

E = Execucao.Status
T = Execucao.Tipo
_TRAVA_DESPACHO = 7_310_001  # pg_advisory_xact_lock key


def execucoes_no_robo():
    """The executions that hold a slot at the robot: being sent (an answer may still come), running, or
    ended in BRM while the robot may still be working on them (`robo_ocupado`)."""
    return Execucao.objects.filter(Q(status__in=Execucao.NO_ROBO) | Q(robo_ocupado=True))


def execucoes_despachar() -> list:
    """Claim as many PENDENTE executions as the free slots allow (global, per operator, per batch) and send them.

    Executions already ENVIANDO whose next try is due (a send whose answer was lost, or whose worker died
    mid-POST) are sent again with the same referencia: they kept their slot all along.
    """
    configuracao = configuracao_rpa_obter()
    agora = timezone.now()
    prazo = agora + _prazo_envio(configuracao)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Serialises dispatchers across processes; SQLite's IMMEDIATE transactions already do.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_TRAVA_DESPACHO])
        reenviar = list(
            Execucao.objects.filter(status=E.ENVIANDO)
            .filter(
                Q(proxima_tentativa_em__lte=agora)
                | Q(proxima_tentativa_em__isnull=True, enviado_em__lt=agora - _prazo_envio(configuracao))
            )
            .values_list("pk", flat=True)
        )
        if reenviar:
            # The claim of a send lasts as long as a POST can: after that, it is sent again.
            Execucao.objects.filter(pk__in=reenviar, status=E.ENVIANDO).update(proxima_tentativa_em=prazo)
        ativos = execucoes_no_robo()
        livres = configuracao.limite_global - ativos.count()
        escolhidas = []
        if livres > 0:
            escolhidas = execucoes_mudar_status(
                ids=_escolher_pendentes(ativos, livres, agora),
                de=E.PENDENTE,
                para=E.ENVIANDO,
                motivo="Vaga livre: enviada ao robô.",
                agora=agora,
                enviado_em=agora,
                proxima_tentativa_em=prazo,
            )
        enviar = reenviar + escolhidas
        filas.envios_agendar(enviar)
    return enviar


def _escolher_pendentes(ativos, livres: int, agora: dt.datetime) -> list:
    """The oldest due PENDENTE executions that fit the free slots, their operator's limit and their batch's."""
    por_operadora = dict(
        ativos.filter(tipo=T.DOWNLOAD_FATURA)
        .values_list("processo__cliente__operadora_id")
        .annotate(n=Count("id"))
        .values_list("processo__cliente__operadora_id", "n")
    )
    por_lote = dict(
        ativos.filter(lote__isnull=False).values_list("lote").annotate(n=Count("id")).values_list("lote", "n")
    )
    pendentes = Execucao.objects.filter(status=E.PENDENTE).filter(
        Q(proxima_tentativa_em__isnull=True) | Q(proxima_tentativa_em__lte=agora)
    )
    # Operators and batches already full are left out by the query, so a long queue behind a full operator
    # is not read row by row at every dispatch.
    cheias = [
        operadora_id
        for operadora_id, maximo in Operadora.objects.filter(pk__in=list(por_operadora)).values_list(
            "pk", "max_execucoes_simultaneas"
        )
        if por_operadora[operadora_id] >= maximo
    ]
    if cheias:
        pendentes = pendentes.exclude(tipo=T.DOWNLOAD_FATURA, processo__cliente__operadora_id__in=cheias)
    if por_lote:
        lotes_cheios = (
            Execucao.objects.filter(lote__in=list(por_lote), lote_limite__isnull=False)
            .order_by()
            .values_list("lote", "lote_limite")
            .distinct()
        )
        cheios = {lote for lote, limite in lotes_cheios if por_lote[lote] >= limite}
        if cheios:
            pendentes = pendentes.exclude(lote__in=cheios)
    escolhidas = []
    candidatos = pendentes.order_by("criado_em").values_list(
        "pk",
        "tipo",
        "processo__cliente__operadora_id",
        "processo__cliente__operadora__max_execucoes_simultaneas",
        "lote",
        "lote_limite",
    )
    for pk, tipo, operadora_id, maximo, lote, lote_limite in candidatos.iterator(chunk_size=500):
        if tipo == T.DOWNLOAD_FATURA and por_operadora.get(operadora_id, 0) >= maximo:
            continue
        if lote_limite and por_lote.get(lote, 0) >= lote_limite:
            continue
        if tipo == T.DOWNLOAD_FATURA:
            por_operadora[operadora_id] = por_operadora.get(operadora_id, 0) + 1
        if lote:
            por_lote[lote] = por_lote.get(lote, 0) + 1
        escolhidas.append(pk)
        if len(escolhidas) >= livres:
            break
    return escolhidas


def _prazo_envio(configuracao: ConfiguracaoRPA) -> dt.timedelta:
    # A POST lasts at most connect + read timeouts; an execution left ENVIANDO longer than that lost its
    # worker between the claim and the answer, and is sent again.
    return dt.timedelta(seconds=configuracao.timeout_http_segundos * 2 + 5)


def execucao_enviar(*, execucao_id) -> Execucao | None:
    """POST the claimed job to the robot; our id is the idempotency key, so sending twice starts one job."""
    execucao = (
        Execucao.objects.select_related("processo__cliente__operadora", "solicitado_por")
        .filter(pk=execucao_id, status=E.ENVIANDO)
        .first()
    )
    if execucao is None:
        # Cancelled before this send started: nothing reached the robot.
        _liberar_se_nada_chegou(execucao_id)
        return None
    configuracao = configuracao_rpa_obter()
    try:
        iniciado = api_da_execucao(execucao, configuracao).executar(
            robo_da_execucao(execucao, configuracao), payload_da_execucao(execucao)
        )
    except ErroRPA as erro:
        execucao_tratar_erro_envio(execucao, erro, configuracao)
        return execucao
    agora = timezone.now()
    campos = {}
    if execucao.job_id and iniciado.job_id != execucao.job_id:
        campos["log_deslocamento"] = execucao.log_proximo_seq - 1
    adotado = " (já existia: adotado)" if iniciado.ja_existia else ""
    if not execucao_mudar_status(
        execucao=execucao,
        de=E.ENVIANDO,
        para=E.EM_EXECUCAO,
        motivo=f"O robô confirmou o trabalho {iniciado.job_id}{adotado}.",
        agora=agora,
        job_id=iniciado.job_id,
        iniciado_em=agora,
        envio_incerto=False,
        proxima_tentativa_em=None,
        **campos,
    ):
        # Cancelled while we were sending: the robot has the job now. The row keeps its id, so people can
        # find it in the robot's own records, and the job keeps its slot until the robot reports its end.
        Execucao.objects.filter(pk=execucao.pk, job_id="").update(
            job_id=iniciado.job_id, robo_ocupado=True, robo_consultado_em=agora, envio_incerto=False
        )
        execucao.refresh_from_db()
        execucao_cancelar_no_robo(execucao)
    else:
        logger.info(
            "Execução %s (%s): o robô %s aceitou o trabalho %s%s.",
            execucao.pk,
            execucao,
            robo_da_execucao(execucao, configuracao),
            iniciado.job_id,
            adotado,
        )
    filas.acompanhamento_agendar()
    execucao.refresh_from_db()
    return execucao


def execucao_tratar_erro_envio(execucao: Execucao, erro: ErroRPA, configuracao: ConfiguracaoRPA) -> None:
    """A send that failed: kept (and its slot) when the robot may have the job, back to the queue with a backoff
    when it surely has not, or FALHA when the error is final."""
    tentativas = execucao.tentativas_envio + 1
    espera = _backoff(tentativas, configuracao, erro.retry_after)
    if erro.incerto:
        mensagem = (
            f"{erro.mensagem} O robô pode ter recebido o trabalho: ele continua ocupando a vaga e será perguntado "
            f"de novo, com a mesma referência, em {int(espera.total_seconds())} s."
        )
        if not execucao_mudar_status(
            execucao=execucao,
            de=E.ENVIANDO,
            para=E.ENVIANDO,
            motivo=mensagem,
            tentativas_envio=tentativas,
            envio_incerto=True,
            proxima_tentativa_em=timezone.now() + espera,
            erro=mensagem,
        ):
            # Cancelled while we were sending: the robot may still have the job, so it keeps the slot.
            Execucao.objects.filter(pk=execucao.pk, job_id="").update(
                robo_ocupado=True, envio_incerto=True, robo_consultado_em=timezone.now()
            )
        logger.info("Execução %s: envio sem resposta (%s); novo envio em %s", execucao.pk, erro, espera)
        return
    if _liberar_se_nada_chegou(execucao.pk):
        return
    if erro.transitorio and tentativas < configuracao.max_tentativas_envio:
        mensagem = f"{erro.mensagem} Nova tentativa em {int(espera.total_seconds())} s."
        execucao_mudar_status(
            execucao=execucao,
            de=E.ENVIANDO,
            para=E.PENDENTE,
            motivo=mensagem,
            tentativas_envio=tentativas,
            envio_incerto=False,
            proxima_tentativa_em=timezone.now() + espera,
            erro=mensagem,
        )
        logger.info("Execução %s: erro temporário (%s); nova tentativa em %s", execucao.pk, erro, espera)
        return
    if erro.transitorio:
        # The client's sentence promises another try; this is the last one.
        ultimo = erro.mensagem.replace("; será tentado de novo", "")
        mensagem = f"A API de robôs não aceitou o trabalho depois de {tentativas} tentativas. Último erro: {ultimo}"
        falhou = execucao_falhar(
            execucao, mensagem, codigo="API_INDISPONIVEL", de=E.ENVIANDO, tentativas_envio=tentativas
        )
    else:
        falhou = execucao_falhar(execucao, erro.mensagem, codigo=erro.codigo or f"HTTP_{erro.status}", de=E.ENVIANDO)
    if falhou:
        # A slot was freed: fill it now.
        execucoes_despachar_ja()


def _liberar_se_nada_chegou(execucao_id) -> bool:
    """An execution cancelled while it was being sent, whose send surely reached nothing: its slot is free."""
    execucao = Execucao.objects.filter(
        pk=execucao_id, robo_ocupado=True, job_id="", envio_incerto=False, status=E.CANCELADA
    ).first()
    if execucao is None:
        return False
    return execucao_liberar_robo_e_despachar(execucao, "O envio cancelado não chegou ao robô: a vaga foi liberada.")


def execucao_liberar_robo_e_despachar(execucao: Execucao, motivo: str, **campos) -> bool:
    """The robot holds the job no more (see `execucao_liberar_robo`), and the slot it freed is filled at once."""
    liberou = execucao_liberar_robo(execucao=execucao, motivo=motivo, **campos)
    if liberou:
        execucoes_despachar_ja()
    return liberou


def _backoff(tentativa: int, configuracao: ConfiguracaoRPA, retry_after: float | None) -> dt.timedelta:
    teto = configuracao.backoff_max_segundos
    base = min(teto, configuracao.backoff_base_segundos * 2 ** (tentativa - 1))
    # Jitter spreads the retries of many jobs that failed together.
    segundos = random.uniform(base / 2, base)
    if retry_after:
        segundos = max(segundos, min(retry_after, teto))
    return dt.timedelta(seconds=segundos)


def execucoes_despachar_ja() -> None:
    """A slot was freed: fill it now. Dispatching only claims rows and queues sends, so it is cheap to run
    inline; going through the queue would put the claim behind every task already waiting there."""
    if connection.in_atomic_block:
        transaction.on_commit(execucoes_despachar)
    else:
        execucoes_despachar()
