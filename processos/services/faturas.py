"""Every invoice file a process receives, kept with its fate: waiting approval, approved, or rejected.

Called only from the process's transitions (`transicoes`), in their transaction: the file row and the
process's move are written together or not at all.
"""

from django.utils import timezone

from brm.usuarios.models import Usuario

from ..models import Execucao, FaturaArquivo, Processo

F = FaturaArquivo.Status


def fatura_arquivo_registrar(
    *, processo: Processo, por: Usuario | None, execucao: Execucao | None = None
) -> FaturaArquivo:
    """The invoice `processo` has just received (already in its fields), as a row of its own."""
    return FaturaArquivo.objects.create(
        processo=processo,
        arquivo=processo.fatura.name,
        sha256=processo.fatura_sha256,
        nome_original=processo.fatura_nome_original,
        valor_total=processo.valor_total,
        vencimento=processo.vencimento,
        numero_fatura=processo.numero_fatura,
        origem=FaturaArquivo.Origem.MANUAL if por else FaturaArquivo.Origem.ROBO,
        enviado_por=por,
        execucao=execucao,
    )


def fatura_arquivo_decidir(*, processo: Processo, status: str, por: Usuario | None, motivo: str = "") -> int:
    """The process's invoice waiting approval is approved or rejected (`status`); how many rows changed (0 or 1)."""
    agora = timezone.now()
    return FaturaArquivo.objects.filter(processo=processo, status=F.AGUARDANDO_APROVACAO).update(
        status=status,
        motivo_rejeicao=motivo if status == F.REJEITADA else "",
        decidido_por=por,
        decidido_em=agora,
        updated_at=agora,
    )
