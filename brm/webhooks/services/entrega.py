"""Delivering an event to a webhook: one signed POST per attempt, retried with backoff while the failure may pass.

An attempt claims the delivery with a conditional update (its next attempt moves `RESERVA_SEGUNDOS` ahead), so
two workers, or a worker and beat, never make the same call; the call itself happens outside any transaction.
Each attempt is a `TentativaEntrega` row, written when the call starts and completed when it ends.
"""

import dataclasses
import datetime as dt
import json
import logging
import re
import time
import uuid
from urllib.parse import urlsplit

import requests
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from brm.common import tarefas

from ..assinatura import assinar
from ..models import EntregaWebhook, Evento, TentativaEntrega

logger = logging.getLogger(__name__)

TAREFA_ENTREGAR = "webhooks.entregar"
TAREFA_ENTREGAR_PENDENTES = "webhooks.entregar_pendentes"

St = EntregaWebhook.Status

# Seconds before attempt n + 1 when attempt n failed for a reason that may pass; after the last, it gives up.
ESPERAS = (60, 5 * 60, 30 * 60, 2 * 60 * 60, 6 * 60 * 60)
MAX_TENTATIVAS = len(ESPERAS) + 1
# Seconds to connect and to wait for each read of the answer.
TEMPO_LIMITE = (10, 10)
# While a worker makes a call, the delivery's next attempt is pushed this far ahead: nobody else takes it unless
# that worker died. Longer than the task's hard time limit (tasks.py).
RESERVA_SEGUNDOS = 120
# A queued attempt may run a little before its time by another machine's clock.
TOLERANCIA_RELOGIO = dt.timedelta(seconds=5)
# Waits up to this long are queued with a countdown; longer ones are left to beat (Redis hands a countdown longer
# than its visibility timeout to a worker again before its time).
MAIOR_COUNTDOWN = 30 * 60
# Beat queues the deliveries due for this long whose queued task never ran (Redis was down, a worker was lost).
FOLGA_BEAT = dt.timedelta(seconds=60)
LIMITE_BEAT = 500
TAMANHO_RESPOSTA = 1024
# Answers that say "try again later": time-out and too many requests.
HTTP_PASSAGEIROS = {408, 429}

ENTREGUE, PASSAGEIRO, DEFINITIVO = "entregue", "passageiro", "definitivo"


@dataclasses.dataclass
class Resultado:
    tipo: str
    duracao_ms: int
    status_http: int | None = None
    erro: str = ""
    resposta: str = ""
    retry_after: int | None = None


def entrega_conteudo(entrega: EntregaWebhook) -> dict:
    """What the receiver gets: the event, the delivery's id (the same on every attempt), when it happened, data."""
    return {
        "evento": entrega.evento,
        "id": str(entrega.pk),
        "quando": entrega.quando.astimezone(dt.UTC).isoformat(),
        "dados": entrega.dados,
    }


def entrega_corpo(entrega: EntregaWebhook) -> bytes:
    return json.dumps(
        entrega_conteudo(entrega), ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder
    ).encode()


def entrega_entregar(*, entrega_id: str | uuid.UUID) -> EntregaWebhook | None:
    """Make the delivery's next attempt if it is due; None when it is not (delivered, given up, not yet time, or
    another worker is making it)."""
    agora = timezone.now()
    with transaction.atomic():
        reservada = EntregaWebhook.objects.filter(
            pk=entrega_id, status=St.PENDENTE, proxima_tentativa_em__lte=agora + TOLERANCIA_RELOGIO
        ).update(
            tentativas=F("tentativas") + 1,
            proxima_tentativa_em=agora + dt.timedelta(seconds=RESERVA_SEGUNDOS),
            updated_at=agora,
        )
        if not reservada:
            return None
        entrega = EntregaWebhook.objects.select_related("webhook").get(pk=entrega_id)
        tentativa = TentativaEntrega.objects.create(entrega=entrega, numero=entrega.tentativas, iniciada_em=agora)

    if not entrega.webhook.ativo and entrega.evento != Evento.TESTE:
        resultado = Resultado(DEFINITIVO, 0, erro="O webhook foi desativado antes da entrega; nada foi enviado.")
    else:
        resultado = _chamar(entrega)

    espera = _concluir(entrega, tentativa, resultado)
    if espera is not None and espera <= MAIOR_COUNTDOWN:
        tarefas.enfileirar(TAREFA_ENTREGAR, str(entrega.pk), countdown=espera)
    entrega.refresh_from_db()
    return entrega


