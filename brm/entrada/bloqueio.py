"""What django-axes calls back: whose sign-in failed, and the answer a locked-out person or program gets.

Axes counts failures per (e-mail, address) and refuses every attempt of a locked pair, the right password
included; `AxesMiddleware` turns the refusal into `resposta_de_bloqueio`. The settings are in base.py
(`AXES_*`), the reasons in docs/entrada.md.
"""

import math

from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext

from brm.api.erros import corpo_de_erro
from brm.common.errors import ErroDeNegocio
from brm.erros import PREFIXO_DA_API


def email_da_tentativa(request, credentials: dict | None) -> str | None:
    """The e-mail an attempt signed in with, lower-cased as accounts are stored ("Ana@" and "ana@" are one).

    The admin's form sends it as `username`, the API as `email`; axes passes either what `authenticate()` got or
    what Django's `user_login_failed` signal carries, so both names are read.
    """
    credenciais = credentials or {}
    email = credenciais.get("email") or credenciais.get("username")
    if not email and request is not None:
        dados = getattr(request, "data", None)
        dados = dados if hasattr(dados, "get") else request.POST
        email = dados.get("email") or dados.get("username")
    if not isinstance(email, str) or not email.strip():
        return None
    return email.strip().lower()


def espera_em_segundos(request=None) -> int | None:
    """How long a lockout lasts, in whole seconds; None when only an administrator lifts it."""
    duracao = get_cool_off(request)
    return math.ceil(duracao.total_seconds()) if duracao else None


def mensagem_de_bloqueio(request=None) -> str:
    falhas = get_failure_limit(request, None)
    inicio = f"Acesso bloqueado: {falhas} tentativas de entrada com senha errada seguidas para este e-mail."
    espera = espera_em_segundos(request)
    if espera is None:
        return f"{inicio} Peça a um administrador para desbloquear."
    minutos = math.ceil(espera / 60)
    return (
        f"{inicio} Tente de novo em {minutos} minuto{'s' if minutos != 1 else ''} (cada nova tentativa recomeça "
        "a contagem) ou peça a um administrador para desbloquear."
    )


def bloqueio_verificar(request) -> None:
    """After `authenticate()` refused: when the lockout was the reason, the API's error `acesso_bloqueado` (429).

    axes marks the request it was given; an API view passes DRF's Request, which `AxesMiddleware` never sees, so
    the API view asks here instead.
    """
    if getattr(request, "axes_locked_out", False):
        raise ErroDeNegocio(
            mensagem_de_bloqueio(request),
            codigo=ErroDeNegocio.ACESSO_BLOQUEADO,
            dados={"espera_segundos": espera_em_segundos(request)},
        )


def _pagina_de_entrada(request, mensagem: str):
    """The login page again, with the lockout said above an empty form (the e-mail kept)."""
    proxima = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or reverse("painel")
    contexto = {
        **admin.site.each_context(request),
        "title": gettext("Log in"),
        "app_path": request.get_full_path(),
        "form": AdminAuthenticationForm(request, initial={"username": email_da_tentativa(request, None) or ""}),
        "username": request.user.get_username() if hasattr(request, "user") else "",
        REDIRECT_FIELD_NAME: proxima,
        "bloqueio": mensagem,
    }
    return render(request, "admin/login.html", contexto, status=settings.AXES_HTTP_RESPONSE_CODE)


def resposta_de_bloqueio(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the API's one error shape under /api/, the login page everywhere else; 429 both.

    The credentials are not used: axes' async middleware passes them in the wrong position.
    """
    mensagem = mensagem_de_bloqueio(request)
    espera = espera_em_segundos(request)
    if request.path.startswith(PREFIXO_DA_API):
        extra = {"espera_segundos": espera} if espera else {}
        resposta = JsonResponse(
            corpo_de_erro(ErroDeNegocio.ACESSO_BLOQUEADO, mensagem, **extra), status=settings.AXES_HTTP_RESPONSE_CODE
        )
    else:
        resposta = _pagina_de_entrada(request, mensagem)
    if espera:
        resposta["Retry-After"] = str(espera)
    return resposta
