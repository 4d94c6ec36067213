"""The approval queue (Fila de aprovação): the invoices waiting approval, one of them open beside its PDF.

An interface only: it reads the filters and the decisions, asks the selectors what to show and the approval
services to decide, and says what happened. Every decision is a POST answered with a redirect (POST,
redirect, GET) to the queue with the same filters, opening the invoice that comes next, or the same one when
the decision was refused and it still waits. Described in docs/aprovacao.md.
"""

import datetime as dt
import math
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from brm.common.admin import plural
from brm.common.errors import ErroDeNegocio
from brm.common.formatacao import formatar_competencia, formatar_moeda
from brm.common.paginacao import PaginadorEstimado
from brm.usuarios.models import Usuario
from operadoras.models import Operadora

from ..filtros import FiltroFilaAprovacao
from ..models import Processo
from ..selectors import (
    ORDEM_FILA,
    AlertasDaFatura,
    ChaveNaFila,
    aprovacao_limite_variacao,
    fila_anterior,
    fila_aprovacao,
    fila_chave,
    fila_competencias,
    fila_posicao,
    fila_seguinte,
    processo_duplicatas,
    processo_enviado_por,
    processos_alertas,
)
from ..services import processo_aprovar, processo_rejeitar

POR_PAGINA = 50
PERMISSAO = "processos.aprovar_processo"


def _so_aprovadores(view):
    """Signed-in people who approve invoices (approvers, admins); anyone else signed in gets 403."""
    return login_required(permission_required(PERMISSAO, raise_exception=True)(view))


# Filters ----------------------------------------------------------------------------------------------------------


class NavegacaoForm(forms.Form):
    abrir = forms.UUIDField(required=False)
    p = forms.IntegerField(required=False, min_value=1)


@dataclass(frozen=True)
class Filtros:
    """The queue's filters, as they travel in every link and form of the page."""

    competencia: dt.date | None = None
    operadora: uuid.UUID | str | None = None  # its id, or its code

    def fila(self):
        return FiltroFilaAprovacao(self.parametros(), queryset=fila_aprovacao()).qs

    def parametros(self) -> dict[str, str]:
        parametros = {}
        if self.competencia:
            parametros["competencia"] = f"{self.competencia:%Y-%m}"
        if self.operadora:
            parametros["operadora"] = str(self.operadora)
        return parametros

    def url(self, **extra) -> str:
        parametros = {**self.parametros(), **{nome: str(valor) for nome, valor in extra.items() if valor}}
        base = reverse("processos:fila_aprovacao")
        return f"{base}?{urlencode(parametros)}" if parametros else base

    @property
    def consulta(self) -> str:
        """The filters as a query string (empty without filters), for the forms' actions."""
        return urlencode(self.parametros())


def _ler_filtros(request, *, avisar: bool) -> Filtros:
    """The filters of the query string; a malformed one is left out (and, on the page, said so).

    Parsed by the same filter fields as the API's list of processes: the same values work and the same
    sentence refuses a wrong one."""
    form = FiltroFilaAprovacao(request.GET).form
    form.is_valid()
    if avisar:
        for erros in form.errors.values():
            for erro in erros:
                messages.warning(request, f"Filtro ignorado: {erro}")
    dados = form.cleaned_data
    return Filtros(competencia=dados.get("competencia"), operadora=dados.get("operadora"))


# What the page shows ----------------------------------------------------------------------------------------------


def _data(data: dt.date | None) -> str:
    return data.strftime("%d/%m/%Y") if data else "—"


@dataclass
class LinhaDaFila:
    processo: Processo
    alertas: AlertasDaFatura
    url: str
    aberta: bool = False

    @property
    def valor(self) -> str:
        return formatar_moeda(self.processo.valor_total)

    @property
    def vencimento(self) -> str:
        return _data(self.processo.vencimento)

    @property
    def competencia(self) -> str:
        return formatar_competencia(self.processo.competencia)


@dataclass
class FaturaAberta:
    processo: Processo
    alertas: AlertasDaFatura
    enviado_por: Usuario | None
    enviada_por_quem_ve: bool
    duplicatas: list[tuple[Processo, str]] = field(default_factory=list)
    url_pdf: str = ""
    url_processo: str = ""
    url_anterior_processo: str = ""
    url_anterior: str = ""
    url_proxima: str = ""

    @property
    def valor(self) -> str:
        return formatar_moeda(self.processo.valor_total)

    @property
    def valor_anterior(self) -> str:
        return formatar_moeda(self.alertas.valor_anterior)

    @property
    def vencimento(self) -> str:
        return _data(self.processo.vencimento)

    @property
    def competencia(self) -> str:
        return formatar_competencia(self.processo.competencia)

    @property
    def competencia_anterior(self) -> str:
        return formatar_competencia(self.alertas.anterior_competencia)


