"""Delivering to a real receiver on 127.0.0.1: the signature verifies, failures that may pass are retried with
backoff and every attempt is kept, refusals end at once, and one attempt is never made twice."""

import datetime as dt
import hashlib
import hmac
import json
import time

import pytest
import time_machine
from django.utils import timezone

from brm.webhooks.models import EntregaWebhook, Evento, TentativaEntrega
from brm.webhooks.services import MAX_TENTATIVAS, entregas_pendentes_enfileirar, webhooks_notificar
from brm.webhooks.services.entrega import ESPERAS, RESERVA_SEGUNDOS
from brm.webhooks.tasks import entregar, entregar_pendentes
from tests.conftest import porta_fechada

from .conftest import Resposta

pytestmark = pytest.mark.django_db

St = EntregaWebhook.Status
APROVADO = Evento.PROCESSO_APROVADO
DADOS = {"processo": {"id": "0b7f", "valor_total": "1234.56"}, "cliente": {"cnpj": "12.345.678/0001-95"}}


def verificar_assinatura(segredo: str, cabecalhos: dict, corpo: bytes, tolerancia: int = 300) -> bool:
    """What a receiver does before trusting a call (the same snippet as docs/webhooks.md)."""
    timestamp = cabecalhos["X-BRM-Timestamp"]
    if abs(time.time() - int(timestamp)) > tolerancia:
        return False  # too old: possibly a replay
    esperada = hmac.new(segredo.encode(), f"{timestamp}.".encode() + corpo, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"sha256={esperada}", cabecalhos["X-BRM-Assinatura"])


def notificar(evento=APROVADO, dados=DADOS) -> EntregaWebhook:
    (entrega,) = webhooks_notificar(evento=evento, dados=dados)
    return entrega


def tentativas(entrega) -> list[tuple]:
    return list(
        TentativaEntrega.objects.filter(entrega=entrega)
        .order_by("numero")
        .values_list("numero", "status_http", "erro", "resposta")
    )


def depois(segundos: float):
    """The clock `segundos` ahead of now, ticking (the receiver's time and the signature's move with it)."""
    return time_machine.travel(timezone.now() + dt.timedelta(seconds=segundos), tick=True)


def test_entrega_chega_ao_receptor_assinada_e_a_assinatura_confere_com_o_segredo(receptor, criar_webhook, tarefas):
    webhook, segredo = criar_webhook(receptor.url, [APROVADO])
    entrega = notificar()

    entregar(str(entrega.pk))

    (recebida,) = receptor.recebidas
    assert recebida.caminho == "/brm/eventos"
    assert recebida.cabecalhos["Content-Type"] == "application/json"
    assert recebida.cabecalhos["X-BRM-Evento"] == "processo.aprovado"
    assert recebida.cabecalhos["X-BRM-Entrega"] == str(entrega.pk)
    assert verificar_assinatura(segredo, recebida.cabecalhos, recebida.corpo)
    # Any change to the body or the timestamp breaks it; so does another secret.
    assert not verificar_assinatura(segredo, recebida.cabecalhos, recebida.corpo.replace(b"1234.56", b"1.00"))
    assert not verificar_assinatura("outro-segredo", recebida.cabecalhos, recebida.corpo)
    adiantado = {**recebida.cabecalhos, "X-BRM-Timestamp": str(int(recebida.cabecalhos["X-BRM-Timestamp"]) + 1)}
    assert not verificar_assinatura(segredo, adiantado, recebida.corpo)
    conteudo = json.loads(recebida.corpo)
    assert conteudo == {
        "evento": "processo.aprovado",
        "id": str(entrega.pk),
        "quando": entrega.quando.astimezone(dt.UTC).isoformat(),
        "dados": DADOS,
    }
    entrega.refresh_from_db()
    assert (entrega.status, entrega.tentativas, entrega.proxima_tentativa_em) == (St.ENTREGUE, 1, None)
    assert entrega.entregue_em is not None
    assert tentativas(entrega) == [(1, 200, "", "ok")]
    assert tarefas == []