def _concluir(entrega: EntregaWebhook, tentativa: TentativaEntrega, resultado: Resultado) -> int | None:
    """Record the attempt and what comes next; the seconds until the next attempt, None when there is none."""
    agora = timezone.now()
    feitas = entrega.tentativas - entrega.tentativas_antes_do_reenvio
    espera = None
    if resultado.tipo == ENTREGUE:
        campos = {"status": St.ENTREGUE, "entregue_em": agora, "proxima_tentativa_em": None, "erro": ""}
    elif resultado.tipo == PASSAGEIRO and feitas < MAX_TENTATIVAS:
        espera = max(ESPERAS[feitas - 1], min(resultado.retry_after or 0, ESPERAS[-1]))
        campos = {"proxima_tentativa_em": agora + dt.timedelta(seconds=espera), "erro": resultado.erro}
    elif resultado.tipo == PASSAGEIRO:
        campos = {
            "status": St.DESISTIU,
            "proxima_tentativa_em": None,
            "erro": f"{resultado.erro} Sem sucesso em {feitas} tentativas: o BRM desistiu desta entrega.",
        }
    else:
        campos = {"status": St.FALHOU, "proxima_tentativa_em": None, "erro": resultado.erro}
    with transaction.atomic():
        TentativaEntrega.objects.filter(pk=tentativa.pk).update(
            duracao_ms=resultado.duracao_ms,
            status_http=resultado.status_http,
            erro=resultado.erro,
            resposta=resultado.resposta,
            updated_at=agora,
        )
        # Only the attempt this worker claimed: a later one (if this worker was presumed dead) is left alone.
        EntregaWebhook.objects.filter(pk=entrega.pk, status=St.PENDENTE, tentativas=entrega.tentativas).update(
            updated_at=agora, **campos
        )
    nivel = logging.INFO if resultado.tipo == ENTREGUE else logging.WARNING
    logger.log(
        nivel,
        "Webhook %s, entrega %s (%s), tentativa %s: %s",
        entrega.webhook_id,
        entrega.pk,
        entrega.evento,
        entrega.tentativas,
        resultado.erro or f"HTTP {resultado.status_http}",
    )
    return espera


def _chamar(entrega: EntregaWebhook) -> Resultado:
    corpo = entrega_corpo(entrega)
    timestamp = int(time.time())
    cabecalhos = {
        "Content-Type": "application/json",
        "User-Agent": "BRM-Webhooks/1.0",
        "X-BRM-Evento": entrega.evento,
        "X-BRM-Entrega": str(entrega.pk),
        "X-BRM-Timestamp": str(timestamp),
        "X-BRM-Assinatura": assinar(segredo=entrega.webhook.segredo, timestamp=timestamp, corpo=corpo),
    }
    inicio = time.monotonic()

    def duracao() -> int:
        return round((time.monotonic() - inicio) * 1000)

    try:
        with requests.post(
            entrega.webhook.url,
            data=corpo,
            headers=cabecalhos,
            timeout=TEMPO_LIMITE,
            allow_redirects=False,
            stream=True,
        ) as resposta:
            trecho = resposta.raw.read(TAMANHO_RESPOSTA, decode_content=True) or b""
            status = resposta.status_code
            retry_after = _segundos(resposta.headers.get("Retry-After"))
    except requests.Timeout:
        return Resultado(PASSAGEIRO, duracao(), erro=f"O destino não respondeu em {TEMPO_LIMITE[1]} s.")
    except requests.ConnectionError as erro:
        motivo = _motivo(erro, entrega.webhook.url)
        return Resultado(PASSAGEIRO, duracao(), erro=f"Não foi possível falar com o destino: {motivo}.")
    except requests.RequestException as erro:
        motivo = _motivo(erro, entrega.webhook.url)
        return Resultado(DEFINITIVO, duracao(), erro=f"Não foi possível chamar o endereço: {motivo}.")
    texto = trecho.decode("utf-8", errors="replace")
    if 200 <= status < 300:
        return Resultado(ENTREGUE, duracao(), status_http=status, resposta=texto)
    if status in HTTP_PASSAGEIROS or status >= 500:
        return Resultado(
            PASSAGEIRO,
            duracao(),
            status_http=status,
            resposta=texto,
            retry_after=retry_after,
            erro=f"O destino respondeu HTTP {status}; o BRM tentará de novo.",
        )
    if 300 <= status < 400:
        erro = (
            f"O destino respondeu HTTP {status} (redirecionamento para {resposta.headers.get('Location', '?')}); "
            "cadastre o endereço final. Não será tentado de novo."
        )
    else:
        erro = f"O destino recusou o evento (HTTP {status}); não será tentado de novo."
    return Resultado(DEFINITIVO, duracao(), status_http=status, resposta=texto, erro=erro)


def _segundos(valor: str | None) -> int | None:
    try:
        return max(0, int(valor)) if valor else None
    except ValueError:
        # An HTTP date instead of seconds: our own backoff is close enough.
        return None


def _motivo(erro: Exception, url: str) -> str:
    # requests puts the address in its messages, path and query included, where a receiver often keeps its secret
    # (a token in the query, a key in the path). The message is logged and stored: it keeps only the host.
    partes = urlsplit(url)
    texto = str(erro).replace(url, f"{partes.scheme}://{partes.hostname or ''}/…")
    texto = re.sub(r"with url: \S+", "with url: …", texto)
    return texto[:300] or erro.__class__.__name__


def entregas_pendentes_enfileirar() -> int:
    """Queue the deliveries whose next attempt is overdue (their queued task was lost, or their wait was longer
    than a countdown may be); how many. Run by beat every minute; a delivery queued twice is made once."""
    limite = timezone.now() - FOLGA_BEAT
    ids = list(
        EntregaWebhook.objects.filter(status=St.PENDENTE, proxima_tentativa_em__lte=limite)
        .order_by("proxima_tentativa_em")
        .values_list("pk", flat=True)[:LIMITE_BEAT]
    )
    for pk in ids:
        tarefas.enfileirar(TAREFA_ENTREGAR, str(pk))
    return len(ids)
