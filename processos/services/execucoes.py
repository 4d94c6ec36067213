"""Robot jobs: asking for them, dispatching them under the concurrency limits, following them to the end.

HTTP calls never happen inside a database transaction: rows are claimed with conditional updates in
short transactions, the robot is called, and the outcome is written with another conditional update.
"""

import base64
import datetime as dt
import logging
import random
import time
import uuid
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_date

from brm.common.errors import ErroDeNegocio
from brm.rpa.cliente import CODIGOS_PASSAGEIROS, ErroRPA, JobNaoEncontrado
from brm.rpa.models import ConfiguracaoRPA
from brm.rpa.selectors import cliente_rpa_obter, configuracao_rpa_obter
from brm.usuarios.models import Usuario
from operadoras.models import Operadora

from ..models import Execucao, ExecucaoLog, Processo

logger = logging.getLogger(__name__)

E = Execucao.Status
T = Execucao.Tipo
# Failure codes after which an automatic re-run may succeed (the robot's own plus ours).
CODIGOS_REEXECUTAVEIS = CODIGOS_PASSAGEIROS | {"TEMPO_ESGOTADO", "SHA256_DIVERGENTE", "API_INDISPONIVEL"}
_TRAVA_DESPACHO = 7_310_001  # pg_advisory_xact_lock key
# Status is read at every poll (to free slots quickly); log lines at most this often per job (seconds),
# which is live enough for a person and halves the requests to the robot API. A job's last lines are
# always read when it ends.
INTERVALO_LOGS = 1.0
_logs_lidos_em: dict = {}

STATUS_DO_PROCESSO = {
    T.DOWNLOAD_FATURA: Processo.Status.AGUARDANDO_DOWNLOAD,
    T.UPLOAD_SAT: Processo.Status.AGUARDANDO_ENVIO_SAT,
}


def _agendar_despacho() -> None:
    from ..tasks import despachar_execucoes

    transaction.on_commit(despachar_execucoes.delay)


def _exigir_permissao(por: Usuario | None) -> None:
    if por is not None and not por.has_perm("processos.change_execucao"):
        raise ErroDeNegocio("Você não tem permissão para comandar os robôs.", codigo=ErroDeNegocio.PERMISSAO)


def _conferir_processo(processo: Processo, tipo: str) -> None:
    esperado = STATUS_DO_PROCESSO[tipo]
    if processo.status != esperado:
        acao = "baixar a fatura" if tipo == T.DOWNLOAD_FATURA else "enviar ao SAT"
        raise ErroDeNegocio(
            f"Não é possível {acao} de um processo em “{processo.get_status_display()}”.",
            dados={"processo": str(processo.pk), "status": processo.status},
        )
    if tipo == T.DOWNLOAD_FATURA:
        operadora = processo.cliente.operadora
        if not operadora.possui_rpa:
            raise ErroDeNegocio(
                f"A operadora {operadora} não tem robô: envie a fatura manualmente na página do processo."
            )
        if not operadora.ativa or not processo.cliente.ativo:
            raise ErroDeNegocio("Cliente ou operadora inativos: não há o que baixar.")


@transaction.atomic
def execucao_solicitar(
    *,
    processo: Processo,
    tipo: str,
    por: Usuario | None,
    origem: str = Execucao.Origem.MANUAL,
    anterior: Execucao | None = None,
    proxima_tentativa_em: dt.datetime | None = None,
) -> Execucao:
    """Queue a robot job for the process; at most one live job per process and kind."""
    _exigir_permissao(por)
    processo = Processo.objects.select_related("cliente__operadora").get(pk=processo.pk)
    _conferir_processo(processo, tipo)
    try:
        with transaction.atomic():
            execucao = Execucao.objects.create(
                processo=processo,
                tipo=tipo,
                origem=origem,
                solicitado_por=por,
                anterior=anterior,
                tentativa=(anterior.tentativa + 1) if anterior else 1,
                proxima_tentativa_em=proxima_tentativa_em,
            )
    except IntegrityError as exc:
        raise ErroDeNegocio(
            f"Já existe um trabalho de “{T(tipo).label}” em andamento para {processo}.",
            dados={"processo": str(processo.pk)},
        ) from exc
    _agendar_despacho()
    return execucao


