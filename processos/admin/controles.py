"""People's controls of one robot job: re-run a failed or cancelled one, cancel one that has not finished.

Interfaces only: each calls `execucao_reexecutar` or `execucao_cancelar`, which decide and refuse.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from brm.common.admin import aplicar_em_lote, badge_status
from brm.common.errors import ErroDeNegocio

from ..models import Execucao
from ..selectors import execucao_pode_ser_cancelada, execucao_pode_ser_reexecutada
from ..services import execucao_cancelar, execucao_reexecutar

E = Execucao.Status


class ControlesDaExecucaoMixin:
    """Buttons and bulk actions of ExecucaoAdmin; both need `processos.change_execucao`."""

    def get_urls(self):
        nome = f"{self.opts.app_label}_{self.opts.model_name}"

        def botao(view):
            return self.admin_site.admin_view(require_POST(view))

        return [
            path("<path:object_id>/reexecutar/", botao(self.reexecutar_view), name=f"{nome}_reexecutar"),
            path("<path:object_id>/cancelar/", botao(self.cancelar_view), name=f"{nome}_cancelar"),
            *super().get_urls(),
        ]

    def contexto_dos_controles(self, request, execucao: Execucao) -> dict:
        pode = self.has_change_permission(request, execucao)
        return {
            "situacao_badge": badge_status(execucao),
            "erro_em_destaque": execucao.erro if execucao.status == E.FALHA else "",
            "pode_reexecutar": pode and execucao_pode_ser_reexecutada(execucao),
            "pode_cancelar": pode and execucao_pode_ser_cancelada(execucao),
            "url_processo": reverse(f"{self.admin_site.name}:processos_processo_change", args=[execucao.processo_id]),
        }

    def _obter_execucao(self, request, object_id) -> Execucao:
        execucao = self.get_object(request, unquote(object_id))
        if execucao is None:
            raise Http404("Execução não encontrada.")
        if not self.has_change_permission(request, execucao):
            raise PermissionDenied
        return execucao

    def _url_execucao(self, execucao: Execucao) -> str:
        return reverse(f"{self.admin_site.name}:processos_execucao_change", args=[execucao.pk])

    # Buttons of one job

    def reexecutar_view(self, request, object_id):
        execucao = self._obter_execucao(request, object_id)
        try:
            nova = execucao_reexecutar(execucao=execucao, por=request.user)
        except ErroDeNegocio as erro:
            self.message_user(request, erro.mensagem, messages.ERROR)
            return redirect(self._url_execucao(execucao))
        self.message_user(
            request,
            f"Reexecução enfileirada (tentativa {nova.tentativa}): o robô começa assim que houver vaga.",
            messages.SUCCESS,
        )
        return redirect(self._url_execucao(nova))

    def cancelar_view(self, request, object_id):
        execucao = self._obter_execucao(request, object_id)
        try:
            cancelada = execucao_cancelar(execucao=execucao, por=request.user)
        except ErroDeNegocio as erro:
            self.message_user(request, erro.mensagem, messages.ERROR)
        else:
            # The service's sentence says what happens at the robot (it may go on with the job).
            texto = cancelada.erro if cancelada.robo_ocupado else "Execução cancelada."
            self.message_user(request, texto, messages.SUCCESS)
        return redirect(self._url_execucao(execucao))

    # Bulk actions

    def _selecionadas(self, queryset):
        return queryset.select_related("processo__cliente__operadora", "solicitado_por").order_by("criado_em")

    @admin.action(description="Reexecutar", permissions=["change"])
    def reexecutar_selecionadas(self, request, queryset):
        aplicar_em_lote(
            self,
            request,
            self._selecionadas(queryset),
            lambda execucao: execucao_reexecutar(execucao=execucao, por=request.user),
            feito=("reexecução enfileirada", "reexecuções enfileiradas"),
        )

    @admin.action(description="Cancelar", permissions=["change"])
    def cancelar_selecionadas(self, request, queryset):
        aplicar_em_lote(
            self,
            request,
            self._selecionadas(queryset),
            lambda execucao: execucao_cancelar(execucao=execucao, por=request.user),
            feito=("execução cancelada", "execuções canceladas"),
        )
