"""Asking for robot jobs: one, a batch of downloads, a re-run; and cancelling one."""

import datetime as dt
import uuid
from dataclasses import dataclass, replace

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from brm.common.errors import ErroDeNegocio
from brm.usuarios.models import Usuario

from ..models import Execucao, Processo
from ..selectors import (
    execucao_pode_ser_cancelada,
    execucao_pode_ser_reexecutada,
    processo_recusa_execucao,
    processos_candidatos_download,
    processos_sem_download_ativo,
)
from . import filas
from .criacao import competencia_atual
from .execucao_estado import execucao_mudar_status, execucoes_criar
from .robo import execucao_cancelar_no_robo, robo_permite_cancelar

E = Execucao.Status
T = Execucao.Tipo


def _exigir_permissao(por: Usuario | None) -> None:
    if por is not None and not por.has_perm("processos.change_execucao"):
        raise ErroDeNegocio("Você não tem permissão para comandar os robôs.", codigo=ErroDeNegocio.PERMISSAO)


def _motivo_pedido(por: Usuario | None, origem: str) -> str:
    rotulo = Execucao.Origem(origem).label
    return f"Pedida por {por} ({rotulo.lower()})." if por else f"Pedida pelo sistema ({rotulo.lower()})."


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
    if recusa := processo_recusa_execucao(processo, tipo):
        raise ErroDeNegocio(recusa, dados={"processo": str(processo.pk), "status": processo.status})
    execucao = Execucao(
        processo=processo,
        tipo=tipo,
        origem=origem,
        solicitado_por=por,
        anterior=anterior,
        tentativa=(anterior.tentativa + 1) if anterior else 1,
        proxima_tentativa_em=proxima_tentativa_em,
    )
    try:
        with transaction.atomic():
            execucoes_criar([execucao], motivo=_motivo_pedido(por, origem), por=por)
    except IntegrityError as exc:
        raise ErroDeNegocio(
            f"Já existe um trabalho de “{T(tipo).label}” em andamento para {processo}.",
            dados={"processo": str(processo.pk)},
        ) from exc
    filas.despacho_agendar()
    return execucao


