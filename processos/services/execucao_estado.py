"""The one path of an execution's status change: a conditional update and its history row.

Every status change of an `Execucao` (claimed by the dispatcher, accepted by the robot, finished, failed,
cancelled, sent back to the queue) goes through `execucoes_mudar_status`, in one transaction with the
`ExecucaoEvento` that records it; the open pages hear of it from here (`ao_vivo`), after the commit.
"""

import datetime as dt
import uuid
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from brm.usuarios.models import Usuario

from ..models import Execucao, ExecucaoEvento
from .ao_vivo import execucoes_criadas_publicar, execucoes_publicar


def execucoes_mudar_status(
    *,
    ids: Iterable,
    de: str | Iterable[str],
    para: str,
    motivo: str = "",
    por: Usuario | None = None,
    agora: dt.datetime | None = None,
    **campos,
) -> list:
    """Move the executions in `ids` that are still in `de` to `para`; the ids that moved.

    The `UPDATE ... WHERE status IN (de)` claims each row: one that someone else changed first is left
    out and gets no history row. `campos` are written in the same update.
    """
    ids = [pk if isinstance(pk, uuid.UUID) else uuid.UUID(str(pk)) for pk in ids]
    if not ids:
        return []
    de = [de] if isinstance(de, str) else list(de)
    agora = agora or timezone.now()
    with transaction.atomic():
        if len(de) == 1:
            anteriores = _mudar_de_um_status(ids, de[0], para, campos)
        else:
            # Rows are locked before they are read, so the history names the status each one really left.
            # (SQLite has no row locks; its IMMEDIATE transactions serialise every writer already.)
            linhas = Execucao.objects.filter(pk__in=ids, status__in=de)
            if connection.features.has_select_for_update:
                linhas = linhas.select_for_update()
            anteriores = dict(linhas.values_list("pk", "status"))
            if anteriores:
                Execucao.objects.filter(pk__in=list(anteriores)).update(status=para, updated_at=agora, **campos)
        # Read after the rows were claimed, so each execution's history is in the order its changes happened
        # (the caller's `agora` may be older than a change another process made while this one waited).
        quando = timezone.now()
        ExecucaoEvento.objects.bulk_create(
            ExecucaoEvento(execucao_id=pk, de=status, para=para, motivo=motivo, por=por, quando=quando)
            for pk, status in anteriores.items()
        )
        execucoes_publicar(de_por_id=anteriores)
    return [pk for pk in ids if pk in anteriores]


def _mudar_de_um_status(ids: list, de: str, para: str, campos: dict) -> dict:
    """From one known status: the conditional update alone says which rows moved, with no read before it
    (two queries per change instead of three, on the robot jobs' hot path)."""
    # A stamp of this update only: when some rows were taken by someone else first, it finds the others.
    marca = timezone.now()
    movidas = Execucao.objects.filter(pk__in=ids, status=de).update(status=para, updated_at=marca, **campos)
    if movidas == len(ids):
        return dict.fromkeys(ids, de)
    if not movidas:
        return {}
    linhas = Execucao.objects.filter(pk__in=ids, status=para, updated_at=marca).values_list("pk", flat=True)
    return dict.fromkeys(linhas, de)


def execucao_mudar_status(*, execucao: Execucao, para: str, de: str | Iterable[str] | None = None, **kwargs) -> bool:
    """One execution from `de` (default: the status it was read with) to `para`; False if it had changed."""
    movidas = execucoes_mudar_status(ids=[execucao.pk], de=execucao.status if de is None else de, para=para, **kwargs)
    return bool(movidas)


def execucoes_criar(novas: list[Execucao], *, motivo: str, por: Usuario | None = None) -> list[Execucao]:
    """Insert new PENDENTE executions with the first row of their history; the ones really created.

    A process that already has a live job of the same kind is left out by the partial unique index
    (`ignore_conflicts`): a concurrent request may have queued it first.
    """
    if not novas:
        return []
    agora = timezone.now()
    with transaction.atomic():
        if len(novas) == 1:
            novas[0].save(force_insert=True)
            criadas = novas
        else:
            Execucao.objects.bulk_create(novas, batch_size=1000, ignore_conflicts=True)
            existentes = set()
            for i in range(0, len(novas), 1000):
                lote = [nova.pk for nova in novas[i : i + 1000]]
                existentes.update(Execucao.objects.filter(pk__in=lote).values_list("pk", flat=True))
            criadas = [nova for nova in novas if nova.pk in existentes]
        ExecucaoEvento.objects.bulk_create(
            (
                ExecucaoEvento(execucao_id=nova.pk, de="", para=nova.status, motivo=motivo, por=por, quando=agora)
                for nova in criadas
            ),
            batch_size=1000,
        )
        execucoes_criadas_publicar(ids=[nova.pk for nova in criadas])
    return criadas


def execucao_liberar_robo(*, execucao: Execucao, motivo: str, **campos) -> bool:
    """The robot no longer holds a job that BRM had stopped following: its slot is free again.

    Not a status change, but a step of the execution's history, recorded as one (from and to its status).
    False when someone else freed it first.
    """
    with transaction.atomic():
        status = Execucao.objects.filter(pk=execucao.pk, robo_ocupado=True).values_list("status", flat=True).first()
        if status is None or not Execucao.objects.filter(pk=execucao.pk, robo_ocupado=True).update(
            robo_ocupado=False, updated_at=timezone.now(), **campos
        ):
            return False
        ExecucaoEvento.objects.create(execucao_id=execucao.pk, de=status, para=status, motivo=motivo)
    execucao.robo_ocupado = False
    return True
