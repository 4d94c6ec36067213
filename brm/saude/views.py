"""/metrics: the Prometheus text format, for whoever has BRM_METRICAS_TOKEN."""

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client.exposition import choose_encoder

from .metricas import registro

TEXTO = "text/plain; charset=utf-8"


@require_GET
def metricas(request: HttpRequest) -> HttpResponse:
    esperado = settings.BRM_METRICAS_TOKEN
    if not esperado:
        return HttpResponse(
            "As métricas estão desligadas: defina BRM_METRICAS_TOKEN para ligá-las.\n", status=404, content_type=TEXTO
        )
    tipo, _, recebido = request.headers.get("Authorization", "").partition(" ")
    if tipo.lower() != "bearer" or not recebido.strip():
        resposta = HttpResponse(
            "Envie o token das métricas no cabeçalho Authorization: Bearer <BRM_METRICAS_TOKEN>.\n",
            status=401,
            content_type=TEXTO,
        )
        resposta["WWW-Authenticate"] = 'Bearer realm="metricas"'
        return resposta
    # Constant time: how much of a guess was right must not show in how long the refusal took.
    if not hmac.compare_digest(recebido.strip().encode(), esperado.encode()):
        return HttpResponse("Token das métricas recusado.\n", status=403, content_type=TEXTO)
    gerar, tipo_de_conteudo = choose_encoder(request.headers.get("Accept", ""))
    resposta = HttpResponse(gerar(registro), content_type=tipo_de_conteudo)
    resposta["Cache-Control"] = "no-store"
    return resposta
