"""The webhooks in the admin: administrators only; the secret shown once and stored encrypted; the test event;
the delivery log with every attempt; re-sending what failed."""

import pytest
from django.contrib import messages
from django.db import connection
from django.urls import reverse

from brm.webhooks.models import EntregaWebhook, Evento, TentativaEntrega, Webhook
from brm.webhooks.tasks import entregar
from tests.conftest import linhas_da_lista, textos

from .test_entrega import verificar_assinatura

pytestmark = pytest.mark.django_db

St = EntregaWebhook.Status


def url(modelo: str, acao: str, *args) -> str:
    return reverse(f"admin:webhooks_{modelo}_{acao}", args=args)


@pytest.fixture
def webhook_e_segredo(criar_webhook):
    return criar_webhook("https://erp.example/brm", [Evento.PROCESSO_APROVADO])


@pytest.fixture
def entrega_falhou(webhook_e_segredo):
    webhook, _ = webhook_e_segredo
    entrega = EntregaWebhook.objects.create(
        webhook=webhook,
        evento=Evento.PROCESSO_APROVADO,
        quando="2026-11-20T14:30:00Z",
        dados={"processo": {"id": "1"}},
        status=St.FALHOU,
        tentativas=1,
        erro="O destino recusou o evento (HTTP 404); não será tentado de novo.",
    )
    TentativaEntrega.objects.create(
        entrega=entrega, numero=1, iniciada_em="2026-11-20T14:30:01Z", duracao_ms=12, status_http=404, erro=entrega.erro
    )
    return entrega


def paginas(webhook, entrega) -> list[str]:
    return [
        url("webhook", "changelist"),
        url("webhook", "add"),
        url("webhook", "change", webhook.pk),
        url("entregawebhook", "changelist"),
        url("entregawebhook", "change", entrega.pk),
    ]


def test_paginas_abrem_para_o_administrador(client, admin_user, webhook_e_segredo, entrega_falhou):
    webhook, segredo = webhook_e_segredo
    client.force_login(admin_user)

    for endereco in paginas(webhook, entrega_falhou):
        resposta = client.get(endereco)
        assert resposta.status_code == 200, endereco
        # The secret is never shown again, on any page.
        assert segredo not in resposta.content.decode()

    detalhe = client.get(url("entregawebhook", "change", entrega_falhou.pk)).content.decode()
    # Its attempts are listed on the delivery's page, with what the receiver answered.
    assert "404" in detalhe and "O destino recusou o evento" in detalhe
    assert str(entrega_falhou.pk) in detalhe


@pytest.mark.parametrize("papel", ["operador", "aprovador", "leitor"])
def test_paginas_sao_recusadas_para_quem_nao_e_administrador(client, request, papel, webhook_e_segredo, entrega_falhou):
    webhook, _ = webhook_e_segredo
    client.force_login(request.getfixturevalue(papel))

    for endereco in paginas(webhook, entrega_falhou):
        assert client.get(endereco).status_code == 403, endereco
    resposta = client.post(url("webhook", "add"), {"nome": "X", "url": "https://x.example", "eventos": ["teste"]})
    assert resposta.status_code == 403
    assert Webhook.objects.count() == 1


def test_cadastrar_mostra_o_segredo_uma_vez_e_o_guarda_cifrado(client, admin_user):
    client.force_login(admin_user)

    resposta = client.post(
        url("webhook", "add"),
        {
            "nome": "ERP financeiro",
            "url": "https://erp.example/brm",
            "eventos": [Evento.PROCESSO_APROVADO, Evento.EXECUCAO_FALHOU],
            "ativo": "on",
        },
    )

    assert resposta.status_code == 200
    webhook = Webhook.objects.get()
    assert webhook.eventos == [Evento.PROCESSO_APROVADO, Evento.EXECUCAO_FALHOU]
    assert webhook.criado_por == admin_user
    assert webhook.segredo and webhook.segredo in resposta.content.decode()
    assert "não será mostrado de novo" in resposta.content.decode()
    with connection.cursor() as cursor:
        cursor.execute("SELECT segredo FROM webhooks_webhook WHERE id = %s", [webhook.pk.hex])
        guardado = cursor.fetchone()
    if guardado is None:  # PostgreSQL keeps the uuid as a uuid
        with connection.cursor() as cursor:
            cursor.execute("SELECT segredo FROM webhooks_webhook WHERE id = %s", [webhook.pk])
            guardado = cursor.fetchone()
    assert guardado[0] and webhook.segredo not in guardado[0]
    assert client.get(url("webhook", "change", webhook.pk)).content.decode().count(webhook.segredo) == 0


