"""The live stream of one channel (Server-Sent Events), served by django-eventstream over ASGI."""

from django.db import connection
from django.http import HttpResponseForbidden
from django.views.decorators.http import require_GET
from django_eventstream.views import events

from .canais import pode_ler_canal


@require_GET
def eventos(request, canal: str):
    """Refuse who may not read `canal`; otherwise stream it, resuming after `Last-Event-ID`.

    The permission is checked here once, then again by the stream on each read (from the permissions
    cached on the user). The database connection this request took for the session and the permissions is
    closed before streaming: an open stream holds no database connection, however long it lasts.
    """
    if not pode_ler_canal(request.user, canal):
        resposta = HttpResponseForbidden(
            "Você não tem permissão para acompanhar estas atualizações. Entre novamente no sistema.",
            content_type="text/plain; charset=utf-8",
        )
        resposta["Cache-Control"] = "no-store"
        return resposta
    resposta = events(request, canal=canal)
    if not connection.in_atomic_block:
        connection.close()
    return resposta
