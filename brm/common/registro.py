"""Log lines: what each one says about where it came from, in text or JSON, never with a secret.

Every line carries, when there is one, the id of the web request (`request_id`, also the `X-Request-ID` of its
response), the robot execution being handled (`execucao_id`, the `referencia` the robot got) and the Celery
task (`tarefa`, `tarefa_id`). They live in context variables: set by `brm.common.middleware.RequestIdMiddleware`,
by the Celery signals connected in `brm/celery.py`, and by `contexto_execucao` where a task handles one job.
Context variables follow a request into its async code and into the threads Django runs sync code in.

`configuracao_de_registro` builds the LOGGING setting: `texto` (a developer's terminal) or `json` (one JSON
object per line, production). See docs/registros.md.
"""

import datetime as dt
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from brm.configuracao import ConfiguracaoInvalida

from .redacao import MASCARA, chave_sensivel, limpar, mascarar_chaves, redigir

FORMATOS = ("texto", "json")

_request_id: ContextVar[str | None] = ContextVar("brm_request_id", default=None)
_execucao_id: ContextVar[str | None] = ContextVar("brm_execucao_id", default=None)
_tarefa: ContextVar[str | None] = ContextVar("brm_tarefa", default=None)
_tarefa_id: ContextVar[str | None] = ContextVar("brm_tarefa_id", default=None)
CONTEXTO = {"request_id": _request_id, "execucao_id": _execucao_id, "tarefa": _tarefa, "tarefa_id": _tarefa_id}


# Context ------------------------------------------------------------------------------------------------------


def request_id_atual() -> str | None:
    return _request_id.get()


def request_id_definir(request_id: str | None) -> Token:
    return _request_id.set(request_id)


@contextmanager
def contexto_execucao(execucao_id) -> Iterator[None]:
    """Lines written inside this block name the robot execution `execucao_id`."""
    marca = _execucao_id.set(str(execucao_id) if execucao_id else None)
    try:
        yield
    finally:
        _execucao_id.reset(marca)


_marcas_das_tarefas: dict[str, tuple[Token, Token, Token, Token]] = {}


def tarefa_iniciar(*, tarefa_id: str, nome: str) -> None:
    """A Celery task starts (task_prerun): its lines name it, and nothing of what ran before in this thread."""
    _marcas_das_tarefas[tarefa_id] = (
        _tarefa.set(nome),
        _tarefa_id.set(tarefa_id),
        _execucao_id.set(None),
        _request_id.set(None),
    )


def tarefa_encerrar(*, tarefa_id: str) -> None:
    """The task ended (task_postrun): the context goes back to what it was before it (an eager task inside a
    request goes back to the request's)."""
    marcas = _marcas_das_tarefas.pop(tarefa_id, None)
    if marcas is None:
        return
    for variavel, marca in zip((_tarefa, _tarefa_id, _execucao_id, _request_id), marcas, strict=True):
        try:
            variavel.reset(marca)
        except ValueError:
            # Set in another context (a pool that runs prerun and postrun apart): at least nothing stays behind.
            variavel.set(None)


def contexto_atual() -> dict[str, str]:
    """The context fields that have a value now."""
    return {nome: valor for nome, variavel in CONTEXTO.items() if (valor := variavel.get())}


# Filters ------------------------------------------------------------------------------------------------------


