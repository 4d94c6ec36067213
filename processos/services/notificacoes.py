"""What other systems are told through webhooks (`brm.webhooks`): a process approved, rejected or sent to the
SAT, and a robot job that failed.

Called from the same places as the live events (`transicoes._transicionar`, `falha.execucao_falhar`), inside
their transactions: the deliveries are rows written with the change and sent by a worker after the commit. The
data are built only when some webhook wants the event, and carry no secret.
"""

import datetime as dt

from brm.common.fields import cnpj_formatar
from brm.usuarios.models import Usuario
from brm.webhooks.models import Evento
from brm.webhooks.services import webhooks_notificar

from ..models import Execucao, Processo

S = Processo.Status

# (from, to) of a process → the event it raises; other transitions raise none.
EVENTOS_DE_TRANSICAO = {
    (S.AGUARDANDO_APROVACAO, S.AGUARDANDO_ENVIO_SAT): Evento.PROCESSO_APROVADO,
    (S.AGUARDANDO_APROVACAO, S.AGUARDANDO_DOWNLOAD): Evento.PROCESSO_REJEITADO,
    (S.AGUARDANDO_ENVIO_SAT, S.UPLOAD_REALIZADO): Evento.PROCESSO_ENVIADO_SAT,
}


def _iso(valor: dt.date | dt.datetime | None) -> str | None:
    return valor.isoformat() if valor else None


def processo_dados(processo: Processo) -> dict:
    """A process as other systems see it: its client, month, status, invoice, approval and SAT protocol."""
    cliente = processo.cliente
    return {
        "processo": {
            "id": str(processo.pk),
            "competencia": processo.competencia.strftime("%Y-%m"),
            "status": processo.status,
            "status_rotulo": S(processo.status).label,
            "valor_total": str(processo.valor_total) if processo.valor_total is not None else None,
            "vencimento": _iso(processo.vencimento),
            "numero_fatura": processo.numero_fatura,
            "aprovado_por": processo.aprovado_por.email if processo.aprovado_por_id else None,
            "aprovado_em": _iso(processo.aprovado_em),
            "motivo_rejeicao": processo.motivo_rejeicao,
            "protocolo_sat": processo.protocolo_sat,
            "enviado_sat_em": _iso(processo.enviado_sat_em),
        },
        "cliente": {
            "id": str(cliente.pk),
            "razao_social": cliente.razao_social,
            "cnpj": cnpj_formatar(cliente.cnpj),
            "conta": cliente.conta,
            "operadora": cliente.operadora.codigo,
        },
    }


def processo_notificar(*, processo: Processo, de: str, por: Usuario | None, motivo: str) -> None:
    """Tell the webhooks that asked for it that `processo` moved from `de` (approved, rejected, sent)."""
    evento = EVENTOS_DE_TRANSICAO.get((de, processo.status))
    if evento is None:
        return

    def dados() -> dict:
        return {
            **processo_dados(processo),
            "de": de,
            "por": por.email if por is not None else None,
            "motivo": motivo,
        }

    webhooks_notificar(evento=evento, dados=dados)


def execucao_falha_notificar(
    *, execucao: Execucao, mensagem: str, codigo: str, reexecucao_em: dt.datetime | None
) -> None:
    """Tell the webhooks that asked for it that a robot job failed, and whether it will run again by itself."""

    def dados() -> dict:
        processo = Processo.objects.select_related("cliente__operadora", "aprovado_por").get(pk=execucao.processo_id)
        return {
            "execucao": {
                "id": str(execucao.pk),
                "tipo": execucao.tipo,
                "tipo_rotulo": Execucao.Tipo(execucao.tipo).label,
                "origem": execucao.origem,
                "tentativa": execucao.tentativa,
                "erro": mensagem,
                "codigo": codigo,
                "reexecucao_automatica_em": _iso(reexecucao_em),
            },
            **processo_dados(processo),
        }

    webhooks_notificar(evento=Evento.EXECUCAO_FALHOU, dados=dados)
