"""Recording alert events: one row per thing to tell, written in the caller's transaction, sent later grouped."""

from dataclasses import dataclass

from django.utils import timezone

from ..models import EventoDeAlerta
from ..selectors import alerta_tem_destinatario

LOTE = 500


@dataclass(frozen=True)
class NovoEvento:
    """An event as a detector sees it. `chave` names the thing it is about: the same key is recorded once."""

    chave: str
    titulo: str
    detalhe: str = ""
    caminho: str = ""


def alertas_registrar(*, tipo: str, eventos: list[NovoEvento]) -> int:
    """Record the `eventos` of `tipo` not recorded before; how many were new.

    Nothing is recorded when nobody receives `tipo`: a recipient added later hears of what happens from then on
    (and of what the detectors still find), not of a backlog. Safe against a concurrent detector: the unique
    (tipo, chave) makes the second insert of a key a no-op, without breaking the caller's transaction.
    """
    if not eventos or not alerta_tem_destinatario(tipo=tipo):
        return 0
    por_chave = {evento.chave: evento for evento in eventos}
    chaves = list(por_chave)
    existentes: set[str] = set()
    # In slices: a month of late invoices must not pass SQLite's limit of parameters in one query.
    for inicio in range(0, len(chaves), LOTE):
        fatia = chaves[inicio : inicio + LOTE]
        existentes.update(EventoDeAlerta.objects.filter(tipo=tipo, chave__in=fatia).values_list("chave", flat=True))
    agora = timezone.now()
    novos = [
        EventoDeAlerta(
            tipo=tipo,
            chave=evento.chave,
            titulo=evento.titulo[:300],
            detalhe=evento.detalhe,
            caminho=evento.caminho,
            criado_em=agora,
        )
        for chave, evento in por_chave.items()
        if chave not in existentes
    ]
    EventoDeAlerta.objects.bulk_create(novos, ignore_conflicts=True, batch_size=LOTE)
    return len(novos)


def alerta_registrar(*, tipo: str, chave: str, titulo: str, detalhe: str = "", caminho: str = "") -> bool:
    """Record one event (see `alertas_registrar`); False when it was known already or nobody receives `tipo`."""
    novo = NovoEvento(chave=chave, titulo=titulo, detalhe=detalhe, caminho=caminho)
    return alertas_registrar(tipo=tipo, eventos=[novo]) == 1
