"""Registering webhooks through the services: admins only, validated as the admin form validates, a new secret
each time; a re-sent delivery gets a whole new round of attempts."""

import pytest

from brm.common.errors import ErroDeNegocio
from brm.webhooks.models import EntregaWebhook, Evento, Webhook
from brm.webhooks.services import (
    MAX_TENTATIVAS,
    entrega_reenviar,
    webhook_alterar,
    webhook_criar,
    webhook_segredo_renovar,
    webhooks_notificar,
)
from brm.webhooks.tasks import entregar

from .conftest import Resposta

pytestmark = pytest.mark.django_db

St = EntregaWebhook.Status


@pytest.mark.parametrize("papel", ["operador", "aprovador", "leitor"])
def test_so_administrador_cadastra_webhook(request, papel):
    with pytest.raises(ErroDeNegocio) as erro:
        webhook_criar(
            nome="ERP",
            url="https://erp.example",
            eventos=[Evento.PROCESSO_APROVADO],
            por=request.getfixturevalue(papel),
        )

    assert erro.value.codigo == ErroDeNegocio.PERMISSAO
    assert not Webhook.objects.exists()


def test_cadastro_invalido_diz_o_campo(admin_user):
    with pytest.raises(ErroDeNegocio) as erro:
        webhook_criar(nome="ERP", url="ftp://erp.example", eventos=["processo.apagado", "teste"], por=admin_user)

    assert erro.value.codigo == ErroDeNegocio.INVALIDO
    assert set(erro.value.dados["campos"]) == {"url", "eventos"}
    assert "processo.apagado, teste" in erro.value.dados["campos"]["eventos"][0]
    assert not Webhook.objects.exists()


def test_cada_webhook_tem_seu_segredo_e_renovar_troca_o_segredo(admin_user):
    primeiro, segredo1 = webhook_criar(nome="A", url="https://a.example", eventos=["processo.aprovado"], por=admin_user)
    _, segredo2 = webhook_criar(nome="B", url="https://b.example", eventos=["processo.aprovado"], por=admin_user)

    novo = webhook_segredo_renovar(webhook=primeiro, por=admin_user)

    assert len({segredo1, segredo2, novo}) == 3
    primeiro.refresh_from_db()
    assert primeiro.segredo == novo


def test_alterar_recusa_o_segredo_e_campos_invalidos(admin_user):
    webhook, segredo = webhook_criar(nome="A", url="https://a.example", eventos=["processo.aprovado"], por=admin_user)

    with pytest.raises(ErroDeNegocio):
        webhook_alterar(webhook=webhook, por=admin_user, segredo="outro")
    with pytest.raises(ErroDeNegocio):
        webhook_alterar(webhook=Webhook.objects.get(), por=admin_user, eventos=[])

    webhook.refresh_from_db()
    assert (webhook.segredo, webhook.eventos) == (segredo, ["processo.aprovado"])


def test_entrega_reenviada_depois_da_desistencia_ganha_nova_rodada_de_tentativas(admin_user, receptor, tarefas):
    webhook_criar(nome="A", url=receptor.url, eventos=["processo.aprovado"], por=admin_user)
    (entrega,) = webhooks_notificar(evento="processo.aprovado", dados={})
    EntregaWebhook.objects.filter(pk=entrega.pk).update(status=St.DESISTIU, tentativas=MAX_TENTATIVAS)
    receptor.responder(Resposta(503))

    entrega_reenviar(entrega=entrega, por=admin_user)
    entregar(str(entrega.pk))

    entrega.refresh_from_db()
    assert (entrega.status, entrega.tentativas) == (St.PENDENTE, MAX_TENTATIVAS + 1)
    assert entrega.tentativas_feitas.get().numero == MAX_TENTATIVAS + 1