@dataclass(frozen=True)
class ResultadoSolicitacao:
    enfileiradas: int
    ignoradas: int
    # The downloads are saved, but Redis did not answer: they are dispatched once it is back.
    despacho_adiado: bool = False

    @property
    def aviso_despacho(self) -> str:
        if not self.despacho_adiado:
            return ""
        return (
            "O Redis não respondeu: os downloads ficaram salvos e serão despachados sozinhos assim que ele "
            "voltar (não é preciso pedir de novo)."
        )


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
    policy); with it, those are queued again too, as re-runs of that failure. Processes with a live
    download are never queued twice. With `limite_simultaneas`, the downloads queued by this call form a
    batch of which at most that many run at once (on top of the global and per-operator limits).
    """
    with transaction.atomic():
        resultado = _solicitar_downloads(
            por=por,
            competencia=competencia,
            operadoras=operadoras,
            processo_ids=processo_ids,
            limite=limite,
            todos=todos,
            origem=origem,
            limite_simultaneas=limite_simultaneas,
        )
    if resultado.enfileiradas and filas.despacho_agendar() is False:
        resultado = replace(resultado, despacho_adiado=True)
    return resultado


def _solicitar_downloads(
    *,
    por: Usuario | None,
    competencia: dt.date | None,
    operadoras: list[str] | None,
    processo_ids: list | None,
    limite: int | None,
    todos: bool,
    origem: str,
    limite_simultaneas: int | None,
) -> ResultadoSolicitacao:
    _exigir_permissao(por)
    if limite is not None and limite < 1:
        raise ErroDeNegocio("O limite precisa ser um número positivo.", codigo=ErroDeNegocio.INVALIDO)
    if limite_simultaneas is not None and limite_simultaneas < 1:
        raise ErroDeNegocio(
            "O limite de trabalhos simultâneos precisa ser um número positivo.", codigo=ErroDeNegocio.INVALIDO
        )
    lote = uuid.uuid4() if limite_simultaneas else None
    candidatos = processos_candidatos_download(
        competencia=competencia or competencia_atual(), operadoras=operadoras, processo_ids=processo_ids
    )
    total = candidatos.count()
    candidatos = processos_sem_download_ativo(candidatos, todos=todos)
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
    criadas = len(execucoes_criar(novas, motivo=_motivo_pedido(por, origem), por=por))
    return ResultadoSolicitacao(enfileiradas=criadas, ignoradas=total - criadas)


@transaction.atomic
def execucao_reexecutar(*, execucao: Execucao, por: Usuario | None) -> Execucao:
    """A new job linked to a failed or cancelled one (`tentativa + 1`)."""
    if not execucao_pode_ser_reexecutada(execucao):
        raise ErroDeNegocio(
            f"Só execuções com falha ou canceladas podem ser reexecutadas; esta está “{execucao.get_status_display()}”."
        )
    return execucao_solicitar(
        processo=execucao.processo, tipo=execucao.tipo, por=por, origem=Execucao.Origem.REEXECUCAO, anterior=execucao
    )


def execucao_cancelar(*, execucao: Execucao, por: Usuario | None, motivo: str = "") -> Execucao:
    """Stop following a job that has not finished. Cancelling is not in the robot contract: a job the robot
    already has (or may have) runs on there until it ends, and keeps its slot until the robot says so."""
    _exigir_permissao(por)
    if not execucao_pode_ser_cancelada(execucao):
        raise ErroDeNegocio(f"Uma execução “{execucao.get_status_display()}” não pode ser cancelada.")
    execucao.refresh_from_db()
    quem = f" por {por}" if por else ""
    with transaction.atomic():
        cancelada, no_robo = _cancelar(execucao, por=por, motivo=motivo or f"Cancelada{quem}.")
        if not cancelada:
            raise ErroDeNegocio("Esta execução acabou de mudar de situação. Recarregue a página.")
    execucao.refresh_from_db()
    if no_robo:
        execucao_cancelar_no_robo(execucao)
    return execucao


def _cancelar(execucao: Execucao, *, por: Usuario | None, motivo: str) -> tuple[bool, bool]:
    """CANCELADA from the status `execucao` was read with, inside the caller's transaction; (cancelled, whether
    the robot may have the job, which then keeps its slot and is asked to stop once the caller commits)."""
    # A send in flight may reach the robot: the send itself frees the slot if it turns out nothing did.
    no_robo = execucao.status in Execucao.NO_ROBO or bool(execucao.job_id) or execucao.envio_incerto
    if no_robo:
        if robo_permite_cancelar():
            motivo += " O robô foi avisado para parar; o trabalho conta no limite até o robô confirmar o fim."
        else:
            motivo += (
                " O robô não permite cancelar; o trabalho segue no robô até terminar e continua contando no limite."
            )
    agora = timezone.now()
    if not execucao_mudar_status(
        execucao=execucao,
        para=E.CANCELADA,
        motivo=motivo,
        por=por,
        agora=agora,
        finalizado_em=agora,
        erro=motivo,
        robo_ocupado=no_robo,
        robo_consultado_em=agora if no_robo else None,
    ):
        return False, no_robo
    if not no_robo:
        filas.despacho_agendar()
    return True, no_robo


def execucao_download_ativo_travar(processo: Processo) -> Execucao | None:
    """The process's live download, locked until the caller's transaction ends (PostgreSQL; SQLite's IMMEDIATE
    transactions serialise writers already), so it cannot end or move while the caller decides about it.

    The lock is taken before the process row, in the order the robot's end takes them (the job, then the
    process): an upload and a download ending at the same moment wait for each other instead of deadlocking.
    """
    vivas = Execucao.objects.filter(processo=processo, tipo=T.DOWNLOAD_FATURA, status__in=Execucao.ATIVOS)
    if connection.features.has_select_for_update:
        vivas = vivas.select_for_update()
    return vivas.first()


def execucao_cancelar_pelo_envio_manual(*, execucao: Execucao, por: Usuario) -> bool:
    """A person sent the invoice by hand while the robot was fetching it: the download is cancelled with a
    sentence that says so, in the upload's transaction. Whatever the robot still does with it later leaves it
    CANCELADA (its end only frees the slot). No permission of its own: it is part of the upload."""
    motivo = f"Cancelado: a fatura foi enviada manualmente por {por}."
    cancelada, no_robo = _cancelar(execucao, por=por, motivo=motivo)
    if cancelada and no_robo:
        pk = execucao.pk
        transaction.on_commit(lambda: execucao_cancelar_no_robo(_para_o_robo(pk)))
    return cancelada


def _para_o_robo(pk) -> Execucao:
    return Execucao.objects.select_related("processo__cliente__operadora", "solicitado_por").get(pk=pk)
