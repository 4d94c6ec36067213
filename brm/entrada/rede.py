"""The client's address, counted the same way by the lockout (django-axes) and the API's request limits (DRF)."""

import ipaddress

from django.conf import settings


def _valido(endereco: str) -> bool:
    try:
        ipaddress.ip_address(endereco)
    except ValueError:
        return False
    return True


def endereco_do_cliente(request) -> str | None:
    """The client's address, trusting `X-Forwarded-For` only as far as the proxies we run (`BRM_API_NUM_PROXIES`).

    Each proxy appends the address it received the request from, so with N proxies the client is the N-th entry
    from the right; whatever a client wrote further left is its own invention. With no proxy, only REMOTE_ADDR:
    otherwise a guesser would pick a new address for every password. Same rule as DRF's `NUM_PROXIES`. Something
    that is not an address (a proxy count set too high) falls back to REMOTE_ADDR: the lockout table stores
    addresses in an `inet` column on PostgreSQL.
    """
    remoto = request.META.get("REMOTE_ADDR")
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    encaminhado = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies <= 0 or not encaminhado:
        return remoto
    enderecos = [endereco.strip() for endereco in encaminhado.split(",")]
    cliente = enderecos[-min(proxies, len(enderecos))]
    return cliente if _valido(cliente) else remoto
