"""Brazilian formats for money, months and CNPJs, shared by the admin, e-mails and commands."""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError

DIAS_DA_SEMANA = ("seg", "ter", "qua", "qui", "sex", "sáb", "dom")


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


def formatar_deslocamento(local: dt.datetime) -> str:
    """The UTC offset of an aware datetime as `UTC−03:00` (a true minus sign, as printed)."""
    segundos = int(local.utcoffset().total_seconds())
    sinal = "−" if segundos < 0 else "+"
    horas, minutos = divmod(abs(segundos) // 60, 60)
    return f"UTC{sinal}{horas:02d}:{minutos:02d}"


def formatar_instante(instante: dt.datetime | None, *, com_dia_da_semana: bool = False) -> str:
    """An instant on the one clock every page uses, the system's zone (`TIME_ZONE`), with its offset and name:
    `28/11/2026 09:00 (UTC−03:00, America/Sao_Paulo)`. The offset is part of it because it changes with
    daylight saving wherever that exists; `com_dia_da_semana` puts `sáb` in front."""
    if instante is None:
        return "—"
    local = instante.astimezone(ZoneInfo(settings.TIME_ZONE))
    texto = f"{local:%d/%m/%Y %H:%M} ({formatar_deslocamento(local)}, {settings.TIME_ZONE})"
    return f"{DIAS_DA_SEMANA[local.weekday()]} {texto}" if com_dia_da_semana else texto


_COMPETENCIA = re.compile(r"^(\d{4})-(\d{2})$")


def parse_competencia(texto: str) -> dt.date:
    """`AAAA-MM` as the first day of that month; a clear error otherwise."""
    casamento = _COMPETENCIA.match((texto or "").strip())
    if casamento:
        ano, mes = int(casamento.group(1)), int(casamento.group(2))
        if 1 <= mes <= 12 and ano >= 2000:
            return dt.date(ano, mes, 1)
    raise ValidationError(
        "Competência inválida: %(valor)s. Use o formato AAAA-MM, com mês de 01 a 12 (por exemplo 2026-11).",
        code="competencia_invalida",
        params={"valor": repr(texto)},
    )