def _url_admin(processo_id, nome: str = "change") -> str:
    return reverse(f"admin:processos_processo_{nome}", args=[processo_id])


def _janela(fila, pagina: int) -> tuple[Processo | None, list[Processo], Processo | None]:
    """The page's invoices and one more on each side, so the first and the last know their neighbours.

    After the first page, the ids first (the offset walks only the queue's index) and then those rows with
    their client and operator, as `PaginadorEstimado` does: in one step the database joins every row it skips.
    """
    inicio = (pagina - 1) * POR_PAGINA
    if inicio == 0:
        linhas = list(fila[: POR_PAGINA + 1])
    else:
        ids = list(fila.values_list("pk", flat=True)[inicio - 1 : inicio + POR_PAGINA + 1])
        por_id = {processo.pk: processo for processo in fila.filter(pk__in=ids)}
        linhas = [por_id[pk] for pk in ids if pk in por_id]
    antes = linhas.pop(0) if inicio > 0 and linhas else None
    depois = linhas.pop() if len(linhas) > POR_PAGINA else None
    return antes, linhas, depois


def _vizinhos(fila, aberto, antes, linhas, depois) -> tuple[Processo | None, Processo | None]:
    vizinhanca = [antes, *linhas, depois]
    for posicao, processo in enumerate(vizinhanca):
        if processo is not None and processo.pk == aberto.pk:
            return vizinhanca[posicao - 1], vizinhanca[posicao + 1]
    # The queue changed between the queries (someone decided meanwhile): ask around its place instead.
    chave = fila_chave(aberto)
    return fila_anterior(fila, chave), fila_seguinte(fila, chave)


def _fatura_aberta(request, filtros: Filtros, aberto, alertas, anterior, proxima) -> FaturaAberta:
    enviado_por = processo_enviado_por(aberto)
    duplicatas = processo_duplicatas(aberto)
    return FaturaAberta(
        processo=aberto,
        alertas=alertas,
        enviado_por=enviado_por,
        enviada_por_quem_ve=enviado_por is not None and enviado_por.pk == request.user.pk,
        duplicatas=[(outro, _url_admin(outro.pk)) for outro in duplicatas],
        url_pdf=_url_admin(aberto.pk, "fatura") if aberto.fatura else "",
        url_processo=_url_admin(aberto.pk),
        url_anterior_processo=_url_admin(alertas.anterior_id) if alertas.anterior_id else "",
        url_anterior=filtros.url(abrir=anterior.pk) if anterior else "",
        url_proxima=filtros.url(abrir=proxima.pk) if proxima else "",
    )


@_so_aprovadores
@require_GET
def fila_view(request):
    filtros = _ler_filtros(request, avisar=True)
    navegacao = NavegacaoForm(request.GET)
    navegacao.is_valid()
    abrir, pagina = navegacao.cleaned_data.get("abrir"), navegacao.cleaned_data.get("p") or 1

    fila = filtros.fila()
    paginador = PaginadorEstimado(fila, POR_PAGINA)
    total = paginador.count
    aberto = fila.filter(pk=abrir).first() if abrir else None
    if abrir and aberto is None:
        messages.info(
            request, "A fatura pedida não está mais na fila (já foi decidida ou não aparece com estes filtros)."
        )
    if aberto is not None:
        pagina = fila_posicao(fila, fila_chave(aberto)) // POR_PAGINA + 1
    paginas = max(1, math.ceil(total / POR_PAGINA))
    pagina = min(pagina, paginas)

    antes, processos, depois = _janela(fila, pagina)
    if aberto is None and processos:
        aberto = processos[0]
    alertas = processos_alertas([*processos, *([aberto] if aberto and aberto not in processos else [])])
    linhas = [
        LinhaDaFila(
            processo=processo,
            alertas=alertas[processo.pk],
            url=filtros.url(abrir=processo.pk),
            aberta=aberto is not None and processo.pk == aberto.pk,
        )
        for processo in processos
    ]

    fatura = None
    if aberto is not None:
        anterior, proxima = _vizinhos(fila, aberto, antes, processos, depois)
        fatura = _fatura_aberta(request, filtros, aberto, alertas[aberto.pk], anterior, proxima)

    meses = fila_competencias()
    if filtros.competencia and filtros.competencia not in meses:
        meses = sorted([*meses, filtros.competencia], reverse=True)
    contexto = {
        **admin.site.each_context(request),
        "title": "Fila de aprovação",
        "filtros": filtros,
        "meses": [(f"{mes:%Y-%m}", formatar_competencia(mes)) for mes in meses],
        "competencia_escolhida": f"{filtros.competencia:%Y-%m}" if filtros.competencia else "",
        "operadoras": list(Operadora.objects.order_by("nome").only("id", "nome", "codigo")),
        "operadora_escolhida": str(filtros.operadora or ""),
        "total": total,
        "total_estimado": paginador.estimado,
        "linhas": linhas,
        "fatura": fatura,
        "pagina": pagina,
        "paginas": paginas,
        "url_pagina_anterior": filtros.url(p=pagina - 1) if pagina > 1 else "",
        "url_pagina_seguinte": filtros.url(p=pagina + 1) if pagina < paginas else "",
        "limite_variacao": f"{aprovacao_limite_variacao().normalize():f}".replace(".", ","),
    }
    return TemplateResponse(request, "processos/fila_aprovacao.html", contexto)


