"""How many requests a caller may make: per address before signing in, per account after, and a tighter
limit on signing in and renewing, so guessing passwords stays slow.

The counts live in Django's cache, which is Redis outside the tests (`CACHES` in the settings), so every
web process counts the same requests. A cache that does not answer lets the request through with a warning:
a Redis restart must not turn the API off.
"""

import logging

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)


class _SemTravarQuandoOCacheFalha:
    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception as erro:  # noqa: BLE001 — any cache failure (Redis down, timeout) must not refuse calls
            logger.warning("Limite de requisições não conferido: o cache não respondeu (%s).", erro)
            return True


class LimiteAnonimo(_SemTravarQuandoOCacheFalha, AnonRateThrottle):
    """Callers without credentials, per client address."""


class LimitePorUsuario(_SemTravarQuandoOCacheFalha, UserRateThrottle):
    """Signed-in callers, per account (a system's service key counts as its account)."""


class LimiteDeAutenticacao(_SemTravarQuandoOCacheFalha, AnonRateThrottle):
    """Sign-ins and renewals per client address, signed in or not."""

    scope = "autenticacao"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
