"""The live stream of one channel (Server-Sent Events), served over ASGI."""

from urllib.parse import unquote

from django.db import connection
from django.http import HttpResponseBadRequest, HttpResponseForbidden, StreamingHttpResponse
from django.views.decorators.http import require_GET
from django_eventstream.utils import add_default_headers
from django_eventstream.views import get_listener_manager

from .canais import pode_ler_canal
from .fluxo import fluxo


def _texto(status_class, mensagem: str):
    resposta = status_class(mensagem, content_type="text/plain; charset=utf-8")
    resposta["Cache-Control"] = "no-store"
    return resposta


def ultimo_id_pedido(request, canal: str) -> int | None:
    """The last id the browser has of `canal`: its `Last-Event-ID` (or `lastEventId`, for polyfills), in
    django-eventstream's format `canal:N[,outro:M]`. None when it has none; ValueError when it is malformed."""
    valor = request.headers.get("Last-Event-ID") or request.GET.get("lastEventId") or ""
    for parte in filter(None, valor.split(",")):
        nome, separador, numero = parte.rpartition(":")
        if not separador:
            raise ValueError(valor)
        if unquote(nome) == canal:
            return max(int(numero), 0)
    return None


@require_GET
def eventos(request, canal: str):
    """Refuse who may not read `canal`; otherwise stream it, resuming after `Last-Event-ID`.

    The permission is checked here, once: it is what the session says when the stream opens (a person whose
    role changes gets the new rule on the next connection). The database connection this request took for
    the session and the permissions is closed before streaming: an open stream holds no database connection,
    however long it lasts.
    """
    if not pode_ler_canal(request.user, canal):
        return _texto(
            HttpResponseForbidden,
            "Você não tem permissão para acompanhar estas atualizações. Entre novamente no sistema.",
        )
    try:
        ultimo = ultimo_id_pedido(request, canal)
    except ValueError:
        return _texto(HttpResponseBadRequest, "Last-Event-ID inválido.")
    resposta = StreamingHttpResponse(
        fluxo(canal=canal, ultimo=ultimo, usuario_id=request.user.pk, gerenciador=get_listener_manager()),
        content_type="text/event-stream",
    )
    add_default_headers(resposta, request=request)
    if not connection.in_atomic_block:
        connection.close()
    return resposta
