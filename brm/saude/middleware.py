"""/healthz and /readyz, answered before every other middleware.

A load balancer or Docker's HEALTHCHECK probes the container by its IP over plain HTTP: no Host that
ALLOWED_HOSTS knows, no HTTPS, no session, no login. First in MIDDLEWARE, this answers those two paths before
SecurityMiddleware (HTTPS redirect), CommonMiddleware (ALLOWED_HOSTS) and the rest can refuse them; every other
request goes on untouched. It never reads `request.get_host()`, which is what validates the Host.
"""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponse, JsonResponse

from .prontidao import prontidao_obter

METODOS = ("GET", "HEAD")


def vivo(request: HttpRequest) -> HttpResponse:
    """The process is up and serving: nothing else is looked at (no database, no Redis)."""
    return _resposta(request, {"vivo": True}, 200)


def pronto(request: HttpRequest) -> HttpResponse:
    """200 when every part answers, 503 naming those that do not (brm/saude/prontidao.py)."""
    prontidao = prontidao_obter()
    resposta = _resposta(request, prontidao.como_json(), 200 if prontidao.pronto else 503)
    # Django logs every 5xx as an ERROR with the request; a probe every few seconds would fill the log with the
    # same line. Changes of a part are logged once each (brm/saude/prontidao.py).
    resposta._has_been_logged = True
    return resposta


ROTAS = {"/healthz": vivo, "/healthz/": vivo, "/readyz": pronto, "/readyz/": pronto}


def _resposta(request: HttpRequest, dados: dict, status: int) -> HttpResponse:
    if request.method not in METODOS:
        resposta = JsonResponse({"erro": "Use GET ou HEAD."}, status=405, json_dumps_params={"ensure_ascii": False})
        resposta["Allow"] = ", ".join(METODOS)
        return resposta
    resposta = JsonResponse(dados, status=status, json_dumps_params={"ensure_ascii": False})
    if request.method == "HEAD":
        resposta.content = b""
    resposta["Cache-Control"] = "no-store"
    return resposta


class SaudeMiddleware:
    """Answers ROTAS itself; sync and async, so under ASGI ordinary requests pay no thread switch here."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.assincrono = iscoroutinefunction(get_response)
        if self.assincrono:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):
        if self.assincrono:
            return self._atender_assincrono(request)
        rota = ROTAS.get(request.path_info)
        return rota(request) if rota is not None else self.get_response(request)

    async def _atender_assincrono(self, request: HttpRequest):
        rota = ROTAS.get(request.path_info)
        if rota is None:
            return await self.get_response(request)
        if rota is vivo:
            return vivo(request)
        # The checks block (sockets, the database) for up to a few seconds: in a thread, not on the event loop,
        # and not in the one thread Django keeps for thread-sensitive code either.
        return await sync_to_async(rota, thread_sensitive=False)(request)
