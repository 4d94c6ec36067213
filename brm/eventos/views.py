"""The live stream of one channel (Server-Sent Events), served over ASGI.

The pages read it with their session; other systems with the API's tokens (`Authorization: Bearer <access>` or
`Bearer brm_…`), checked by the API's own authenticators (`REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]`,
the session's among them), so a token the API refuses is refused here too, for the same reason. Refusals
answer in the API's one error shape: 401 without credentials or with a bad token, 403 without the permission
to read the channel.
"""

from urllib.parse import unquote

from django.db import connection
from django.http import JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET
from django_eventstream.utils import add_default_headers
from django_eventstream.views import get_listener_manager
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.settings import api_settings

from brm.api.erros import corpo_de_erro, tratar_erro

from .canais import pode_ler_canal
from .fluxo import fluxo

SEM_PERMISSAO = "Você não tem permissão para acompanhar estas atualizações. Entre novamente no sistema."


def _recusa(status: int, corpo: dict, *, desafio: str = "") -> JsonResponse:
    # Byte for byte as the API's JSON renderer writes it.
    resposta = JsonResponse(corpo, status=status, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})
    resposta["Cache-Control"] = "no-store"
    if desafio:
        resposta["WWW-Authenticate"] = desafio
    return resposta


def _autenticar(request):
    """Who is asking, as the API would say it: the user, or the API's own 401 (body and WWW-Authenticate) for a
    bad token or none. A token in the Authorization header is checked by the API's authenticators; without one,
    the session's user."""
    pedido = Request(request, authenticators=[classe() for classe in api_settings.DEFAULT_AUTHENTICATION_CLASSES])
    try:
        usuario = pedido.user
        if not usuario.is_authenticated:
            raise exceptions.NotAuthenticated()
    except (exceptions.AuthenticationFailed, exceptions.NotAuthenticated) as erro:
        desafio = pedido.authenticators[0].authenticate_header(pedido) if pedido.authenticators else ""
        return None, _recusa(401, tratar_erro(erro, {"request": pedido}).data, desafio=desafio or "Bearer")
    return usuario, None


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

    Who is asking and what they may read are checked here, once: what the session or the token says when the
    stream opens (a person whose role changes, a token that expires or is revoked, gets the new rule on the next
    connection). The database connection this request took for them is closed before streaming: an open stream
    holds no database connection, however long it lasts.
    """
    usuario, recusa = _autenticar(request)
    if recusa is not None:
        return recusa
    if not pode_ler_canal(usuario, canal):
        return _recusa(403, corpo_de_erro("permissao", SEM_PERMISSAO))
    try:
        ultimo = ultimo_id_pedido(request, canal)
    except ValueError:
        return _recusa(400, corpo_de_erro("invalido", "Last-Event-ID inválido."))
    resposta = StreamingHttpResponse(
        fluxo(canal=canal, ultimo=ultimo, usuario_id=usuario.pk, gerenciador=get_listener_manager()),
        content_type="text/event-stream",
    )
    add_default_headers(resposta, request=request)
    if not connection.in_atomic_block:
        connection.close()
    return resposta
