import logging

import pytest

from tests.api.conftest import cliente_jwt
from tests.conftest import porta_fechada

pytestmark = pytest.mark.django_db


def test_cache_fora_do_ar_deixa_a_requisicao_passar_com_aviso(settings, leitor, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{porta_fechada()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

    with caplog.at_level(logging.WARNING, logger="brm.api.limites"):
        resposta = cliente_jwt(leitor).get("/api/v1/me/")

    assert resposta.status_code == 200
    assert "o cache não respondeu" in caplog.text


def test_limites_contam_no_redis_de_verdade(settings, monkeypatch, leitor):
    from brm.api.limites import LimitePorUsuario

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": f"brm-teste-limites-{leitor.pk}",
        }
    }
    monkeypatch.setattr(LimitePorUsuario, "THROTTLE_RATES", {**LimitePorUsuario.THROTTLE_RATES, "user": "2/min"})
    cliente = cliente_jwt(leitor)

    respostas = [cliente.get("/api/v1/me/").status_code for _ in range(3)]

    assert respostas == [200, 200, 429]
