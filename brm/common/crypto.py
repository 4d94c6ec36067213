"""Fernet encryption for secrets at rest, with several keys so they can be rotated."""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=8)
def _fernet(chaves: tuple[str, ...]) -> MultiFernet:
    if not chaves:
        raise ImproperlyConfigured("FERNET_KEYS está vazio: defina ao menos uma chave Fernet para cifrar segredos.")
    try:
        return MultiFernet([Fernet(chave.encode()) for chave in chaves])
    except ValueError as exc:
        raise ImproperlyConfigured(f"FERNET_KEYS contém uma chave inválida: {exc}") from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FERNET_KEYS))


def cifrar(texto: str) -> str:
    return fernet().encrypt(texto.encode()).decode()


_SEM_CHAVE = (
    "Um segredo gravado no banco não pode ser decifrado com as chaves de FERNET_KEYS. "
    "Uma chave antiga foi removida antes de `rotacionar_chaves`?"
)


def decifrar(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(_SEM_CHAVE) from exc


def recifrar(token: str) -> str:
    """The same secret encrypted with the newest key."""
    try:
        return fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(_SEM_CHAVE) from exc
