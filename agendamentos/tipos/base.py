"""What every schedule type shares: the `Tipo` interface and the strict checking of its parameters."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from brm.common.errors import ErroDeNegocio


@dataclass(frozen=True)
class Tipo:
    """One kind of schedule: how its parameters are checked and what a run does.

    `validar(parametros)` returns the parameters cleaned, with the defaults filled in, or raises
    `ErroDeNegocio(codigo=INVALIDO, dados={"campo": ...})`. `executar(*, parametros, agora, fuso, por)`
    checks them again (a stored schedule may predate a rule or name an operator deleted since) and returns
    JSON-serialisable counters.
    """

    validar: Callable[[dict], dict]
    executar: Callable[..., dict]
    descricao: str
    padrao: dict


def invalido(mensagem: str, campo: str, **dados: Any) -> ErroDeNegocio:
    return ErroDeNegocio(mensagem, codigo=ErroDeNegocio.INVALIDO, dados={"campo": campo, **dados})


@dataclass(frozen=True)
class Campo:
    """One parameter: its JSON type, default and bounds."""

    nome: str
    tipo: type
    padrao: Any
    minimo: int | None = None
    maximo: int | None = None

    def limpar(self, valor: Any) -> Any:
        if self.tipo is bool:
            if not isinstance(valor, bool):
                raise invalido(f"O parâmetro “{self.nome}” deve ser verdadeiro ou falso (true/false).", self.nome)
            return valor
        if self.tipo is int:
            # bool is an int in Python; `true` for a count is a mistake, not 1.
            if isinstance(valor, bool) or not isinstance(valor, int):
                raise invalido(f"O parâmetro “{self.nome}” deve ser um número inteiro.", self.nome)
            if (self.minimo is not None and valor < self.minimo) or (self.maximo is not None and valor > self.maximo):
                raise invalido(
                    f"O parâmetro “{self.nome}” deve estar entre {self.minimo} e {self.maximo}; veio {valor}.",
                    self.nome,
                )
            return valor
        if self.tipo is str:
            if not isinstance(valor, str):
                raise invalido(f"O parâmetro “{self.nome}” deve ser um texto.", self.nome)
            return valor.strip()
        if self.tipo is list:
            if not isinstance(valor, list) or not all(isinstance(item, str) for item in valor):
                raise invalido(f"O parâmetro “{self.nome}” deve ser uma lista de textos.", self.nome)
            # Order kept, blanks and repeats dropped: what a person meant by the list.
            return list(dict.fromkeys(item.strip() for item in valor if item.strip()))
        raise TypeError(f"tipo de parâmetro não suportado: {self.tipo}")


def validar_campos(parametros: Any, campos: list[Campo]) -> dict:
    """Refuse anything that is not an object of exactly these keys with these types; fill the defaults."""
    if parametros is None:
        parametros = {}
    if not isinstance(parametros, dict):
        raise invalido("Os parâmetros devem ser um objeto JSON (por exemplo {}).", "parametros")
    conhecidos = {campo.nome: campo for campo in campos}
    desconhecidos = sorted(set(parametros) - set(conhecidos))
    if desconhecidos:
        aceitos = ", ".join(conhecidos) or "nenhum"
        raise invalido(
            f"Parâmetro desconhecido: {', '.join(desconhecidos)}. Este tipo aceita: {aceitos}.",
            desconhecidos[0],
            desconhecidos=desconhecidos,
        )
    return {
        nome: campo.limpar(parametros[nome]) if nome in parametros else _copia(campo.padrao)
        for nome, campo in conhecidos.items()
    }


def _copia(valor: Any) -> Any:
    return list(valor) if isinstance(valor, list) else valor


def padrao(campos: list[Campo]) -> dict:
    return {campo.nome: _copia(campo.padrao) for campo in campos}


def data_local(agora: dt.datetime, fuso: str) -> dt.date:
    """The calendar date of `agora` in the schedule's time zone, not the server's."""
    if timezone.is_naive(agora):
        raise ValueError("agora precisa ter fuso horário (datetime aware).")
    try:
        zona = ZoneInfo(fuso)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise invalido(f"Fuso horário desconhecido: {fuso!r}.", "fuso_horario") from exc
    return agora.astimezone(zona).date()


def mes_local(agora: dt.datetime, fuso: str) -> dt.date:
    """The first day of the month of `agora` in the schedule's time zone."""
    return data_local(agora, fuso).replace(day=1)


def mes_anterior(competencia: dt.date) -> dt.date:
    return (competencia - dt.timedelta(days=1)).replace(day=1)