@dataclass(frozen=True)
class ResultadoSolicitacao:
    enfileiradas: int
    ignoradas: int


@transaction.atomic
def execucoes_solicitar_downloads(
    *,
    por: Usuario | None,
    competencia: dt.date | None = None,
    operadoras: list[str] | None = None,
    processo_ids: list | None = None,
    limite: int | None = None,
    todos: bool = False,
    origem: str = Execucao.Origem.MANUAL,
    limite_simultaneas: int | None = None,
) -> ResultadoSolicitacao:
    """Queue downloads for the processes still waiting for their invoice.

    Without `todos`, a process whose last download failed is left for a person (or the automatic re-run
    policy); with it, those are queued again too. Processes with a live download are never queued twice.
    With `limite_simultaneas`, the downloads queued by this call form a batch of which at most that many
    run at once (on top of the global and per-operator limits).
    """
    _exigir_permissao(por)
    if limite is not None and limite < 1:
        raise ErroDeNegocio("O limite precisa ser um número positivo.", codigo=ErroDeNegocio.INVALIDO)
    if limite_simultaneas is not None and limite_simultaneas < 1:
        raise ErroDeNegocio(
            "O limite de trabalhos simultâneos precisa ser um número positivo.", codigo=ErroDeNegocio.INVALIDO
        )
    lote = uuid.uuid4() if limite_simultaneas else None
    candidatos = Processo.objects.filter(
        status=Processo.Status.AGUARDANDO_DOWNLOAD,
        cliente__ativo=True,
        cliente__operadora__ativa=True,
        cliente__operadora__possui_rpa=True,
    )
    if processo_ids is not None:
        candidatos = candidatos.filter(pk__in=processo_ids)
    else:
        from .criacao import competencia_atual

        candidatos = candidatos.filter(competencia=competencia or competencia_atual())
    if operadoras:
        candidatos = candidatos.filter(cliente__operadora__codigo__in=operadoras)
    total = candidatos.count()
    ativos = Execucao.objects.filter(tipo=T.DOWNLOAD_FATURA, status__in=Execucao.ATIVOS)
    candidatos = candidatos.exclude(pk__in=ativos.values("processo_id"))
    # The latest download of each process: without `todos`, a process whose latest download failed waits
    # for a person or for the automatic re-run; with it, the new job is linked to that failure as a re-run.
    ultimo = Execucao.objects.filter(processo=OuterRef("pk"), tipo=T.DOWNLOAD_FATURA).order_by("-criado_em")
    candidatos = candidatos.annotate(
        ultimo_id=Subquery(ultimo.values("pk")[:1]),
        ultimo_status=Subquery(ultimo.values("status")[:1]),
        ultima_tentativa=Subquery(ultimo.values("tentativa")[:1]),
    )
    if not todos:
        # Spelled out: NOT (x = 'FALHA') is NULL, not true, for a process that never had a download.
        outros = [status for status in E.values if status != E.FALHA]
        candidatos = candidatos.filter(Q(ultimo_status__isnull=True) | Q(ultimo_status__in=outros))
    candidatos = candidatos.order_by("cliente__operadora__nome", "cliente__razao_social")
    if limite:
        candidatos = candidatos[:limite]
    novas = []
    for processo_id, ultimo_id, ultimo_status, ultima_tentativa in candidatos.values_list(
        "pk", "ultimo_id", "ultimo_status", "ultima_tentativa"
    ):
        reexecucao = ultimo_status == E.FALHA
        novas.append(
            Execucao(
                processo_id=processo_id,
                tipo=T.DOWNLOAD_FATURA,
                origem=Execucao.Origem.REEXECUCAO if reexecucao else origem,
                solicitado_por=por,
                anterior_id=ultimo_id if reexecucao else None,
                tentativa=ultima_tentativa + 1 if reexecucao else 1,
                lote=lote,
                lote_limite=limite_simultaneas,
            )
        )
    # A concurrent request may have queued some of these: the partial unique index drops the repeats.
    Execucao.objects.bulk_create(novas, batch_size=1000, ignore_conflicts=True)
    criadas = sum(
        Execucao.objects.filter(pk__in=[n.pk for n in novas[i : i + 1000]]).count() for i in range(0, len(novas), 1000)
    )
    if criadas:
        _agendar_despacho()
    return ResultadoSolicitacao(enfileiradas=criadas, ignoradas=total - criadas)


