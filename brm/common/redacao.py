"""Secrets taken out of text and data before it is written to a log or sent to Sentry.

A last line of defence: code must not log secrets in the first place. What is masked here is what slips
through anyway: a value under a key that names a secret (`senha`, `password`, `token`, `authorization`...), an
`Authorization` scheme and its credentials, a URL's user and password, a JWT, a service key (`brm_…`), and
the literal values of the secrets the settings hold (SECRET_KEY, FERNET_KEYS, passwords inside URLs...).
"""

import base64
import datetime as dt
import decimal
import re
import uuid
from collections.abc import Mapping
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit

MASCARA = "***"

# A key whose value is a secret, wherever it appears (dict keys, `chave=valor`, `"chave": "valor"`).
_NOMES_SENSIVEIS = (
    r"senha|password|passwd|pwd|secret|segredo|token|authorization|api[-_]?key|apikey|chave|credencia|"
    r"cookie|sessionid|csrf|fernet|dsn|private[-_]?key|signature|assinatura"
)
_CHAVE_SENSIVEL = re.compile(_NOMES_SENSIVEIS, re.IGNORECASE)
# The two halves of a JWT pair, as SimpleJWT names them in its answers and requests.
_CHAVES_EXATAS = frozenset({"access", "refresh"})

_PADROES: list[tuple[re.Pattern, str]] = [
    # `Authorization: Bearer <token>` and its kin, anywhere in a text.
    (re.compile(r"\b(Bearer|Basic|Token|JWT)(\s+)[A-Za-z0-9._~+/=-]{4,}", re.IGNORECASE), rf"\1\2{MASCARA}"),
    # A URL's credentials: scheme://user:password@host keeps the user; scheme://token@host loses it all.
    (re.compile(r"\b([a-z][a-z0-9+.-]*://)([^\s/@:'\"]*):([^\s/@'\"]+)@", re.IGNORECASE), rf"\1\2:{MASCARA}@"),
    (re.compile(r"\b([a-z][a-z0-9+.-]*://)([^\s/@:'\"]+)@", re.IGNORECASE), rf"\1{MASCARA}@"),
    # chave=valor, chave: valor, "chave": "valor com espaços", 'chave': 'valor' (query strings, DSNs, reprs, JSON).
    (
        re.compile(
            r"(?P<chave>[\w.-]*(?:" + _NOMES_SENSIVEIS + r")[\w.-]*)(?P<fecha>[\"']?)(?P<sep>[ \t]*[=:][ \t]*)"
            r"(?:\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[^\s\"'&,;)}\]]+)",
            re.IGNORECASE,
        ),
        rf"\g<chave>\g<fecha>\g<sep>{MASCARA}",
    ),
    # A JWT (header.payload.signature, both first parts JSON in base64url: "eyJ").
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{8,}"), f"{MASCARA}jwt{MASCARA}"),
    # A service key (brm/api/services.py: "brm_" + 43 URL-safe characters).
    (re.compile(r"\bbrm_[A-Za-z0-9_-]{16,}"), f"brm_{MASCARA}"),
]

# Settings whose values are secrets by their name, and settings that are URLs that may carry a password.
_CONFIGURACAO_SECRETA = re.compile(r"(^|_)(KEY|KEYS|TOKEN|TOKENS|PASSWORD|PASSWORDS|SECRET|SECRETS|DSN)$|^SECRET_KEY")
_CONFIGURACAO_URL = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")
# Inside dict settings (DATABASES, EVENTSTREAM_REDIS, a provider's app): the keys that hold a password or a secret.
_CHAVE_SECRETA_ANINHADA = re.compile(r"password|passwd|secret|senha|segredo|signing_key|private_key|api_key", re.I)
# Shorter values are too likely to be ordinary words to be masked wherever they appear.
_TAMANHO_MINIMO = 8


def chave_sensivel(chave: object) -> bool:
    """Whether a value kept under this key (of a dict, a header, a form) is a secret."""
    texto = str(chave)
    return texto.lower() in _CHAVES_EXATAS or bool(_CHAVE_SENSIVEL.search(texto))


def redigir(texto: str) -> str:
    """`texto` with every secret it shows masked (see the module's docstring)."""
    if not texto:
        return texto
    for padrao, troca in _PADROES:
        texto = padrao.sub(troca, texto)
    for segredo in segredos_das_configuracoes():
        if segredo in texto:
            texto = texto.replace(segredo, MASCARA)
    return texto


