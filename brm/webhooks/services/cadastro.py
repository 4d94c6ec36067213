"""Registering webhooks (admins only), sending a test event, and sending again a delivery that failed."""

import secrets

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from brm.common import tarefas
from brm.common.auditoria import com_autor
from brm.common.errors import ErroDeNegocio
from brm.common.validacao import modelo_validar
from brm.usuarios.models import Usuario

from ..models import EntregaWebhook, Evento, Webhook
from .entrega import TAREFA_ENTREGAR

PREFIXO_SEGREDO = "brmwh_"
CAMPOS_ALTERAVEIS = ("nome", "url", "eventos", "ativo")

St = EntregaWebhook.Status


def _exigir_admin(por: Usuario | None, acao: str) -> None:
    if por is not None and not por.has_perm(f"webhooks.{acao}_webhook"):
        raise ErroDeNegocio("Você não tem permissão para gerenciar webhooks.", codigo=ErroDeNegocio.PERMISSAO)


def _segredo_gerar() -> str:
    return PREFIXO_SEGREDO + secrets.token_urlsafe(32)


@com_autor
@transaction.atomic
def webhook_criar(
    *, nome: str, url: str, eventos: list[str], ativo: bool = True, por: Usuario | None
) -> tuple[Webhook, str]:
    """A new webhook with a new secret; returns the row and the secret, to be shown this once."""
    _exigir_admin(por, "add")
    segredo = _segredo_gerar()
    webhook = Webhook(
        nome=(nome or "").strip(), url=(url or "").strip(), eventos=list(eventos or []), ativo=ativo, criado_por=por
    )
    webhook.segredo = segredo
    modelo_validar(webhook)
    webhook.save(force_insert=True)
    return webhook, segredo


@com_autor
@transaction.atomic
def webhook_alterar(*, webhook: Webhook, por: Usuario | None, **campos) -> Webhook:
    """Change the name, address, events or whether it is active; the secret changes only by renewing it."""
    _exigir_admin(por, "change")
    desconhecidos = set(campos) - set(CAMPOS_ALTERAVEIS)
    if desconhecidos:
        raise ErroDeNegocio(
            f"Campos que não podem ser alterados: {', '.join(sorted(desconhecidos))}.", codigo=ErroDeNegocio.INVALIDO
        )
    for campo, valor in campos.items():
        setattr(webhook, campo, valor.strip() if isinstance(valor, str) else valor)
    modelo_validar(webhook)
    if campos:
        webhook.save(update_fields=[*campos, "updated_at"])
    return webhook


@com_autor
@transaction.atomic
def webhook_segredo_renovar(*, webhook: Webhook, por: Usuario | None) -> str:
    """A new secret for the webhook, returned to be shown once; calls from now on are signed with it."""
    _exigir_admin(por, "change")
    segredo = _segredo_gerar()
    webhook.segredo = segredo
    webhook.save(update_fields=["segredo", "updated_at"])
    return segredo


@transaction.atomic
def webhook_testar(*, webhook: Webhook, por: Usuario | None) -> EntregaWebhook:
    """Send a `teste` event to this webhook only (active or not), delivered and logged like any other."""
    _exigir_admin(por, "change")
    agora = timezone.now()
    entrega = EntregaWebhook.objects.create(
        webhook=webhook,
        evento=Evento.TESTE,
        quando=agora,
        proxima_tentativa_em=agora,
        dados={
            "mensagem": "Evento de teste enviado pelo BRM: se a assinatura confere, o webhook está pronto.",
            "webhook": webhook.nome,
            "enviado_por": por.email if por is not None else None,
        },
    )
    tarefas.enfileirar_apos_commit(TAREFA_ENTREGAR, str(entrega.pk))
    return entrega


@transaction.atomic
def entrega_reenviar(*, entrega: EntregaWebhook, por: Usuario | None) -> EntregaWebhook:
    """Try a failed delivery again, with the same id and content, and a whole new round of attempts."""
    _exigir_admin(por, "change")
    agora = timezone.now()
    if not EntregaWebhook.objects.filter(pk=entrega.pk, status__in=(St.FALHOU, St.DESISTIU)).update(
        status=St.PENDENTE,
        proxima_tentativa_em=agora,
        tentativas_antes_do_reenvio=F("tentativas"),
        updated_at=agora,
    ):
        raise ErroDeNegocio("Só entregas que falharam podem ser reenviadas; esta não falhou.")
    tarefas.enfileirar_apos_commit(TAREFA_ENTREGAR, str(entrega.pk))
    entrega.refresh_from_db()
    return entrega