class FiltroDeContexto(logging.Filter):
    """Puts the context fields on every record (those a caller passed in `extra` stay)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for nome, variavel in CONTEXTO.items():
            if getattr(record, nome, None) is None:
                setattr(record, nome, variavel.get())
        return True


# What a LogRecord has by itself, plus what our filters and formatters put on it: everything else is an extra.
_ATRIBUTOS_DO_REGISTRO = frozenset(RESERVED_ATTRS) | {"taskName", "contexto", "color_message"} | set(CONTEXTO)


class FiltroDeSegredos(logging.Filter):
    """Masks secrets in the message, its arguments, the extras and the traceback, before any handler writes them.

    A defence behind the rule that secrets are never logged (brm/common/redacao.py says what is masked).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        self._mensagem(record)
        for nome, valor in list(record.__dict__.items()):
            if nome in _ATRIBUTOS_DO_REGISTRO or nome.startswith("_"):
                continue
            if chave_sensivel(nome):
                setattr(record, nome, MASCARA)
            elif isinstance(valor, str | Mapping | list | tuple):
                # Only texts and containers are rewritten: other objects (the request Django passes along) stay for
                # the handlers that use them, and the JSON formatter writes them through the same redaction.
                limpo = limpar(valor)
                if limpo != (list(valor) if isinstance(valor, tuple) else valor):
                    setattr(record, nome, limpo)
        if record.exc_info and not record.exc_text:
            record.exc_text = redigir(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redigir(record.exc_text)
        return True

    @staticmethod
    def _mensagem(record: logging.LogRecord) -> None:
        if not isinstance(record.msg, str):
            if isinstance(record.msg, dict):
                record.msg = limpar(record.msg)
            return
        try:
            original = record.getMessage()
            limpa = redigir(record.msg % mascarar_chaves(record.args) if record.args else record.msg)
        except (TypeError, ValueError, KeyError):
            # A malformed call: logging itself reports it when the line is written.
            return
        # Rewritten only when a secret was masked: otherwise the template and its arguments stay, for whatever
        # handler groups lines by template (Sentry's runs after ours).
        if limpa != original:
            record.msg, record.args = limpa, None


# Formatters ---------------------------------------------------------------------------------------------------


class FormatoTexto(logging.Formatter):
    """`quando NIVEL logger mensagem [request_id=… execucao_id=…]`: a terminal's line, with the context at its end."""

    def format(self, record: logging.LogRecord) -> str:
        partes = [f"{nome}={valor}" for nome, valor in _contexto_do_registro(record).items()]
        record.contexto = f" [{' '.join(partes)}]" if partes else ""
        return redigir(super().format(record))

    def formatException(self, ei) -> str:
        return redigir(super().formatException(ei))


class FormatoJson(JsonFormatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the context fields that have a
    value, the record's extras, and the traceback (`exc_info`), every value passed through the redaction."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("json_ensure_ascii", False)
        kwargs.setdefault("reserved_attrs", sorted(_ATRIBUTOS_DO_REGISTRO))
        super().__init__(*args, **kwargs)

    def add_fields(self, log_data: dict, record: logging.LogRecord, message_dict: dict) -> None:
        log_data["time"] = dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds")
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.message
        log_data.update(_contexto_do_registro(record))
        super().add_fields(log_data, record, message_dict)

    def process_log_record(self, log_data: dict) -> dict:
        return {chave: MASCARA if _extra_sensivel(chave) else limpar(valor) for chave, valor in log_data.items()}

    def formatException(self, ei) -> str:
        return redigir(super().formatException(ei))


def _contexto_do_registro(record: logging.LogRecord) -> dict[str, str]:
    # FiltroDeContexto put them on the record; a handler without it still gets the context of the moment.
    contexto = {}
    for nome, variavel in CONTEXTO.items():
        if valor := getattr(record, nome, None) or variavel.get():
            contexto[nome] = str(valor)
    return contexto


def _extra_sensivel(chave: str) -> bool:
    return chave not in ("time", "level", "logger", "message", "exc_info", *CONTEXTO) and chave_sensivel(chave)


# The LOGGING setting --------------------------------------------------------------------------------------------

# The servers' own loggers: in JSON, their lines (a worker that died, a bad request line) are JSON too. They are
# named only then, so a developer's terminal keeps uvicorn's usual lines.
REGISTROS_DOS_SERVIDORES = ("uvicorn.error", "gunicorn.error")


def formato_validar(formato: str) -> str:
    formato = (formato or "").strip().lower()
    if formato not in FORMATOS:
        raise ConfiguracaoInvalida(f"BRM_LOG_FORMATO deve ser “json” ou “texto” (recebido: “{formato}”).")
    return formato


def configuracao_de_registro(*, formato: str, nivel: str = "INFO") -> dict:
    """The LOGGING dict: one handler on stderr, in `formato`, with the context and the redaction on it."""
    formato = formato_validar(formato)
    loggers = {
        # django-eventstream says "added listener" for every page that opens a live stream.
        "django_eventstream": {"level": "WARNING"},
        # django-axes announces its settings at every start; its failures and lockouts (WARNING) still show.
        "axes.apps": {"level": "WARNING"},
    }
    if formato == "json":
        loggers.update({nome: {"handlers": ["console"], "propagate": False} for nome in REGISTROS_DOS_SERVIDORES})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "contexto": {"()": "brm.common.registro.FiltroDeContexto"},
            "segredos": {"()": "brm.common.registro.FiltroDeSegredos"},
        },
        "formatters": {
            "texto": {
                "()": "brm.common.registro.FormatoTexto",
                "format": "%(asctime)s %(levelname)s %(name)s %(message)s%(contexto)s",
            },
            "json": {"()": "brm.common.registro.FormatoJson"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": formato, "filters": ["contexto", "segredos"]}
        },
        "root": {"handlers": ["console"], "level": nivel},
        "loggers": loggers,
    }