@transaction.atomic
def execucao_reexecutar(*, execucao: Execucao, por: Usuario | None) -> Execucao:
    """A new job linked to a failed or cancelled one (`tentativa + 1`)."""
    if execucao.status not in (E.FALHA, E.CANCELADA):
        raise ErroDeNegocio(
            f"Só execuções com falha ou canceladas podem ser reexecutadas; esta está “{execucao.get_status_display()}”."
        )
    return execucao_solicitar(
        processo=execucao.processo, tipo=execucao.tipo, por=por, origem=Execucao.Origem.REEXECUCAO, anterior=execucao
    )


def execucao_cancelar(*, execucao: Execucao, por: Usuario | None, motivo: str = "") -> Execucao:
    """Stop a job that has not finished; the robot is told to stop too when it already has the job."""
    _exigir_permissao(por)
    if execucao.status not in Execucao.ATIVOS:
        raise ErroDeNegocio(f"Uma execução “{execucao.get_status_display()}” não pode ser cancelada.")
    quem = f" por {por}" if por else ""
    alterados = Execucao.objects.filter(pk=execucao.pk, status=execucao.status).update(
        status=E.CANCELADA,
        finalizado_em=timezone.now(),
        erro=motivo or f"Cancelada{quem}.",
        updated_at=timezone.now(),
    )
    if not alterados:
        raise ErroDeNegocio("Esta execução acabou de mudar de situação. Recarregue a página.")
    execucao.refresh_from_db()
    if execucao.job_id:
        _cancelar_no_robo(execucao)
    _agendar_despacho()
    return execucao


def _cancelar_no_robo(execucao: Execucao) -> None:
    configuracao = configuracao_rpa_obter()
    try:
        _cliente_para(execucao, configuracao).cancelar(execucao.job_id)
    except ErroRPA as erro:
        logger.warning("Não foi possível cancelar o trabalho %s no robô: %s", execucao.job_id, erro)


# Dispatch ------------------------------------------------------------------------------------------------


def execucoes_despachar() -> list:
    """Claim as many PENDENTE executions as the free slots allow (global and per operator) and send them."""
    configuracao = configuracao_rpa_obter()
    agora = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Serialises dispatchers across processes; SQLite's IMMEDIATE transactions already do.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_TRAVA_DESPACHO])
        presas = list(
            Execucao.objects.filter(status=E.ENVIANDO, enviado_em__lt=agora - _prazo_envio(configuracao)).values_list(
                "pk", flat=True
            )
        )
        if presas:
            Execucao.objects.filter(pk__in=presas, status=E.ENVIANDO).update(enviado_em=agora)
        ativos = Execucao.objects.filter(status__in=(E.ENVIANDO, E.EM_EXECUCAO))
        livres = configuracao.limite_global - ativos.count()
        escolhidas = []
        if livres > 0:
            escolhidas = _escolher_pendentes(ativos, livres, agora)
            if escolhidas:
                Execucao.objects.filter(pk__in=escolhidas, status=E.PENDENTE).update(
                    status=E.ENVIANDO, enviado_em=agora, updated_at=agora
                )
        enviar = presas + escolhidas
        if enviar:
            from ..tasks import enviar_execucao

            transaction.on_commit(lambda: [enviar_execucao.delay(str(pk)) for pk in enviar])
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


def _cliente_para(execucao: Execucao, configuracao: ConfiguracaoRPA):
    operadora = execucao.processo.cliente.operadora
    url = operadora.url_endpoint_rpa if execucao.tipo == T.DOWNLOAD_FATURA and operadora.url_endpoint_rpa else ""
    token = execucao.solicitado_por.api_externa_token if execucao.solicitado_por_id else ""
    return cliente_rpa_obter(configuracao=configuracao, url_base=url, token=token)


def _robo(execucao: Execucao, configuracao: ConfiguracaoRPA) -> str:
    return execucao.processo.cliente.operadora.codigo if execucao.tipo == T.DOWNLOAD_FATURA else configuracao.robo_sat