def test_receptor_com_erro_e_depois_lento_e_tentado_de_novo_e_cada_tentativa_fica_registrada(
    receptor, criar_webhook, tarefas, tempo_limite_curto
):
    criar_webhook(receptor.url, [APROVADO])
    receptor.responder(Resposta(500, b"erro interno"), Resposta(200, b"tarde", demora=1.5), Resposta(200, b"ok"))
    entrega = notificar()

    antes = timezone.now()
    entregar(str(entrega.pk))

    entrega.refresh_from_db()
    assert (entrega.status, entrega.tentativas) == (St.PENDENTE, 1)
    assert "HTTP 500" in entrega.erro
    espera = (entrega.proxima_tentativa_em - antes).total_seconds()
    assert ESPERAS[0] <= espera < ESPERAS[0] + 5
    # The retry is queued with its countdown; run before its time it does nothing.
    assert [(t.nome, t.args) for t in tarefas] == [("entregar", (str(entrega.pk),))]
    entregar(str(entrega.pk))
    assert len(receptor.recebidas) == 1

    with depois(ESPERAS[0] + 1):
        entregar(str(entrega.pk))
    entrega.refresh_from_db()
    assert (entrega.status, entrega.tentativas) == (St.PENDENTE, 2)
    assert "não respondeu" in entrega.erro

    with depois(ESPERAS[0] + ESPERAS[1] + 2):
        entregar(str(entrega.pk))
    entrega.refresh_from_db()
    assert (entrega.status, entrega.tentativas, entrega.erro) == (St.ENTREGUE, 3, "")
    registro = tentativas(entrega)
    assert [(numero, status) for numero, status, _, _ in registro] == [(1, 500), (2, None), (3, 200)]
    assert registro[0][3] == "erro interno"
    assert "não respondeu" in registro[1][2]
    # The same delivery id on every attempt: the receiver can tell a repeat.
    assert {r.cabecalhos["X-BRM-Entrega"] for r in receptor.recebidas} == {str(entrega.pk)}
    assert len(receptor.recebidas) == 3


def test_receptor_fora_do_ar_ate_o_limite_de_tentativas_termina_em_desistencia(criar_webhook, tarefas):
    criar_webhook(f"http://127.0.0.1:{porta_fechada()}/", [APROVADO])
    entrega = notificar()

    decorrido = 0
    for numero in range(1, MAX_TENTATIVAS + 1):
        with depois(decorrido + 1):
            entregar(str(entrega.pk))
        entrega.refresh_from_db()
        assert entrega.tentativas == numero
        if numero < MAX_TENTATIVAS:
            decorrido += ESPERAS[numero - 1] + 1

    assert entrega.status == St.DESISTIU
    assert entrega.proxima_tentativa_em is None
    assert "desistiu" in entrega.erro
    registro = tentativas(entrega)
    assert len(registro) == MAX_TENTATIVAS
    assert all(status is None and "Não foi possível falar com o destino" in erro for _, status, erro, _ in registro)
    # Waits of two and six hours are left to beat, not to a countdown.
    assert len(tarefas) == 3


@pytest.mark.parametrize("status", [400, 401, 404, 410, 422])
def test_recusa_4xx_termina_em_falha_na_primeira_tentativa(receptor, criar_webhook, tarefas, status):
    criar_webhook(receptor.url, [APROVADO])
    receptor.responder(Resposta(status, b'{"erro": "recusado"}'))
    entrega = notificar()

    entregar(str(entrega.pk))

    entrega.refresh_from_db()
    assert (entrega.status, entrega.tentativas, entrega.proxima_tentativa_em) == (St.FALHOU, 1, None)
    assert f"HTTP {status}" in entrega.erro
    assert tentativas(entrega) == [(1, status, entrega.erro, '{"erro": "recusado"}')]
    assert tarefas == []


@pytest.mark.parametrize("status", [408, 429, 502, 503])
def test_respostas_de_tente_mais_tarde_sao_tentadas_de_novo(receptor, criar_webhook, tarefas, status):
    criar_webhook(receptor.url, [APROVADO])
    receptor.responder(Resposta(status))
    entrega = notificar()

    entregar(str(entrega.pk))

    entrega.refresh_from_db()
    assert (entrega.status, entrega.tentativas) == (St.PENDENTE, 1)
    assert len(tarefas) == 1


