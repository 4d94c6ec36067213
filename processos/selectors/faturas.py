"""The invoice file as people receive it."""

import re

from ..models import Processo

_FORA_DO_NOME = re.compile(r"[^A-Za-z0-9]+")


def _parte(texto: str) -> str:
    return _FORA_DO_NOME.sub("-", texto or "").strip("-")


def fatura_nome_para_download(processo: Processo) -> str:
    """The name an invoice is served under, chosen by the system: `fatura-vivo-12345678000190-2026-11.pdf`
    (operator, CNPJ without punctuation, month).

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
    return "-".join(parte for parte in partes if parte) + ".pdf"
