"""The request id: every log line of a request names it, and the response says it (`X-Request-ID`)."""

import logging
import re
import time
import uuid

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core.signals import request_finished
from django.dispatch import receiver

from .registro import request_id_definir

CABECALHO = "X-Request-ID"
# What a proxy in front may send: a uuid, a hex or base64url token, a trace id. Anything else (too long, spaces,
# line breaks, quotes) is not written to a log or echoed in a header: a new id is made instead.
ID_ACEITO = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

registro_requisicoes = logging.getLogger("brm.requisicoes")


def request_id_do_pedido(valor: str | None) -> str:
    """The id the request brought, when it is a sane token; otherwise a new one (uuid4 in hex)."""
    valor = (valor or "").strip()
    return valor if ID_ACEITO.fullmatch(valor) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Takes the request's `X-Request-ID` (or makes one), keeps it in the logging context for the whole request
    (its streamed body included) and sends it back in the response; with `BRM_LOG_REQUISICOES`, one line per
    request (method, path without the query string, status, duration).

    Sync and async: under ASGI it runs in the request's own task, so the id also reaches the lines Django writes
    after the middleware returns (the "Not Found: …" of `django.request`) and those of a streamed body (SSE). It
    is cleared when the response is closed (`request_finished`), for servers that reuse a thread.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.registrar = getattr(settings, "BRM_LOG_REQUISICOES", False)
        self.assincrono = iscoroutinefunction(get_response)
        if self.assincrono:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.assincrono:
            return self.__acall__(request)
        inicio = self._comecar(request)
        resposta = self.get_response(request)
        return self._terminar(request, resposta, inicio)

    async def __acall__(self, request):
        inicio = self._comecar(request)
        resposta = await self.get_response(request)
        return self._terminar(request, resposta, inicio)

    @staticmethod
    def _comecar(request) -> float:
        request.request_id = request_id_do_pedido(request.headers.get(CABECALHO))
        request_id_definir(request.request_id)
        return time.monotonic()

    def _terminar(self, request, resposta, inicio: float):
        resposta[CABECALHO] = request.request_id
        if self.registrar:
            duracao = round((time.monotonic() - inicio) * 1000)
            registro_requisicoes.info(
                "%s %s %s (%d ms)",
                request.method,
                request.path,
                resposta.status_code,
                duracao,
                extra={"status_code": resposta.status_code, "duracao_ms": duracao},
            )
        return resposta


@receiver(request_finished, dispatch_uid="brm-request-id-limpar")
def _limpar_request_id(**kwargs) -> None:
    request_id_definir(None)
