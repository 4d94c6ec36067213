"""Writes of the webhooks: registering receivers, raising events, delivering each event to each receiver."""

from .cadastro import (
    entrega_reenviar,
    webhook_alterar,
    webhook_criar,
    webhook_segredo_renovar,
    webhook_testar,
)
from .entrega import (
    MAX_TENTATIVAS,
    TAREFA_ENTREGAR,
    TAREFA_ENTREGAR_PENDENTES,
    entrega_conteudo,
    entrega_corpo,
    entrega_entregar,
    entregas_pendentes_enfileirar,
)
from .eventos import webhooks_notificar

__all__ = [
    "MAX_TENTATIVAS",
    "TAREFA_ENTREGAR",
    "TAREFA_ENTREGAR_PENDENTES",
    "entrega_conteudo",
    "entrega_corpo",
    "entrega_entregar",
    "entrega_reenviar",
    "entregas_pendentes_enfileirar",
    "webhook_alterar",
    "webhook_criar",
    "webhook_segredo_renovar",
    "webhook_testar",
    "webhooks_notificar",
]