# Decisions --------------------------------------------------------------------------------------------------------


def _como_visto(processo: Processo) -> Processo:
    # The queue shows only invoices waiting approval, so that is what the person decided on. If the process
    # has moved since (someone else decided first), the service refuses it as changed by someone else and
    # nothing is written.
    processo.status = Processo.Status.AGUARDANDO_APROVACAO
    return processo


def _continuar(request, filtros: Filtros, chave: ChaveNaFila | None):
    """Back to the queue with the same filters: the same invoice if it still waits, otherwise the next one."""
    fila = filtros.fila()
    if chave is not None and fila.filter(pk=chave.id).exists():
        return redirect(filtros.url(abrir=chave.id))
    seguinte = (fila_seguinte(fila, chave) if chave else None) or fila.first()
    return redirect(filtros.url(abrir=seguinte.pk if seguinte else None))


def _recusada(request, erro: ErroDeNegocio) -> None:
    messages.error(request, erro.mensagem)
    if erro.dados.get("alterado"):
        messages.info(request, "Nada foi alterado por você. A fila seguiu para a próxima fatura.")


def _processo(pk) -> Processo:
    return get_object_or_404(Processo.objects.select_related("cliente__operadora"), pk=pk)


@_so_aprovadores
@require_POST
def aprovar_view(request, pk):
    filtros = _ler_filtros(request, avisar=False)
    processo = _processo(pk)
    chave = fila_chave(processo)
    try:
        processo_aprovar(
            processo=_como_visto(processo), por=request.user, justificativa=request.POST.get("justificativa", "")
        )
    except ErroDeNegocio as erro:
        _recusada(request, erro)
    else:
        messages.success(request, f"Fatura de {processo} aprovada: segue para o envio ao SAT.")
    return _continuar(request, filtros, chave)


@_so_aprovadores
@require_POST
def rejeitar_view(request, pk):
    filtros = _ler_filtros(request, avisar=False)
    processo = _processo(pk)
    # Kept before the decision: rejecting clears the due date, which is part of the place in the queue.
    chave = fila_chave(processo)
    try:
        processo_rejeitar(processo=_como_visto(processo), por=request.user, motivo=request.POST.get("motivo", ""))
    except ErroDeNegocio as erro:
        _recusada(request, erro)
    else:
        messages.success(request, f"Fatura de {processo} rejeitada: o processo volta a aguardar download.")
    return _continuar(request, filtros, chave)


def _ids(valores: list[str]) -> list[uuid.UUID]:
    ids = []
    for valor in valores[: POR_PAGINA * 2]:
        try:
            ids.append(uuid.UUID(valor))
        except ValueError:
            continue
    return ids


@_so_aprovadores
@require_POST
def aprovar_em_lote_view(request):
    filtros = _ler_filtros(request, avisar=False)
    ids = _ids(request.POST.getlist("selecionados"))
    aberto_id = next(iter(_ids([request.POST.get("aberto", "")])), None)
    processos = list(Processo.objects.filter(pk__in=ids).select_related("cliente__operadora").order_by(*ORDEM_FILA))
    aberto = next((p for p in processos if p.pk == aberto_id), None)
    if aberto is None and aberto_id:
        aberto = Processo.objects.filter(pk=aberto_id).first()
    chave = fila_chave(aberto) if aberto else None
    if not processos:
        messages.warning(request, "Marque ao menos uma fatura na lista para aprovar em lote.")
        return _continuar(request, filtros, chave)

    recusas = []
    for processo in processos:
        try:
            processo_aprovar(processo=_como_visto(processo), por=request.user)
        except ErroDeNegocio as erro:
            recusas.append((processo, erro.mensagem))
    aprovadas = len(processos) - len(recusas)
    if not recusas:
        messages.success(request, f"{plural(aprovadas, 'fatura aprovada', 'faturas aprovadas')}.")
    else:
        messages.warning(
            request,
            f"{aprovadas} de {plural(len(processos), 'fatura marcada aprovada', 'faturas marcadas aprovadas')}; "
            f"{plural(len(recusas), 'recusada', 'recusadas')}:",
        )
        for processo, mensagem in recusas:
            messages.error(request, f"{processo}: {mensagem}")
    return _continuar(request, filtros, chave)
