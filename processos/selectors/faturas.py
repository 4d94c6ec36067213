"""Reads of a process's invoice files, and the safe name each one is served under.

A downloaded file is named by the system, never by what an uploader or a robot called it:
`fatura-<cnpj>-<AAAA-MM>.pdf` for the process's invoice, `fatura-<cnpj>-<AAAA-MM>-rejeitada-<n>.pdf` for
the n-th one rejected (in the order they came). Only letters, digits, hyphens and a dot: nothing a browser
or a file system could read as a path, a header or a script.
"""

import datetime as dt
import re
from typing import NamedTuple

from ..models import FaturaArquivo, Processo

_FORA_DO_NOME = re.compile(r"[^0-9A-Za-z]")


def fatura_nome_para_download(*, cnpj: str, competencia: dt.date, rejeitada: int | None = None) -> str:
    """The name an invoice file is served under; `rejeitada` is its place among the process's rejected files."""
    cnpj = _FORA_DO_NOME.sub("", cnpj or "") or "sem-cnpj"
    nome = f"fatura-{cnpj}-{competencia:%Y-%m}"
    if rejeitada:
        nome += f"-rejeitada-{int(rejeitada)}"
    return f"{nome}.pdf"


def processo_fatura_nome_para_download(processo: Processo) -> str:
    """The name of the invoice the process holds now."""
    return fatura_nome_para_download(cnpj=processo.cliente.cnpj, competencia=processo.competencia)


class ArquivoDeFatura(NamedTuple):
    arquivo: FaturaArquivo
    nome: str  # the safe name it is served under


def processo_arquivos_fatura(processo: Processo) -> list[ArquivoDeFatura]:
    """Every invoice file the process has had, newest first, each with its safe name (one query)."""
    arquivos = list(
        FaturaArquivo.objects.filter(processo=processo)
        .select_related("enviado_por", "decidido_por")
        .order_by("criado_em", "created_at")
    )
    rejeitadas = 0
    com_nome = []
    for arquivo in arquivos:
        if arquivo.status == FaturaArquivo.Status.REJEITADA:
            rejeitadas += 1
            nome = fatura_nome_para_download(
                cnpj=processo.cliente.cnpj, competencia=processo.competencia, rejeitada=rejeitadas
            )
        else:
            nome = processo_fatura_nome_para_download(processo)
        com_nome.append(ArquivoDeFatura(arquivo, nome))
    com_nome.reverse()
    return com_nome


def processo_arquivo_fatura(processo: Processo, arquivo_id) -> ArquivoDeFatura | None:
    """One of the process's invoice files with its safe name; None when the process has no such file."""
    return next((item for item in processo_arquivos_fatura(processo) if item.arquivo.pk == arquivo_id), None)