def _payload(execucao: Execucao) -> dict:
    processo = execucao.processo
    cliente = processo.cliente
    dados_cliente = {
        "cnpj": cliente.cnpj_formatado,
        "razao_social": cliente.razao_social,
        "conta": cliente.conta,
        "unidade": cliente.unidade,
        "login": cliente.login_portal,
        "senha": cliente.senha_portal,
        "dados": cliente.dados_rpa or {},
    }
    fatura = None
    if execucao.tipo == T.UPLOAD_SAT:
        dados_cliente["codigo_sat"] = cliente.codigo_sat
        with processo.fatura.open("rb") as arquivo:
            conteudo = arquivo.read()
        fatura = {
            "nome": f"fatura-{processo.competencia:%Y-%m}.pdf",
            "conteudo_base64": base64.b64encode(conteudo).decode(),
            "sha256": processo.fatura_sha256,
            "valor_total": str(processo.valor_total) if processo.valor_total is not None else None,
            "vencimento": processo.vencimento.isoformat() if processo.vencimento else None,
            "numero": processo.numero_fatura,
        }
    return {
        "referencia": str(execucao.pk),
        "competencia": f"{processo.competencia:%Y-%m}",
        "cliente": dados_cliente,
        "fatura": fatura,
    }


def execucao_enviar(*, execucao_id) -> Execucao | None:
    """POST the claimed job to the robot; our id is the idempotency key, so sending twice starts one job."""
    execucao = (
        Execucao.objects.select_related("processo__cliente__operadora", "solicitado_por")
        .filter(pk=execucao_id, status=E.ENVIANDO)
        .first()
    )
    if execucao is None:
        return None
    configuracao = configuracao_rpa_obter()
    try:
        iniciado = _cliente_para(execucao, configuracao).executar(_robo(execucao, configuracao), _payload(execucao))
    except ErroRPA as erro:
        _tratar_erro_envio(execucao, erro, configuracao)
        return execucao
    agora = timezone.now()
    campos = {}
    if execucao.job_id and iniciado.job_id != execucao.job_id:
        campos["log_deslocamento"] = execucao.log_proximo_seq - 1
    alterados = Execucao.objects.filter(pk=execucao.pk, status=E.ENVIANDO).update(
        status=E.EM_EXECUCAO, job_id=iniciado.job_id, iniciado_em=agora, updated_at=agora, **campos
    )
    if not alterados:
        # Cancelled while we were sending: the robot must not keep working for nothing, and the row keeps
        # the job id so people can find it in the robot's own records.
        Execucao.objects.filter(pk=execucao.pk, job_id="").update(job_id=iniciado.job_id)
        execucao.job_id = iniciado.job_id
        _cancelar_no_robo(execucao)
    _agendar_acompanhamento(configuracao)
    execucao.refresh_from_db()
    return execucao


def _tratar_erro_envio(execucao: Execucao, erro: ErroRPA, configuracao: ConfiguracaoRPA) -> None:
    tentativas = execucao.tentativas_envio + 1
    if erro.transitorio and tentativas < configuracao.max_tentativas_envio:
        espera = _backoff(tentativas, configuracao, erro.retry_after)
        Execucao.objects.filter(pk=execucao.pk, status=execucao.status).update(
            status=E.PENDENTE,
            tentativas_envio=tentativas,
            proxima_tentativa_em=timezone.now() + espera,
            erro=f"{erro.mensagem} Nova tentativa em {int(espera.total_seconds())} s.",
            updated_at=timezone.now(),
        )
        logger.info("Execução %s: erro temporário (%s); nova tentativa em %s", execucao.pk, erro, espera)
        return
    if erro.transitorio:
        # The client's sentence promises another try; this is the last one.
        ultimo = erro.mensagem.replace("; será tentado de novo", "")
        mensagem = f"A API de robôs não aceitou o trabalho depois de {tentativas} tentativas. Último erro: {ultimo}"
        _falhar(execucao, mensagem, codigo="API_INDISPONIVEL", de=execucao.status, tentativas_envio=tentativas)
    else:
        _falhar(execucao, erro.mensagem, codigo=erro.codigo or f"HTTP_{erro.status}", de=execucao.status)


