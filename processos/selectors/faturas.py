"""The invoice file as people receive it, and every invoice file a process has had.

A file is served under a name the system chose, never under what an uploader or a robot called it:
`fatura-<operadora>-<CNPJ>-<AAAA-MM>.pdf` for the process's invoice, with `-rejeitada-<n>` before the
extension for the n-th one rejected (in the order they came).
"""

import re
from typing import NamedTuple

from ..models import FaturaArquivo, Processo

_FORA_DO_NOME = re.compile(r"[^A-Za-z0-9]+")


def _parte(texto: str) -> str:
    return _FORA_DO_NOME.sub("-", texto or "").strip("-")


def fatura_nome_para_download(processo: Processo, *, rejeitada: int | None = None) -> str:
    """The name an invoice is served under, chosen by the system: `fatura-vivo-12345678000190-2026-11.pdf`
    (operator, CNPJ without punctuation, month), or `…-2026-11-rejeitada-2.pdf` for the process's second
    rejected file.

    Never the uploaded name, which a person or a robot chose: quotes, line breaks, paths or non-ASCII letters in
    it would reach a response header and the user's disk. Only ASCII letters, digits and hyphens.
    """
    cliente = processo.cliente
    partes = [
        "fatura",
        _parte(cliente.operadora.codigo).lower(),
        _parte(cliente.cnpj).upper(),
        f"{processo.competencia:%Y-%m}",
    ]
    if rejeitada:
        partes += ["rejeitada", str(int(rejeitada))]
    return "-".join(parte for parte in partes if parte) + ".pdf"


class ArquivoDeFatura(NamedTuple):
    arquivo: FaturaArquivo
    nome: str  # the safe name it is served under


def processo_arquivos_fatura(processo: Processo) -> list[ArquivoDeFatura]:
    """Every invoice file the process has had, rejected ones included, newest first, each with its safe name
    (one query; the process comes with its client and operator)."""
    arquivos = (
        FaturaArquivo.objects.filter(processo=processo)
        .select_related("enviado_por", "decidido_por")
        .order_by("criado_em", "created_at")
    )
    rejeitadas = 0
    com_nome = []
    for arquivo in arquivos:
        if arquivo.status == FaturaArquivo.Status.REJEITADA:
            rejeitadas += 1
            nome = fatura_nome_para_download(processo, rejeitada=rejeitadas)
        else:
            nome = fatura_nome_para_download(processo)
        com_nome.append(ArquivoDeFatura(arquivo, nome))
    com_nome.reverse()
    return com_nome


def processo_arquivo_fatura(processo: Processo, arquivo_id) -> ArquivoDeFatura | None:
    """One of the process's invoice files with its safe name; None when the process has no such file."""
    return next((item for item in processo_arquivos_fatura(processo) if item.arquivo.pk == arquivo_id), None)
