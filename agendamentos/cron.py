"""Cron expressions as beat will really read them: Celery's parser, Celery's AND rule, Celery's time zone handling.

An expression has exactly five fields (minute hour day-of-month month day-of-week) and always travels with
an IANA time zone. Beat builds a `celery.schedules.crontab` from the fields of the `CrontabSchedule`, so the
same constructor decides here what is valid: anything it refuses would be skipped by beat without a word.
"""

import datetime as dt
import re
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from celery.schedules import crontab
from cron_descriptor import ExpressionDescriptor, FormatException, Options, WrongArgumentException
from croniter import CroniterBadDateError, croniter

from brm.common.errors import ErroDeNegocio

CAMPOS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
NOMES = {
    "minute": "minuto",
    "hour": "hora",
    "day_of_month": "dia do mês",
    "month_of_year": "mês",
    "day_of_week": "dia da semana",
}
INVALIDO = {
    "minute": "Minuto inválido",
    "hour": "Hora inválida",
    "day_of_month": "Dia do mês inválido",
    "month_of_year": "Mês inválido",
    "day_of_week": "Dia da semana inválido",
}
FAIXAS = {
    "minute": "de 0 a 59",
    "hour": "de 0 a 23",
    "day_of_month": "de 1 a 31",
    "month_of_year": "de 1 a 12, ou jan a dec",
    "day_of_week": "de 0 a 6 (0 = domingo), ou sun a sat",
}
# The widths of django-celery-beat's CrontabSchedule columns; PostgreSQL refuses a longer value.
TAMANHO_MAXIMO = {"minute": 240, "hour": 96, "day_of_month": 124, "month_of_year": 64, "day_of_week": 64}
NOTA_DIA_E_SEMANA = "(somente quando o dia do mês e o dia da semana coincidem)"
# Beyond this many steps without a run the expression is taken as never firing (29 February on a Monday
# still fires every few years; the limit is only a bound on the loop).
_PASSOS_MAXIMOS = 10_000


def _erro(mensagem: str) -> ErroDeNegocio:
    return ErroDeNegocio(mensagem, codigo=ErroDeNegocio.INVALIDO, dados={"campo": "expressao_cron"})


def _partes(expressao: str) -> list[str]:
    if not isinstance(expressao, str) or not expressao.strip():
        raise _erro("Informe a expressão cron: cinco campos, por exemplo “0 2 * * *” (todo dia às 02:00).")
    partes = expressao.split()
    if len(partes) != 5:
        raise _erro(
            "A expressão cron precisa de exatamente 5 campos separados por espaço "
            f"(minuto hora dia-do-mês mês dia-da-semana); esta tem {len(partes)}."
        )
    return partes


def _crontab(campos: dict[str, str]) -> crontab:
    # Keyword arguments always: Celery's positional order (minute, hour, day_of_week, ...) is not cron's.
    return crontab(
        minute=campos["minute"],
        hour=campos["hour"],
        day_of_month=campos["day_of_month"],
        month_of_year=campos["month_of_year"],
        day_of_week=campos["day_of_week"],
    )


def _tem_sete(valor: str) -> bool:
    return re.search(r"(?<![\d/])7(?!\d)", valor) is not None


def cron_validar(expressao: Any) -> str:
    """`expressao` with single spaces once Celery's parser accepts it; otherwise
    `ErroDeNegocio(INVALIDO, campo="expressao_cron")` with the reason in Portuguese."""
    campos = dict(zip(CAMPOS, _partes(expressao), strict=True))
    # One field at a time first, so the message names the field that is wrong: Celery's own messages do not.
    for campo, valor in campos.items():
        if len(valor) > TAMANHO_MAXIMO[campo]:
            raise _erro(f"O campo {NOMES[campo]} é longo demais (até {TAMANHO_MAXIMO[campo]} caracteres).")
        try:
            crontab(**{campo: valor})
        except ValueError as exc:
            if campo == "day_of_week" and _tem_sete(valor):
                raise _erro(f"{INVALIDO[campo]}: “{valor}”. Use 0 para domingo: o Celery não aceita 7.") from exc
            raise _erro(f"{INVALIDO[campo]}: “{valor}”. Use valores {FAIXAS[campo]}.") from exc
    try:
        tabela = _crontab(campos)
    except ValueError as exc:
        raise _erro(
            f"O dia do mês “{campos['day_of_month']}” nunca acontece no mês “{campos['month_of_year']}”."
        ) from exc
    try:
        croniter(_normalizada(tabela), dt.datetime(2000, 1, 1), day_or=False).get_next(dt.datetime)
    except CroniterBadDateError as exc:
        raise _erro("Esta expressão nunca dispara: nenhuma data atende a todos os campos juntos.") from exc
    return " ".join(campos.values())


def cron_campos(expressao: str) -> dict[str, str]:
    """The five fields of a valid expression, named as `CrontabSchedule`'s columns."""
    return dict(zip(CAMPOS, cron_validar(expressao).split(), strict=True))