def limpar(valor: object, *, _profundidade: int = 0) -> object:
    """`valor` as JSON-ready data with secrets masked: values under sensitive keys, and inside every text.

    Objects that JSON does not know become their text (a request becomes its method and path: its repr would
    carry the query string).
    """
    if valor is None or isinstance(valor, bool | int | float):
        return valor
    if isinstance(valor, str):
        return redigir(valor)
    if _profundidade > 12:
        return MASCARA
    if isinstance(valor, Mapping):
        return {
            str(chave): MASCARA if chave_sensivel(chave) else limpar(item, _profundidade=_profundidade + 1)
            for chave, item in valor.items()
        }
    if isinstance(valor, list | tuple | set | frozenset):
        return [limpar(item, _profundidade=_profundidade + 1) for item in valor]
    if isinstance(valor, dt.datetime | dt.date | dt.time):
        return valor.isoformat()
    if isinstance(valor, uuid.UUID | decimal.Decimal):
        return str(valor)
    if isinstance(valor, bytes):
        return redigir(valor.decode("utf-8", errors="replace"))
    if all(hasattr(valor, atributo) for atributo in ("method", "path", "META")):
        return f"{valor.method} {valor.path}"
    try:
        return redigir(str(valor))
    except Exception:
        return f"<{type(valor).__name__}>"


def mascarar_chaves(valor: object) -> object:
    """A copy of `valor` (dicts, lists, tuples) with the values under sensitive keys masked; the rest as it is."""
    if isinstance(valor, Mapping):
        return {chave: MASCARA if chave_sensivel(chave) else mascarar_chaves(item) for chave, item in valor.items()}
    if isinstance(valor, list | tuple):
        return type(valor)(mascarar_chaves(item) for item in valor)
    return valor


def url_sem_credenciais(url: str) -> str:
    """`url` without the user and password it may carry (for messages that people and logs read)."""
    partes = urlsplit(url)
    if "@" not in partes.netloc:
        return url
    return partes._replace(netloc=partes.netloc.rsplit("@", 1)[1]).geturl()


def segredos_das_configuracoes() -> tuple[str, ...]:
    """The secrets the settings hold, as they could appear in a text (also URL-encoded and in base64)."""
    from django.conf import settings

    # During the settings' own import nothing is known yet; nothing is cached until it is.
    if not settings.configured:
        return ()
    return _segredos(id(settings._wrapped))


@lru_cache(maxsize=4)
def _segredos(_configuracao: int) -> tuple[str, ...]:
    from django.conf import settings

    valores: set[str] = set()
    for nome in dir(settings):
        if not nome.isupper():
            continue
        valor = getattr(settings, nome, None)
        if _CONFIGURACAO_SECRETA.search(nome):
            valores.update(_textos(valor))
        elif nome in _CONFIGURACAO_URL and isinstance(valor, str):
            senha = _senha_da_url(valor)
            valores.update([senha] if senha else [])
        elif isinstance(valor, Mapping | list | tuple):
            valores.update(_aninhados(valor))
    formas = set()
    for valor in valores:
        if len(valor) < _TAMANHO_MINIMO:
            continue
        bruto = valor.encode()
        formas.update(
            {valor, quote(valor, safe=""), base64.b64encode(bruto).decode(), base64.urlsafe_b64encode(bruto).decode()}
        )
    # Longest first, so a secret inside another is not masked halfway.
    return tuple(sorted(formas, key=len, reverse=True))


def _textos(valor: object) -> list[str]:
    if isinstance(valor, str):
        return [valor]
    if isinstance(valor, list | tuple):
        return [item for item in valor if isinstance(item, str)]
    return []


def _aninhados(valor: object, profundidade: int = 0) -> list[str]:
    if profundidade > 5:
        return []
    if isinstance(valor, list | tuple):
        return [texto for item in valor for texto in _aninhados(item, profundidade + 1)]
    if not isinstance(valor, Mapping):
        return []
    textos = []
    for chave, item in valor.items():
        if _CHAVE_SECRETA_ANINHADA.search(str(chave)):
            textos.extend(_textos(item))
        else:
            textos.extend(_aninhados(item, profundidade + 1))
    return textos


def _senha_da_url(url: str) -> str:
    try:
        senha = urlsplit(url).password
    except ValueError:
        return ""
    return unquote(senha) if senha else ""