@pytest.mark.parametrize(
    ("dados", "erro"),
    [
        ({"url": "ftp://erp.example/brm", "eventos": [Evento.PROCESSO_APROVADO]}, "url"),
        ({"url": "https://erp.example/brm", "eventos": []}, "eventos"),
        ({"url": "https://erp.example/brm", "eventos": ["processo.apagado"]}, "eventos"),
    ],
)
def test_cadastro_invalido_e_recusado_sem_criar_nada(client, admin_user, dados, erro):
    client.force_login(admin_user)

    resposta = client.post(url("webhook", "add"), {"nome": "ERP", "ativo": "on", **dados})

    assert resposta.status_code == 200
    assert erro in resposta.context["adminform"].form.errors
    assert not Webhook.objects.exists()


def test_alterar_eventos_e_endereco_mantem_o_segredo(client, admin_user, webhook_e_segredo):
    webhook, segredo = webhook_e_segredo
    client.force_login(admin_user)

    resposta = client.post(
        url("webhook", "change", webhook.pk),
        {
            "nome": "ERP novo",
            "url": "https://erp2.example/brm",
            "eventos": [Evento.PROCESSO_REJEITADO],
            "ativo": "on",
            "entregas-TOTAL_FORMS": "0",
            "entregas-INITIAL_FORMS": "0",
        },
    )

    assert resposta.status_code == 302, resposta.content.decode()[:2000]
    webhook.refresh_from_db()
    assert (webhook.nome, webhook.url, webhook.eventos) == (
        "ERP novo",
        "https://erp2.example/brm",
        ["processo.rejeitado"],
    )
    assert webhook.segredo == segredo


def test_acao_de_evento_de_teste_entrega_um_evento_teste_assinado(
    client, admin_user, receptor, criar_webhook, tarefas, django_capture_on_commit_callbacks
):
    webhook, segredo = criar_webhook(receptor.url, [Evento.PROCESSO_APROVADO])
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        resposta = client.post(
            url("webhook", "changelist"), {"action": "enviar_teste", "_selected_action": [webhook.pk]}, follow=True
        )

    assert "1 evento de teste enviado." in textos(resposta)
    entrega = EntregaWebhook.objects.get(webhook=webhook)
    assert entrega.evento == Evento.TESTE
    assert [t.args for t in tarefas if t.nome == "entregar"] == [(str(entrega.pk),)]
    entregar(str(entrega.pk))
    (recebida,) = receptor.recebidas
    assert recebida.cabecalhos["X-BRM-Evento"] == "teste"
    assert verificar_assinatura(segredo, recebida.cabecalhos, recebida.corpo)
    entrega.refresh_from_db()
    assert entrega.status == St.ENTREGUE


def test_acao_de_novo_segredo_mostra_o_novo_uma_vez(client, admin_user, webhook_e_segredo):
    webhook, antigo = webhook_e_segredo
    client.force_login(admin_user)

    resposta = client.post(
        url("webhook", "changelist"), {"action": "renovar_segredo", "_selected_action": [webhook.pk]}
    )

    webhook.refresh_from_db()
    assert webhook.segredo != antigo
    assert webhook.segredo in resposta.content.decode()


def test_reenviar_entrega_que_falhou_abre_nova_rodada_com_o_mesmo_id(
    client, admin_user, entrega_falhou, tarefas, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        resposta = client.post(
            url("entregawebhook", "changelist"),
            {"action": "reenviar_selecionadas", "_selected_action": [entrega_falhou.pk]},
            follow=True,
        )

    assert "1 entrega reenviada." in textos(resposta)
    entrega_falhou.refresh_from_db()
    assert (entrega_falhou.status, entrega_falhou.tentativas, entrega_falhou.tentativas_antes_do_reenvio) == (
        St.PENDENTE,
        1,
        1,
    )
    assert [t.args for t in tarefas if t.nome == "entregar"] == [(str(entrega_falhou.pk),)]


def test_reenviar_entrega_entregue_e_recusado_sem_efeitos(client, admin_user, entrega_falhou, tarefas):
    EntregaWebhook.objects.filter(pk=entrega_falhou.pk).update(status=St.ENTREGUE)
    client.force_login(admin_user)

    resposta = client.post(
        url("entregawebhook", "changelist"),
        {"action": "reenviar_selecionadas", "_selected_action": [entrega_falhou.pk]},
        follow=True,
    )

    assert (messages.WARNING, f"{entrega_falhou}: Só entregas que falharam podem ser reenviadas; esta não falhou.") in [
        (m.level, str(m)) for m in resposta.context["messages"]
    ]
    entrega_falhou.refresh_from_db()
    assert entrega_falhou.status == St.ENTREGUE
    assert tarefas == []


def test_busca_de_entregas_pelo_id_do_cabecalho(client, admin_user, entrega_falhou):
    client.force_login(admin_user)
    lista = url("entregawebhook", "changelist")

    assert len(linhas_da_lista(client.get(lista, {"q": str(entrega_falhou.pk)}))) == 1
    assert client.get(lista, {"q": "não é um id"}).context["cl"].result_count == 0
