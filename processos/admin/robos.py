"""People's controls of the robots on processes: download the invoice, send it to the SAT, one or many at once.

Interfaces only: they call the services in `processos.services.execucoes` and say what happened.
"""

from collections import Counter

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from brm.common.admin import aplicar_em_lote, badge_status, plural
from brm.common.errors import ErroDeNegocio

from ..models import Execucao, Processo
from ..selectors import (
    EM_ANDAMENTO,
    ROTULOS_SEM_DOWNLOAD,
    frase_sem_download,
    processo_execucoes_em_andamento,
    processo_motivo_sem_download,
    processo_recusa_execucao,
)
from ..services import execucao_solicitar, execucoes_solicitar_downloads

T = Execucao.Tipo


class RobosDoProcessoMixin:
    """Bulk actions and buttons of ProcessoAdmin that start robot jobs; used with PaginasDoProcessoMixin."""

    def get_urls(self):
        nome = f"{self.opts.app_label}_{self.opts.model_name}"

        def botao(view):
            return self.admin_site.admin_view(require_POST(view))

        return [
            path("<path:object_id>/baixar-fatura/", botao(self.baixar_fatura_view), name=f"{nome}_baixar_fatura"),
            path("<path:object_id>/enviar-sat/", botao(self.enviar_sat_view), name=f"{nome}_enviar_sat"),
            *super().get_urls(),
        ]

    def has_comandar_robos_permission(self, request):
        return request.user.has_perm("processos.change_execucao")

    def contexto_dos_robos(self, request, processo: Processo) -> dict:
        """What the change page needs to offer the robot buttons only where they apply."""
        em_andamento = processo_execucoes_em_andamento(processo)
        tipos_vivos = {execucao.tipo for execucao in em_andamento}
        pode = self.has_comandar_robos_permission(request)
        return {
            "pode_baixar_fatura": pode
            and processo_recusa_execucao(processo, T.DOWNLOAD_FATURA) is None
            and T.DOWNLOAD_FATURA not in tipos_vivos,
            "pode_enviar_sat": pode
            and processo_recusa_execucao(processo, T.UPLOAD_SAT) is None
            and T.UPLOAD_SAT not in tipos_vivos,
            "execucoes_em_andamento": [
                format_html(
                    '<a href="{}">{}</a> {}',
                    reverse(f"{self.admin_site.name}:processos_execucao_change", args=[execucao.pk]),
                    execucao.get_tipo_display(),
                    badge_status(execucao),
                )
                for execucao in em_andamento
            ],
        }

    # Buttons of one process

    def baixar_fatura_view(self, request, object_id):
        processo = self._obter(request, object_id)
        if not self.has_comandar_robos_permission(request):
            raise PermissionDenied
        try:
            resultado = execucoes_solicitar_downloads(por=request.user, processo_ids=[processo.pk], todos=True)
        except ErroDeNegocio as erro:
            self.message_user(request, erro.mensagem, messages.ERROR)
            return redirect(self._url_processo(processo))
        if resultado.enfileiradas:
            self.message_user(
                request,
                f"Download da fatura de {processo} enfileirado: o robô começa assim que houver vaga.",
                messages.SUCCESS,
            )
            if resultado.despacho_adiado:
                self.message_user(request, resultado.aviso_despacho, messages.WARNING)
        else:
            motivo = processo_motivo_sem_download(processo) or EM_ANDAMENTO
            self.message_user(
                request,
                f"O download da fatura de {processo} não foi enfileirado: {frase_sem_download(processo, motivo)}.",
                messages.WARNING,
            )
        return redirect(self._url_processo(processo))

    def enviar_sat_view(self, request, object_id):
        processo = self._obter(request, object_id)
        if not self.has_comandar_robos_permission(request):
            raise PermissionDenied
        try:
            execucao_solicitar(processo=processo, tipo=T.UPLOAD_SAT, por=request.user, origem=Execucao.Origem.MANUAL)
        except ErroDeNegocio as erro:
            self.message_user(request, erro.mensagem, messages.ERROR)
        else:
            self.message_user(
                request,
                f"Envio de {processo} ao SAT enfileirado: o robô começa assim que houver vaga.",
                messages.SUCCESS,
            )
        return redirect(self._url_processo(processo))

    # Bulk actions

    @admin.action(description="Baixar fatura dos selecionados", permissions=["comandar_robos"])
    def baixar_fatura_selecionados(self, request, queryset):
        processos = list(queryset.select_related("cliente__operadora"))
        try:
            resultado = execucoes_solicitar_downloads(
                por=request.user, processo_ids=[processo.pk for processo in processos], todos=True
            )
        except ErroDeNegocio as erro:
            self.message_user(request, erro.mensagem, messages.ERROR)
            return
        if resultado.despacho_adiado:
            self.message_user(request, resultado.aviso_despacho, messages.WARNING)
        texto = f"{plural(resultado.enfileiradas, 'download enfileirado', 'downloads enfileirados')}"
        fora = len(processos) - resultado.enfileiradas
        if fora <= 0:
            self.message_user(request, f"{texto}.", messages.SUCCESS)
            return
        motivos = Counter(motivo for processo in processos if (motivo := processo_motivo_sem_download(processo)))
        # Whatever passed every other condition and was not queued was skipped for a live download.
        em_andamento = fora - sum(motivos.values())
        if em_andamento > 0:
            motivos[EM_ANDAMENTO] = em_andamento
        detalhes = ", ".join(
            f"{quantidade} {ROTULOS_SEM_DOWNLOAD[motivo][quantidade != 1]}"
            for motivo, quantidade in motivos.items()
            if quantidade > 0
        )
        nao_se_aplicam = "1 não se aplica" if fora == 1 else f"{fora} não se aplicam"
        self.message_user(request, f"{texto}; {nao_se_aplicam} ({detalhes}).", messages.WARNING)

    @admin.action(description="Enviar ao SAT", permissions=["comandar_robos"])
    def enviar_sat_selecionados(self, request, queryset):
        aplicar_em_lote(
            self,
            request,
            queryset.select_related("cliente"),
            lambda processo: execucao_solicitar(
                processo=processo, tipo=T.UPLOAD_SAT, por=request.user, origem=Execucao.Origem.MANUAL
            ),
            feito=("envio ao SAT enfileirado", "envios ao SAT enfileirados"),
        )
