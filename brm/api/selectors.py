"""Reads of the API's own data."""

import hashlib

from .models import SessaoEncerrada, TokenDeServico


def token_hash(chave: str) -> str:
    """The stored form of a service key: 32 random bytes need no slow hash, SHA-256 is enough."""
    return hashlib.sha256(chave.encode()).hexdigest()


def token_de_servico_pela_chave(chave: str) -> TokenDeServico | None:
    """The active key `chave`, with its account; None when no key matches or it was revoked."""
    return (
        TokenDeServico.objects.select_related("usuario")
        .filter(hash=token_hash(chave), revogado_em__isnull=True)
        .first()
    )


def sessao_encerrada(sessao: str) -> bool:
    """Whether the JWT sign-in `sessao` was signed out."""
    return bool(sessao) and SessaoEncerrada.objects.filter(sessao=sessao).exists()
