"""How a webhook call is signed: HMAC-SHA256 of `"<timestamp>.<body>"` with the webhook's secret.

The receiver computes the same over the raw body it got and the `X-BRM-Timestamp` header, and compares it with
`X-BRM-Assinatura` (docs/webhooks.md shows how).
"""

import hashlib
import hmac

PREFIXO = "sha256="


def assinar(*, segredo: str, timestamp: int, corpo: bytes) -> str:
    """The value of `X-BRM-Assinatura` for `corpo` sent at `timestamp` (unix seconds)."""
    mensagem = f"{timestamp}.".encode() + corpo
    return PREFIXO + hmac.new(segredo.encode(), mensagem, hashlib.sha256).hexdigest()


def assinatura_confere(*, segredo: str, timestamp: str | int, corpo: bytes, assinatura: str) -> bool:
    """Whether `assinatura` is the signature of `corpo` at `timestamp` (compared in constant time)."""
    return hmac.compare_digest(assinar(segredo=segredo, timestamp=int(timestamp), corpo=corpo), assinatura or "")