def test_retry_after_de_um_429_adia_a_proxima_tentativa(receptor, criar_webhook, tarefas):
    criar_webhook(receptor.url, [APROVADO])
    receptor.responder(Resposta(429, cabecalhos=(("Retry-After", "900"),)))
    entrega = notificar()
    antes = timezone.now()

    entregar(str(entrega.pk))

    entrega.refresh_from_db()
    assert 900 <= (entrega.proxima_tentativa_em - antes).total_seconds() < 905


def test_redirecionamento_nao_e_seguido_e_termina_em_falha(receptor, criar_webhook, tarefas):
    criar_webhook(receptor.url, [APROVADO])
    receptor.responder(Resposta(302, b"", cabecalhos=(("Location", "http://127.0.0.1:9/outro"),)))
    entrega = notificar()

    entregar(str(entrega.pk))

    entrega.refresh_from_db()
    assert entrega.status == St.FALHOU
    assert "redirecionamento" in entrega.erro and "http://127.0.0.1:9/outro" in entrega.erro
    assert len(receptor.recebidas) == 1


def test_resposta_longa_guarda_so_o_comeco(receptor, criar_webhook, tarefas):
    criar_webhook(receptor.url, [APROVADO])
    receptor.responder(Resposta(200, b"x" * 5000))
    entrega = notificar()

    entregar(str(entrega.pk))

    (_, _, _, resposta), *_ = tentativas(entrega)
    assert resposta == "x" * 1024


def test_entrega_ja_feita_ou_em_andamento_nao_e_enviada_de_novo(receptor, criar_webhook, tarefas):
    criar_webhook(receptor.url, [APROVADO])
    entrega = notificar()

    entregar(str(entrega.pk))
    entregar(str(entrega.pk))
    assert len(receptor.recebidas) == 1

    # Another delivery, claimed by a worker that stopped mid-call: its attempt has no result and nobody takes it
    # again until the claim runs out; then beat queues it and the next attempt is number 2.
    outra = notificar()
    agora = timezone.now()
    EntregaWebhook.objects.filter(pk=outra.pk).update(
        tentativas=1, proxima_tentativa_em=agora + dt.timedelta(seconds=RESERVA_SEGUNDOS)
    )
    TentativaEntrega.objects.create(entrega=outra, numero=1, iniciada_em=agora)
    entregar(str(outra.pk))
    assert entregas_pendentes_enfileirar() == 0
    assert len(receptor.recebidas) == 1

    with depois(RESERVA_SEGUNDOS + 61):
        assert entregar_pendentes() == 1
        assert tarefas[-1].args == (str(outra.pk),)
        entregar(str(outra.pk))
    outra.refresh_from_db()
    assert (outra.status, outra.tentativas) == (St.ENTREGUE, 2)
    assert [(numero, status) for numero, status, _, _ in tentativas(outra)] == [(1, None), (2, 200)]


def test_beat_enfileira_so_as_entregas_atrasadas(criar_webhook, tarefas):
    criar_webhook("https://erp.example/brm", [APROVADO])
    atrasada, em_dia, entregue = notificar(), notificar(), notificar()
    agora = timezone.now()
    EntregaWebhook.objects.filter(pk=atrasada.pk).update(proxima_tentativa_em=agora - dt.timedelta(minutes=2))
    EntregaWebhook.objects.filter(pk=entregue.pk).update(
        status=St.ENTREGUE, proxima_tentativa_em=agora - dt.timedelta(minutes=2)
    )

    assert entregar_pendentes() == 1

    assert [(t.nome, t.args) for t in tarefas] == [("entregar", (str(atrasada.pk),))]
    assert em_dia.pk != atrasada.pk


def test_webhook_desativado_depois_do_evento_nao_recebe_a_entrega(receptor, criar_webhook, tarefas):
    webhook, _ = criar_webhook(receptor.url, [APROVADO])
    entrega = notificar()
    webhook.ativo = False
    webhook.save()

    entregar(str(entrega.pk))

    entrega.refresh_from_db()
    assert entrega.status == St.FALHOU
    assert "desativado" in entrega.erro
    assert receptor.recebidas == []
