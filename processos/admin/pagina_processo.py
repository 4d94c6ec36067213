"""The page of one process besides its fields: every invoice file it has had (each one served under a safe
name), its timeline of status changes and robot jobs, and what `static/brm/processo.js` needs to follow it live.

Interfaces only: the reads are `processos.selectors.faturas` and `processos.selectors.paginas`.
"""

from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html

from brm.common.admin import badge, badge_status
from brm.common.formatacao import formatar_moeda
from brm.eventos.canais import CANAL_PAINEL

from ..models import Execucao, FaturaArquivo, Processo
from ..selectors import processo_execucoes_em_andamento
from ..selectors.faturas import processo_arquivo_fatura, processo_arquivos_fatura
from ..selectors.paginas import EVENTO, EXECUCAO_PEDIDA, processo_linha_do_tempo

S = Processo.Status


class PaginaDoProcessoMixin:
    """The invoice files, the timeline and the live parts of ProcessoAdmin's change page; used with
    PaginasDoProcessoMixin (its `_obter` checks the process and the permission to see it)."""

    def get_urls(self):
        nome = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/faturas/<uuid:arquivo_id>/",
                self.admin_site.admin_view(self.fatura_arquivo_view),
                name=f"{nome}_fatura_arquivo",
            ),
            *super().get_urls(),
        ]

    def fatura_arquivo_view(self, request, object_id, arquivo_id):
        """Any invoice file the process has had, rejected ones included, under a name the system chose."""
        processo = self._obter(request, object_id)
        item = processo_arquivo_fatura(processo, arquivo_id)
        if item is None:
            raise Http404("Este processo não tem esse arquivo de fatura.")
        try:
            arquivo = item.arquivo.arquivo.storage.open(item.arquivo.arquivo.name, "rb")
        except FileNotFoundError as exc:
            raise Http404("O arquivo da fatura não foi encontrado no armazenamento.") from exc
        resposta = FileResponse(arquivo, content_type="application/pdf", as_attachment=False, filename=item.nome)
        resposta["X-Content-Type-Options"] = "nosniff"
        resposta["Cache-Control"] = "private, no-store"
        return resposta

    def contexto_da_pagina(self, request, processo: Processo) -> dict:
        site = self.admin_site.name
        return {
            "situacao_cor": Processo.CORES.get(processo.status),
            "arquivos_fatura": [
                {
                    "arquivo": item.arquivo,
                    "nome": item.nome,
                    "situacao": badge(item.arquivo.get_status_display(), FaturaArquivo.CORES.get(item.arquivo.status)),
                    "valor": formatar_moeda(item.arquivo.valor_total),
                    "url": reverse(f"{site}:processos_processo_fatura_arquivo", args=[processo.pk, item.arquivo.pk]),
                }
                for item in processo_arquivos_fatura(processo)
            ],
            "linha_do_tempo": [self._item(item) for item in processo_linha_do_tempo(processo=processo)],
            "execucoes_vivas": [
                {
                    "execucao": execucao,
                    "cor": Execucao.CORES.get(execucao.status),
                    "url": reverse(f"{site}:processos_execucao_change", args=[execucao.pk]),
                }
                for execucao in processo_execucoes_em_andamento(processo)
            ],
            "processo_config": {
                "id": str(processo.pk),
                "canal": reverse("eventos:canal", args=[CANAL_PAINEL]),
                "status": processo.status,
                "cores": dict(Processo.CORES.items()),
                "coresExecucao": dict(Execucao.CORES.items()),
            },
        }

    def _item(self, item) -> dict:
        if item.tipo == EVENTO:
            evento = item.evento
            return {
                "quando": item.quando,
                "tipo": item.tipo,
                "titulo": format_html(
                    "{} → {}",
                    evento.get_de_display() or "criado",
                    badge(evento.get_para_display(), Processo.CORES.get(evento.para)),
                ),
                "por": evento.por,
                "texto": evento.motivo,
            }
        execucao = item.execucao
        url = reverse(f"{self.admin_site.name}:processos_execucao_change", args=[execucao.pk])
        if item.tipo == EXECUCAO_PEDIDA:
            titulo = format_html(
                '<a href="{}">{} pedido</a> (tentativa {}, {}) {}',
                url,
                execucao.get_tipo_display(),
                execucao.tentativa,
                execucao.get_origem_display().lower(),
                badge_status(execucao),
            )
            return {"quando": item.quando, "tipo": item.tipo, "titulo": titulo, "por": execucao.solicitado_por}
        titulo = format_html(
            '<a href="{}">{} terminou</a> (tentativa {}): {}',
            url,
            execucao.get_tipo_display(),
            execucao.tentativa,
            badge_status(execucao),
        )
        return {"quando": item.quando, "tipo": item.tipo, "titulo": titulo, "texto": execucao.erro}
