"""How a term typed in a search box is read: a whole CNPJ, the start of one, or words.

A whole CNPJ is compared exactly, so the lookup is one index probe however large the table. The start of
one (typed with its punctuation, as people copy it: `12.345.678`) is compared as a prefix: the root of a
company, all its branches. Anything else is searched as words by each list.
"""

import re
from dataclasses import dataclass

from stdnum.br import cnpj as stdnum_cnpj

from .fields import cnpj_normalizar

_PONTUACAO_CNPJ = re.compile(r"[./-]")
_SO_CNPJ = re.compile(r"[0-9A-Za-z./\- ]+")


@dataclass(frozen=True)
class TermoDeBusca:
    texto: str
    cnpj: str | None = None
    prefixo_cnpj: str | None = None


def termo_interpretar(texto: str) -> TermoDeBusca:
    texto = (texto or "").strip()
    if not texto or not _SO_CNPJ.fullmatch(texto):
        return TermoDeBusca(texto)
    normalizado = cnpj_normalizar(texto)
    if len(normalizado) == 14 and normalizado.isalnum() and stdnum_cnpj.is_valid(normalizado):
        return TermoDeBusca(texto, cnpj=normalizado)
    # Without punctuation, digits alone may as well be an account or an invoice number.
    if _PONTUACAO_CNPJ.search(texto) and any(c.isdigit() for c in normalizado) and normalizado.isalnum():
        return TermoDeBusca(texto, prefixo_cnpj=normalizado)
    return TermoDeBusca(texto)
