"""The few addresses allauth sends people to, all answered by the admin's login page (the only login page).

allauth's own pages (its login, sign-up, password, e-mail management) are not mounted; these take the names its
code redirects to, so that every way out of an SSO sign-in lands back on our login page with a sentence.
"""

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_safe


def _pagina_de_entrada(request, mensagem: str | None = None):
    if mensagem:
        messages.error(request, mensagem)
    url = reverse("admin:login")
    proxima = request.GET.get(REDIRECT_FIELD_NAME)
    if proxima and url_has_allowed_host_and_scheme(proxima, allowed_hosts={request.get_host()}):
        url = f"{url}?{urlencode({REDIRECT_FIELD_NAME: proxima})}"
    return redirect(url)


@require_safe
def entrar(request):
    return _pagina_de_entrada(request)


@require_safe
def conta_inativa(request):
    return _pagina_de_entrada(request, "Esta conta está desativada: fale com um administrador.")


@require_safe
def entrada_cancelada(request):
    return _pagina_de_entrada(request, "Entrada cancelada.")


@require_safe
def entrada_com_erro(request):
    return _pagina_de_entrada(request, "Não foi possível entrar pelo provedor externo. Tente de novo.")


def cadastro_fechado(request):
    return _pagina_de_entrada(
        request, "A entrada por provedor externo só vale para quem já tem conta: peça a um administrador."
    )
