"""Error pages. 403 and 404 sit inside the admin's look, with the header of a signed-in user.

400 and 500 keep Django's own views, and the CSRF failure renders without the request: their templates
(`400.html`, `500.html`, `403_csrf.html`) are plain pages that need no request, no user and no database,
since those may be what failed. Handlers are named in `brm/urls.py`, the CSRF view in `CSRF_FAILURE_VIEW`.
"""

import logging

from django.contrib import admin
from django.db import DatabaseError
from django.http import HttpResponseForbidden, JsonResponse
from django.middleware.csrf import REASON_NO_CSRF_COOKIE, REASON_NO_REFERER
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token

from brm.api.erros import corpo_de_erro

PREFIXO_DA_API = "/api/"

logger = logging.getLogger(__name__)


def _contexto_do_site(request) -> dict:
    """The admin's header for an error page (site name, the user's links, the theme switch); without it when the
    database cannot say who the user is, so an error page never fails in turn."""
    try:
        return admin.site.each_context(request)
    except DatabaseError as erro:
        logger.warning("Página de erro sem o cabeçalho do usuário: o banco não respondeu (%s).", erro)
        return {}


# The logout form in the header carries a CSRF token: a page rendered outside a view must still make one.
@requires_csrf_token
def acesso_negado(request, exception=None):
    contexto = {**_contexto_do_site(request), "title": "Acesso negado"}
    return render(request, "403.html", contexto, status=403)


@requires_csrf_token
def pagina_nao_encontrada(request, exception=None):
    if request.path.startswith(PREFIXO_DA_API):
        # An address no API route matches (an id of the wrong form, a typo): the API's one error shape, not a page.
        return JsonResponse(corpo_de_erro("nao_encontrado", "Endereço não encontrado na API."), status=404)
    contexto = {**_contexto_do_site(request), "title": "Página não encontrada", "caminho": request.path}
    return render(request, "404.html", contexto, status=404)


def falha_csrf(request, reason=""):
    """A form whose CSRF check failed: nothing was saved; say why in words a person can act on."""
    contexto = {"sem_cookie": reason == REASON_NO_CSRF_COOKIE, "sem_referer": reason == REASON_NO_REFERER}
    return HttpResponseForbidden(render_to_string("403_csrf.html", contexto))