def _backoff(tentativa: int, configuracao: ConfiguracaoRPA, retry_after: float | None) -> dt.timedelta:
    teto = configuracao.backoff_max_segundos
    base = min(teto, configuracao.backoff_base_segundos * 2 ** (tentativa - 1))
    # Jitter spreads the retries of many jobs that failed together.
    segundos = random.uniform(base / 2, base)
    if retry_after:
        segundos = max(segundos, min(retry_after, teto))
    return dt.timedelta(seconds=segundos)


def _falhar(execucao: Execucao, mensagem: str, *, codigo: str, de: str, **campos) -> bool:
    """End the execution in FALHA and, when the failure may pass, queue the automatic re-run."""
    agora = timezone.now()
    with transaction.atomic():
        alterados = Execucao.objects.filter(pk=execucao.pk, status=de).update(
            status=E.FALHA,
            erro=mensagem,
            finalizado_em=agora,
            resultado={**(execucao.resultado or {}), "codigo": codigo},
            updated_at=agora,
            **campos,
        )
        if not alterados:
            return False
        _reexecutar_automaticamente(execucao, codigo)
    logger.info("Execução %s falhou (%s): %s", execucao.pk, codigo, mensagem)
    _agendar_despacho_fora()
    return True


def _reexecutar_automaticamente(execucao: Execucao, codigo: str) -> None:
    configuracao = configuracao_rpa_obter()
    if codigo not in CODIGOS_REEXECUTAVEIS or execucao.tentativa > configuracao.reexecucoes_automaticas:
        return
    processo = Processo.objects.get(pk=execucao.processo_id)
    if processo.status != STATUS_DO_PROCESSO[execucao.tipo]:
        return
    try:
        with transaction.atomic():
            Execucao.objects.create(
                processo=processo,
                tipo=execucao.tipo,
                origem=Execucao.Origem.AUTOMATICA,
                anterior=execucao,
                tentativa=execucao.tentativa + 1,
                solicitado_por_id=execucao.solicitado_por_id,
                proxima_tentativa_em=timezone.now() + dt.timedelta(minutes=configuracao.intervalo_reexecucao_minutos),
            )
    except IntegrityError:
        # Someone already queued a new job for this process.
        pass


def _agendar_despacho_fora() -> None:
    """A slot was freed: fill it now. Dispatching only claims rows and queues sends, so it is cheap to run
    inline; going through the queue would put the claim behind every task already waiting there."""
    if connection.in_atomic_block:
        transaction.on_commit(execucoes_despachar)
    else:
        execucoes_despachar()


def _agendar_acompanhamento(configuracao: ConfiguracaoRPA) -> None:
    from ..tasks import agendar_acompanhamento

    agendar_acompanhamento(configuracao.intervalo_polling_ms)


# Polling -------------------------------------------------------------------------------------------------


@dataclass
class ResultadoAcompanhamento:
    acompanhadas: int = 0
    concluidas: int = 0
    falhas: int = 0
    linhas_de_log: int = 0


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
    if not execucoes:
        return resultado
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
        if _falhar(
            execucao,
            f"O robô não terminou o trabalho em {prazo}; ele foi dado como falho.",
            codigo="TEMPO_ESGOTADO",
            de=E.EM_EXECUCAO,
        ):
            _cancelar_no_robo(execucao)
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
    cliente = _cliente_para(execucao, configuracao)
    try:
        estado = cliente.job(execucao.job_id)
    except JobNaoEncontrado as erro:
        # The robot forgot the job (a restart): send it again; the same referencia starts at most one job.
        _tratar_erro_envio(execucao, erro, configuracao)
        return E.PENDENTE
    agora = time.monotonic()
    if estado.final or agora - _logs_lidos_em.get(execucao.pk, 0.0) >= INTERVALO_LOGS:
        deslocamento = execucao.log_deslocamento
        linhas = cliente.logs(execucao.job_id, desde=execucao.log_proximo_seq - deslocamento)
        if deslocamento:
            linhas = [replace(linha, seq=linha.seq + deslocamento) for linha in linhas]
        resultado.linhas_de_log += execucao_registrar_logs(execucao=execucao, linhas=linhas)
        _logs_lidos_em[execucao.pk] = agora
    if estado.final:
        _logs_lidos_em.pop(execucao.pk, None)
    if estado.status == "completed":
        return _concluir(execucao, estado, cliente)
    if estado.status == "failed":
        codigo = estado.erro_codigo or "ERRO_INTERNO"
        mensagem = _mensagem_falha_robo(codigo, estado.erro_mensagem)
        return E.FALHA if _falhar(execucao, mensagem, codigo=codigo, de=E.EM_EXECUCAO) else execucao.status
    if estado.status == "cancelled":
        _falhar(execucao, "O trabalho foi cancelado no robô.", codigo="CANCELADO_NO_ROBO", de=E.EM_EXECUCAO)
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


