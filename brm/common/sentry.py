"""Optional error reports to Sentry (`SENTRY_DSN`), started by the production settings, with no secret in them.

Sentry sends what the SDK collects (the request, breadcrumbs made of log lines, the traceback): no personal data
(`send_default_pii=False`), no request bodies, no local variables (a frame's locals may hold a decrypted portal
password under any name), and every event and transaction goes through the same redaction as the log lines.
"""

from brm.configuracao import ConfiguracaoInvalida

from .redacao import limpar


def sentry_redigir(evento: dict, _dica: dict | None = None) -> dict:
    """`before_send` / `before_send_transaction`: the event with its secrets masked (brm/common/redacao.py)."""
    return limpar(evento)


def sentry_iniciar(*, dsn: str, ambiente: str = "", versao: str = "", taxa_traces: str | float = 0.0) -> bool:
    """Start the Sentry SDK for Django and Celery when `dsn` is given; False (and nothing started) without one.

    `taxa_traces` is the share of requests and tasks traced (0 to 1; 0: errors only).
    """
    if not dsn:
        return False
    try:
        taxa = float(taxa_traces)
    except (TypeError, ValueError):
        taxa = -1.0
    if not 0.0 <= taxa <= 1.0:
        raise ConfiguracaoInvalida(
            f"SENTRY_TRACES_SAMPLE_RATE deve ser um número de 0 a 1 (recebido: “{taxa_traces}”)."
        )
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.utils import BadDsn

    try:
        sentry_sdk.init(
            dsn=dsn,
            environment=ambiente or None,
            release=versao or None,
            traces_sample_rate=taxa,
            send_default_pii=False,
            include_local_variables=False,
            max_request_body_size="never",
            before_send=sentry_redigir,
            before_send_transaction=sentry_redigir,
            integrations=[DjangoIntegration(), CeleryIntegration()],
        )
    except BadDsn as erro:
        raise ConfiguracaoInvalida(
            f"SENTRY_DSN não é um DSN do Sentry ({erro}): use https://chave@servidor/projeto, como o Sentry mostra."
        ) from None
    return True
