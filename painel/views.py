"""The painel (the home page), its fragment for live updates, its "Reexecutar" button, and the admin's login
that lands on it.

Interfaces only: they read the month from the query string, ask `contexto.painel_montar` (which asks the
selectors) and render; the button calls `execucao_reexecutar`, which checks the permission and refuses.
"""

import datetime as dt

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST, require_safe

from brm.common.errors import ErroDeNegocio
from brm.common.formatacao import parse_competencia
from brm.eventos.canais import CANAL_PAINEL
from processos.models import Execucao
from processos.services import competencia_atual, execucao_reexecutar

from .contexto import painel_montar

# Sent with the fragment, so the page can tell it from a login page it was redirected to.
CABECALHO_PARCIAL = "X-Painel-Parcial"


def _competencia_pedida(texto: str | None) -> tuple[dt.date, str]:
    """The month asked for (`AAAA-MM`), or the current one; with the reason when the asked one was refused."""
    atual = competencia_atual()
    if not texto:
        return atual, ""
    try:
        return parse_competencia(texto), ""
    except ValidationError as erro:
        return atual, f"{erro.messages[0]} Mostrando a competência atual, {atual:%m/%Y}."


def _url_painel(competencia: dt.date | None = None) -> str:
    url = reverse("painel")
    return f"{url}?competencia={competencia:%Y-%m}" if competencia else url


def _mes_vizinho(competencia: dt.date, passo: int) -> dt.date:
    if passo < 0:
        return (competencia - dt.timedelta(days=1)).replace(day=1)
    return (competencia + dt.timedelta(days=32)).replace(day=1)


@require_safe
@never_cache
@login_required
@permission_required("processos.view_processo", raise_exception=True)
def painel(request):
    competencia, erro_competencia = _competencia_pedida(request.GET.get("competencia"))
    parcial = request.GET.get("parcial") == "1"
    contexto = {
        "painel": painel_montar(
            competencia=competencia, agora=timezone.now(), dias_vencimento=settings.BRM_PAINEL_VENCIMENTO_DIAS
        ),
        "pode_reexecutar": request.user.has_perm("processos.change_execucao"),
        "competencia_valor": f"{competencia:%Y-%m}",
    }
    if parcial:
        resposta = render(request, "painel/_conteudo.html", contexto)
        resposta[CABECALHO_PARCIAL] = "1"
        return resposta
    anterior, seguinte = _mes_vizinho(competencia, -1), _mes_vizinho(competencia, 1)
    contexto.update(
        # The admin's header, user links ("Ver o site", "Sair") and theme switch, as on the admin's own pages.
        **admin.site.each_context(request),
        title="Painel",
        erro_competencia=erro_competencia,
        url_parcial=f"{_url_painel(competencia)}&parcial=1",
        url_eventos=reverse("eventos:canal", args=[CANAL_PAINEL]),
        url_anterior=_url_painel(anterior),
        rotulo_anterior=f"{anterior:%m/%Y}",
        url_seguinte=_url_painel(seguinte),
        rotulo_seguinte=f"{seguinte:%m/%Y}",
        e_mes_atual=competencia == competencia_atual(),
        url_mes_atual=_url_painel(),
    )
    return render(request, "painel/painel.html", contexto)


@require_POST
@login_required
def reexecutar(request, pk):
    execucao = get_object_or_404(Execucao.objects.select_related("processo__cliente"), pk=pk)
    competencia, _ = _competencia_pedida(request.POST.get("competencia"))
    if not request.user.has_perm("processos.change_execucao"):
        # Checked here too, before the service looks at the job: a reader hears about the permission first.
        messages.error(request, "Você não tem permissão para reexecutar trabalhos do robô.")
        return redirect(_url_painel(competencia))
    try:
        nova = execucao_reexecutar(execucao=execucao, por=request.user)
    except ErroDeNegocio as erro:
        messages.error(request, f"Não foi possível reexecutar “{execucao}”: {erro.mensagem}")
    else:
        messages.success(
            request,
            f"Reexecução de “{execucao}” enfileirada (tentativa {nova.tentativa}): "
            "o robô começa assim que houver vaga.",
        )
    return redirect(_url_painel(competencia))


# The admin's login marks the password itself; marked here too, for an error before it runs.
@sensitive_post_parameters("password")
def entrar(request):
    """The admin's login page. With no `next`, the person lands on the painel instead of the admin's app list;
    someone already signed in who opens it goes straight there."""
    if REDIRECT_FIELD_NAME in request.GET or REDIRECT_FIELD_NAME in request.POST:
        return admin.site.login(request)
    if request.method == "GET" and admin.site.has_permission(request):
        return redirect("painel")
    return admin.site.login(request, extra_context={REDIRECT_FIELD_NAME: reverse("painel")})
