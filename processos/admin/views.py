"""The pages of one process (upload, download, approve, reject) and of the monthly creation.

Interfaces only: each parses the request, checks the permission, calls one service and shows the result.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from brm.common.admin import badge_status, plural
from brm.common.errors import ErroDeNegocio
from brm.common.formatacao import formatar_competencia

from ..models import Processo
from ..selectors import processo_pode_receber_fatura, processo_pode_ser_rejeitado
from ..selectors.faturas import fatura_nome_para_download
from ..selectors.paginas import processo_download_em_andamento
from ..services import (
    competencia_atual,
    processo_aprovar,
    processo_registrar_fatura,
    processo_rejeitar,
    processos_criar_mensais,
)
from .forms import CriarMensaisForm, EnviarFaturaForm, RejeitarForm

# Refusals of the file itself, shown beside the file field; any other refusal is about the process.
ERROS_DO_ARQUIVO = (ErroDeNegocio.INVALIDO, ErroDeNegocio.ARQUIVO_GRANDE, ErroDeNegocio.TIPO_NAO_SUPORTADO)


class PaginasDoProcessoMixin:
    """Extra admin pages of ProcessoAdmin, reached through `get_urls`."""

    def get_urls(self):
        def pagina(view):
            return self.admin_site.admin_view(view)

        nome = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("criar-mensais/", pagina(self.criar_mensais_view), name=f"{nome}_criar_mensais"),
            path("<path:object_id>/enviar-fatura/", pagina(self.enviar_fatura_view), name=f"{nome}_enviar_fatura"),
            path("<path:object_id>/fatura/", pagina(self.fatura_view), name=f"{nome}_fatura"),
            path("<path:object_id>/aprovar/", pagina(require_POST(self.aprovar_view)), name=f"{nome}_aprovar"),
            path("<path:object_id>/rejeitar/", pagina(self.rejeitar_view), name=f"{nome}_rejeitar"),
            *super().get_urls(),
        ]

    def _obter(self, request, object_id) -> Processo:
        processo = self.get_object(request, unquote(object_id))
        if processo is None:
            raise Http404("Processo não encontrado.")
        if not self.has_view_permission(request, processo):
            raise PermissionDenied
        return processo

    def _url_processo(self, processo: Processo) -> str:
        return reverse(f"{self.admin_site.name}:processos_processo_change", args=[processo.pk])

    def _contexto(self, request, titulo: str, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": titulo,
            "has_view_permission": self.has_view_permission(request),
            **extra,
        }

    def fatura_view(self, request, object_id):
        processo = self._obter(request, object_id)
        if not processo.fatura:
            raise Http404("Este processo não tem fatura.")
        try:
            arquivo = processo.fatura.storage.open(processo.fatura.name, "rb")
        except FileNotFoundError as exc:
            raise Http404("O arquivo da fatura não foi encontrado no armazenamento.") from exc
        # Inline, so the PDF opens in the browser; under a name the system chose, never the uploaded one.
        resposta = FileResponse(
            arquivo, content_type="application/pdf", as_attachment=False, filename=fatura_nome_para_download(processo)
        )
        resposta["Cache-Control"] = "private, no-store"
        # Said here too, not only by SecurityMiddleware: the browser must never guess another type for the file.
        resposta["X-Content-Type-Options"] = "nosniff"
        return resposta

    def enviar_fatura_view(self, request, object_id):
        processo = self._obter(request, object_id)
        if not self.has_enviar_fatura_permission(request):
            raise PermissionDenied
        if request.method != "POST" and not processo_pode_receber_fatura(processo):
            self.message_user(
                request, f"Um processo em “{processo.get_status_display()}” não recebe fatura.", messages.WARNING
            )
            return redirect(self._url_processo(processo))
        form = EnviarFaturaForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            dados = form.cleaned_data
            try:
                processo_registrar_fatura(
                    processo=processo,
                    arquivo=dados["arquivo"],
                    por=request.user,
                    nome_original=dados["arquivo"].name,
                    valor_total=dados["valor_total"],
                    vencimento=dados["vencimento"],
                    numero_fatura=dados["numero_fatura"],
                )
            except ErroDeNegocio as erro:
                form.add_error("arquivo" if erro.codigo in ERROS_DO_ARQUIVO else None, erro.mensagem)
            else:
                self.message_user(request, f"Fatura de {processo} recebida: aguarda aprovação.", messages.SUCCESS)
                return redirect(self._url_processo(processo))
        contexto = self._contexto(
            request,
            f"Enviar fatura: {processo}",
            original=processo,
            form=form,
            situacao_badge=badge_status(processo),
            download_em_andamento=processo_download_em_andamento(processo),
        )
        return TemplateResponse(request, "admin/processos/processo/enviar_fatura.html", contexto)

    def aprovar_view(self, request, object_id):
        processo = self._obter(request, object_id)
        if not self.has_aprovar_permission(request):
            raise PermissionDenied
        try:
            processo_aprovar(processo=processo, por=request.user, justificativa=request.POST.get("justificativa", ""))
        except ErroDeNegocio as erro:
            self.message_user(request, erro.mensagem, messages.ERROR)
        else:
            self.message_user(request, f"Fatura de {processo} aprovada: aguarda envio ao SAT.", messages.SUCCESS)
        return redirect(self._url_processo(processo))

    def rejeitar_view(self, request, object_id):
        processo = self._obter(request, object_id)
        if not self.has_aprovar_permission(request):
            raise PermissionDenied
        if request.method != "POST" and not processo_pode_ser_rejeitado(processo):
            self.message_user(
                request, f"Um processo em “{processo.get_status_display()}” não pode ser rejeitado.", messages.WARNING
            )
            return redirect(self._url_processo(processo))
        form = RejeitarForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                processo_rejeitar(processo=processo, por=request.user, motivo=form.cleaned_data["motivo"])
            except ErroDeNegocio as erro:
                self.message_user(request, erro.mensagem, messages.ERROR)
            else:
                self.message_user(request, f"Fatura de {processo} rejeitada.", messages.SUCCESS)
            return redirect(self._url_processo(processo))
        return self._pagina_rejeitar(request, form, [processo], em_lote=False)

    def _pagina_rejeitar(self, request, form, processos, *, em_lote: bool):
        contexto = self._contexto(
            request,
            "Rejeitar faturas" if em_lote else f"Rejeitar fatura: {processos[0]}",
            form=form,
            processos=[(processo, badge_status(processo)) for processo in processos],
            em_lote=em_lote,
            action_checkbox_name=admin.helpers.ACTION_CHECKBOX_NAME,
            original=None if em_lote else processos[0],
        )
        return TemplateResponse(request, "admin/processos/processo/rejeitar.html", contexto)

    def criar_mensais_view(self, request):
        if not self.has_criar_processos_mensais_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = CriarMensaisForm(request.POST)
            if form.is_valid():
                resultado = processos_criar_mensais(competencia=form.cleaned_data["competencia"])
                self.message_user(
                    request,
                    f"Competência {formatar_competencia(resultado.competencia)}: "
                    f"{plural(resultado.criados, 'processo criado', 'processos criados')}, "
                    f"{resultado.existentes} já existiam.",
                    messages.SUCCESS,
                )
                url = reverse(f"{self.admin_site.name}:processos_processo_changelist")
                return redirect(f"{url}?competencia={resultado.competencia:%Y-%m-%d}")
        else:
            form = CriarMensaisForm(request.GET if "competencia" in request.GET else None)
            if not form.is_bound:
                form = CriarMensaisForm(initial={"competencia": competencia_atual()})
        if form.is_bound:
            competencia = form.cleaned_data["competencia"] if form.is_valid() else None
        else:
            competencia = competencia_atual()
        previa = processos_criar_mensais(competencia=competencia, dry_run=True) if competencia else None
        contexto = self._contexto(
            request,
            f"Criar processos de {formatar_competencia(competencia)}" if competencia else "Criar processos do mês",
            form=form,
            previa=previa,
        )
        return TemplateResponse(request, "admin/processos/processo/criar_mensais.html", contexto)