def _concluir(execucao: Execucao, estado, cliente) -> str:
    if execucao.tipo == T.DOWNLOAD_FATURA:
        return _concluir_download(execucao, estado, cliente)
    protocolo = str(estado.resultado.get("protocolo") or "").strip()
    if not protocolo:
        _falhar(execucao, "O robô do SAT terminou sem informar o protocolo.", codigo="SEM_PROTOCOLO", de=E.EM_EXECUCAO)
        return E.FALHA
    from .transicoes import processo_registrar_envio_sat

    try:
        with transaction.atomic():
            if not _marcar_sucesso(execucao, estado):
                return execucao.status
            processo_registrar_envio_sat(processo=execucao.processo, protocolo=protocolo, por=None)
    except ErroDeNegocio as erro:
        _falhar(
            execucao,
            f"O SAT respondeu, mas o processo mudou: {erro.mensagem}",
            codigo="PROCESSO_MUDOU",
            de=E.EM_EXECUCAO,
        )
        return E.FALHA
    _agendar_despacho_fora()
    return E.SUCESSO


def _concluir_download(execucao: Execucao, estado, cliente) -> str:
    arquivos = estado.resultado.get("arquivos") or []
    arquivo = next((a for a in arquivos if isinstance(a, dict) and a.get("url")), None)
    if arquivo is None:
        _falhar(execucao, "O robô terminou sem entregar o arquivo da fatura.", codigo="SEM_ARQUIVO", de=E.EM_EXECUCAO)
        return E.FALHA
    try:
        conteudo = cliente.baixar_arquivo(
            str(arquivo["url"]),
            sha256=str(arquivo.get("sha256") or ""),
            tamanho_maximo=settings.BRM_FATURA_TAMANHO_MAXIMO,
        )
    except ErroRPA as erro:
        if erro.transitorio:
            raise
        _falhar(execucao, erro.mensagem, codigo=erro.codigo or "ARQUIVO_INVALIDO", de=E.EM_EXECUCAO)
        return E.FALHA
    from .transicoes import processo_registrar_fatura

    try:
        with transaction.atomic():
            if not _marcar_sucesso(execucao, estado):
                return execucao.status
            processo_registrar_fatura(
                processo=execucao.processo,
                arquivo=ContentFile(conteudo, name=str(arquivo.get("nome") or "fatura.pdf")),
                por=None,
                nome_original=str(arquivo.get("nome") or ""),
                valor_total=_decimal(estado.resultado.get("valor_total")),
                vencimento=parse_date(str(estado.resultado.get("vencimento") or "")) or None,
                numero_fatura=str(estado.resultado.get("numero_fatura") or ""),
            )
    except ErroDeNegocio as erro:
        _falhar(
            execucao, f"A fatura baixada não foi aceita: {erro.mensagem}", codigo="FATURA_RECUSADA", de=E.EM_EXECUCAO
        )
        return E.FALHA
    _agendar_despacho_fora()
    return E.SUCESSO


def _marcar_sucesso(execucao: Execucao, estado) -> bool:
    agora = timezone.now()
    resultado = {k: v for k, v in estado.resultado.items() if k != "conteudo_base64"}
    return bool(
        Execucao.objects.filter(pk=execucao.pk, status=E.EM_EXECUCAO).update(
            status=E.SUCESSO,
            finalizado_em=estado.finalizado_em or agora,
            iniciado_em=estado.iniciado_em or F("iniciado_em"),
            resultado=resultado,
            erro="",
            updated_at=agora,
        )
    )


def _decimal(valor) -> Decimal | None:
    try:
        return Decimal(str(valor)).quantize(Decimal("0.01")) if valor not in (None, "") else None
    except InvalidOperation:
        return None
