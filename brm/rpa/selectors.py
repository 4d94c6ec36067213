from django.conf import settings

from .api_robos import ApiRobos
from .models import ConfiguracaoRPA


def _valores_iniciais() -> dict:
    return {
        "url_base": settings.RPA_API_URL,
        "token": settings.RPA_API_TOKEN,
        "robo_sat": settings.RPA_ROBO_SAT,
        "limite_global": settings.RPA_LIMITE_GLOBAL,
        "intervalo_polling_ms": settings.RPA_INTERVALO_POLLING_MS,
        "timeout_execucao_segundos": settings.RPA_TIMEOUT_EXECUCAO,
    }


def configuracao_rpa_obter() -> ConfiguracaoRPA:
    """The robot API configuration, created from the `RPA_*` settings the first time it is read."""
    configuracao, _ = ConfiguracaoRPA.objects.get_or_create(
        chave=ConfiguracaoRPA.CHAVE_UNICA, defaults=_valores_iniciais()
    )
    return configuracao


def configuracao_rpa_ler() -> ConfiguracaoRPA:
    """The same configuration without ever writing: the saved row, or an unsaved one with the `RPA_*` settings.

    For probes (/readyz, /metrics) that must not create rows, nor wait for a write lock, as a side effect."""
    configuracao = ConfiguracaoRPA.objects.filter(chave=ConfiguracaoRPA.CHAVE_UNICA).first()
    return configuracao or ConfiguracaoRPA(chave=ConfiguracaoRPA.CHAVE_UNICA, **_valores_iniciais())


def api_robos_obter(*, configuracao: ConfiguracaoRPA, url_base: str = "", token: str = "") -> ApiRobos:
    """A client for the global API, or for a third-party robot's own address, with the given token if any."""
    return ApiRobos(
        url_base=url_base or configuracao.url_base,
        token=token or configuracao.token,
        timeout=float(configuracao.timeout_http_segundos),
    )
