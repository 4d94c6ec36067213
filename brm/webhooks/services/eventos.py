"""Raising an event: one delivery per active webhook that asked for it, written in the caller's transaction."""

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from brm.common import tarefas

from ..models import EntregaWebhook, Webhook
from .entrega import TAREFA_ENTREGAR

Dados = dict[str, Any]


def webhooks_notificar(*, evento: str, dados: Dados | Callable[[], Dados]) -> list[EntregaWebhook]:
    """Record `evento` for every active webhook that wants it and queue its delivery once the caller commits.

    Only rows are written here: the calls happen in a worker, so a slow or broken receiver never holds up
    what raised the event, and an event raised in a transaction that rolls back is never sent. `dados` may be
    a function, called only when some webhook wants the event (building it may cost queries). Never put a
    secret in it: it goes to another system as it is.
    """
    # Webhooks are few (one per receiving system): filtering their events here works on SQLite and PostgreSQL
    # alike, where a JSON "contains" lookup does not.
    webhooks = [webhook for webhook in Webhook.objects.filter(ativo=True).only("pk", "eventos") if webhook.quer(evento)]
    if not webhooks:
        return []
    if callable(dados):
        dados = dados()
    agora = timezone.now()
    entregas = EntregaWebhook.objects.bulk_create(
        EntregaWebhook(webhook=webhook, evento=evento, quando=agora, dados=dados, proxima_tentativa_em=agora)
        for webhook in webhooks
    )
    for entrega in entregas:
        tarefas.enfileirar_apos_commit(TAREFA_ENTREGAR, str(entrega.pk))
    return entregas
