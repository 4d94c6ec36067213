"""Brazilian formats for money, months and CNPJs, shared by the admin, e-mails and commands."""

import datetime as dt
import re
from decimal import Decimal

from django.core.exceptions import ValidationError


def formatar_moeda(valor: Decimal | None) -> str:
    """`Decimal("1234.5")` as `R$ 1.234,50`."""
    if valor is None:
        return "—"
    sinal = "-" if valor < 0 else ""
    inteiro, _, centavos = f"{abs(valor):.2f}".partition(".")
    inteiro = f"{int(inteiro):,}".replace(",", ".")
    return f"{sinal}R$ {inteiro},{centavos}"


def formatar_competencia(competencia: dt.date | None) -> str:
    """The first day of a month as `11/2026`."""
    return competencia.strftime("%m/%Y") if competencia else "—"


_COMPETENCIA = re.compile(r"^(\d{4})-(\d{2})$")


def parse_competencia(texto: str) -> dt.date:
    """`AAAA-MM` as the first day of that month; a clear error otherwise."""
    casamento = _COMPETENCIA.match((texto or "").strip())
    if casamento:
        ano, mes = int(casamento.group(1)), int(casamento.group(2))
        if 1 <= mes <= 12 and ano >= 2000:
            return dt.date(ano, mes, 1)
    raise ValidationError(
        f"Competência inválida: {texto!r}. Use o formato AAAA-MM, com mês de 01 a 12 (por exemplo 2026-11).",
        code="competencia_invalida",
    )