@lru_cache(maxsize=1)
def fusos_disponiveis() -> frozenset[str]:
    # "localtime" is whatever the server is set to, and "Factory" is no place: neither is a schedule's zone.
    return frozenset(available_timezones()) - {"localtime", "Factory", "posixrules"}


def fuso_validar(fuso: Any) -> str:
    """The IANA time zone name a cron expression travels with; `ErroDeNegocio(INVALIDO, campo="fuso_horario")`."""
    fuso = (fuso or "").strip() if isinstance(fuso, str) or fuso is None else str(fuso)
    if fuso not in fusos_disponiveis():
        raise ErroDeNegocio(
            f"Fuso horário desconhecido: “{fuso}”. Use um nome IANA, por exemplo America/Sao_Paulo.",
            codigo=ErroDeNegocio.INVALIDO,
            dados={"campo": "fuso_horario"},
        )
    return fuso


def _normalizada(tabela: crontab) -> str:
    """The expression as the numbers Celery expanded: croniter then agrees with Celery on every field,
    names, steps and wrapping ranges (`fri-mon`) included."""

    def lista(valores) -> str:
        return ",".join(str(v) for v in sorted(valores))

    return " ".join(
        lista(getattr(tabela, campo)) for campo in ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
    )


@lru_cache(maxsize=256)
def _normalizada_de(expressao: str) -> str:
    return _normalizada(_crontab(cron_campos(expressao)))


def proximas_execucoes(expressao: str, fuso: str, a_partir: dt.datetime, n: int = 5) -> list[dt.datetime]:
    """The next `n` instants (after `a_partir`, aware) at which beat fires `expressao` in `fuso`, in that zone.

    Celery fires only when day-of-month AND day-of-week both match (`day_or=False`). Across daylight saving
    it reads the wall clock: a time that does not exist (the spring-forward gap) is taken with the offset
    from before the change, so 02:30 fires at 03:30 of the new offset; a time that happens twice (fall-back)
    fires once, the first time; after a run, the next is sought from the wall clock of that run. Each step
    below does the same, which is why it re-seeds croniter from the wall clock instead of iterating on.
    """
    if a_partir.tzinfo is None:
        raise ValueError("a_partir precisa ter fuso horário (datetime aware).")
    normalizada = _normalizada_de(expressao)
    zona = ZoneInfo(fuso)
    parede = a_partir.astimezone(zona).replace(tzinfo=None, fold=0)
    resultado: list[dt.datetime] = []
    for _ in range(_PASSOS_MAXIMOS):
        if len(resultado) >= n:
            break
        try:
            seguinte = croniter(normalizada, parede, day_or=False).get_next(dt.datetime)
        except CroniterBadDateError:
            break
        # fold=0: in the gap, the offset before the change; in the overlap, the first of the two instants.
        # Through UTC: astimezone() to the datetime's own zone returns it unchanged, gap time included.
        instante = seguinte.replace(tzinfo=zona, fold=0).astimezone(dt.UTC)
        local = instante.astimezone(zona)
        parede = local.replace(tzinfo=None, fold=0)
        if instante > a_partir:
            resultado.append(local)
    return resultado


def proxima_execucao(expressao: str, fuso: str, a_partir: dt.datetime) -> dt.datetime | None:
    proximas = proximas_execucoes(expressao, fuso, a_partir, n=1)
    return proximas[0] if proximas else None


_DIAS = {
    "Sunday": "domingo",
    "Monday": "segunda-feira",
    "Tuesday": "terça-feira",
    "Wednesday": "quarta-feira",
    "Thursday": "quinta-feira",
    "Friday": "sexta-feira",
    "Saturday": "sábado",
}
_MESES = {
    "January": "janeiro",
    "February": "fevereiro",
    "March": "março",
    "April": "abril",
    "May": "maio",
    "June": "junho",
    "July": "julho",
    "August": "agosto",
    "September": "setembro",
    "October": "outubro",
    "November": "novembro",
    "December": "dezembro",
}
_NOMES_EM_INGLES = re.compile(r"\b(" + "|".join([*_DIAS, *_MESES]) + r")\b")


def _opcoes() -> Options:
    opcoes = Options()
    # cron_descriptor ships Portuguese only as pt_PT; its phrases read naturally in Brazil too.
    opcoes.locale_code = "pt_PT"
    opcoes.use_24hour_time_format = True
    opcoes.day_of_week_start_index_zero = True
    return opcoes


@lru_cache(maxsize=256)
def descrever_cron(expressao: str) -> str:
    """The expression in plain Portuguese, with a note when Celery's AND rule for days applies."""
    campos = cron_campos(expressao)
    try:
        texto = ExpressionDescriptor(" ".join(campos.values()), _opcoes()).get_description()
    except (FormatException, WrongArgumentException, ValueError, IndexError):
        texto = " ".join(campos.values())
    # The library takes day and month names from the process locale (`calendar`), English on servers.
    texto = _NOMES_EM_INGLES.sub(lambda m: _DIAS.get(m.group(1)) or _MESES[m.group(1)], texto)
    if campos["day_of_month"] != "*" and campos["day_of_week"] != "*":
        texto = f"{texto} {NOTA_DIA_E_SEMANA}"
    return texto
