"""What the redaction masks in log lines and Sentry events, what it leaves alone, and messages that no longer carry
a secret at their source."""

import base64
from urllib.parse import quote

import pytest
import requests
from django.views.debug import SafeExceptionReporterFilter

from brm.common.redacao import MASCARA, limpar, redigir, url_sem_credenciais
from brm.rpa.api_robos import ApiRobos, ErroRPA
from tests.conftest import porta_fechada

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwidXNlcl9pZCI6MX0."
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)


@pytest.mark.parametrize(
    ("texto", "esperado"),
    [
        ("Authorization: Bearer abc.def-ghi", "Authorization: *** ***"),
        ("cabeçalho bearer tok_123456 enviado", "cabeçalho bearer *** enviado"),
        ("redis://:s3nha-redis@cache:6379/0", "redis://:***@cache:6379/0"),
        ("postgres://brm:s3nha-db@db:5432/brm", "postgres://brm:***@db:5432/brm"),
        ("https://ghp_tokenzinho@github.com/x", "https://***@github.com/x"),
        ("GET /hook?token=abc123&pagina=2", "GET /hook?token=***&pagina=2"),
        ("{'login': 'ana', 'senha': 'minha senha'}", "{'login': 'ana', 'senha': ***}"),
        ('{"password": "p@ss w0rd", "email": "a@b.c"}', '{"password": ***, "email": "a@b.c"}'),
        ("api_key=K-1; segredo: xyz", "api_key=***; segredo: ***"),
        (f"tokens {JWT} fim", f"tokens {MASCARA}jwt{MASCARA} fim"),
        ("chave brm_AbCdEfGhIjKlMnOpQrStUvWxYz0123 usada", f"chave brm_{MASCARA} usada"),
    ],
)
def test_redigir_mascara_segredos(texto, esperado):
    assert redigir(texto) == esperado


@pytest.mark.parametrize(
    "texto",
    [
        "E-mail ou senha incorretos, ou usuário desativado.",
        "A API de robôs recusou o token. Um administrador precisa atualizar o token em Configuração dos robôs.",
        "Execução 5b0c…: o robô vivo aceitou o trabalho job-1.",
        "Não foi possível conectar à API de robôs em http://127.0.0.1:8765; será tentado de novo.",
        "POST /api/v1/auth/token/ 401 (12 ms)",
        "Task processos.enviar_execucao[0d4c1c3e-6f0a-4a57-9d65-1f6f3c1f9f4e] received",
        "e-mail enviado para ana@empresa.com.br",
    ],
)
def test_redigir_deixa_mensagens_comuns_como_estao(texto):
    assert redigir(texto) == texto


def test_segredos_das_configuracoes_somem_tambem_codificados(settings):
    settings.SECRET_KEY = "chave-secreta-do-django-0123456789"
    settings.FERNET_KEYS = ["Zt5rP7Bg4HBCxCzvl-cY6hhKaOlKxvgCwr4xGwKf9BI="]
    settings.EMAIL_HOST_PASSWORD = "senha-do-smtp-987"
    settings.REDIS_URL = "redis://:senha-do-redis-555@cache:6379/0"
    texto = " ".join(
        [
            settings.SECRET_KEY,
            quote(settings.SECRET_KEY, safe=""),
            base64.b64encode(settings.SECRET_KEY.encode()).decode(),
            settings.FERNET_KEYS[0],
            quote(settings.FERNET_KEYS[0], safe=""),
            "smtp=" + settings.EMAIL_HOST_PASSWORD,
            "o redis com senha-do-redis-555",
        ]
    )

    limpo = redigir(texto)

    for segredo in ("chave-secreta-do-django", "Zt5rP7Bg4HBC", "Y2hhdmUtc2VjcmV0YS", "senha-do-smtp", "senha-do-redis"):
        assert segredo not in limpo, limpo


def test_limpar_mascara_chaves_sensiveis_em_qualquer_profundidade():
    evento = {
        "request": {"headers": {"Authorization": "Bearer x", "Cookie": "sessionid=abc", "Accept": "text/html"}},
        "extra": {"payload": {"cliente": {"login": "ana", "senha_portal": "s"}}, "refresh": JWT, "n": 3},
        "itens": ({"api_externa_token": "t"}, "texto com senha=abc"),
    }

    assert limpar(evento) == {
        "request": {"headers": {"Authorization": MASCARA, "Cookie": MASCARA, "Accept": "text/html"}},
        "extra": {"payload": {"cliente": {"login": "ana", "senha_portal": MASCARA}}, "refresh": MASCARA, "n": 3},
        "itens": [{"api_externa_token": MASCARA}, "texto com senha=***"],
    }


def test_url_sem_credenciais():
    assert url_sem_credenciais("https://robo:s3nha@rpa.exemplo.com:8443/api") == "https://rpa.exemplo.com:8443/api"
    assert url_sem_credenciais("http://127.0.0.1:8765") == "http://127.0.0.1:8765"


# At the source -------------------------------------------------------------------------------------------------


def test_erro_da_api_de_robos_nao_mostra_usuario_e_senha_do_endereco():
    api = ApiRobos(url_base=f"http://robo:s3nha-da-url@127.0.0.1:{porta_fechada()}", token="t", timeout=1)

    with pytest.raises(ErroRPA) as erro:
        api.job("x")

    assert "s3nha-da-url" not in erro.value.mensagem and "robo:" not in erro.value.mensagem
    assert "http://127.0.0.1:" in erro.value.mensagem


def test_erro_de_entrega_de_webhook_nao_mostra_caminho_nem_query_do_destino():
    from brm.webhooks.services.entrega import _motivo

    url = f"http://127.0.0.1:{porta_fechada()}/hooks/chave-secreta-no-caminho?token=tok-na-query"
    try:
        requests.post(url, timeout=1)
    except requests.RequestException as exc:
        erro = exc
    else:  # pragma: no cover - nothing listens on that port
        pytest.fail("a porta deveria estar fechada")

    motivo = _motivo(erro, url)

    assert "chave-secreta-no-caminho" not in motivo and "tok-na-query" not in motivo
    assert "127.0.0.1" in motivo


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("caminho", "campo"),
    [("/api/v1/auth/token/", "password"), ("/api/v1/auth/token/renovar/", "refresh"), ("/admin/login/", "password")],
)
def test_relatorio_de_erro_do_django_esconde_senha_e_token_de_renovacao(client, caminho, campo):
    resposta = client.post(caminho, {"email": "a@b.c", "username": "a@b.c", campo: "segredo-do-formulario"})

    parametros = SafeExceptionReporterFilter().get_post_parameters(resposta.wsgi_request)
    assert parametros[campo] == SafeExceptionReporterFilter.cleansed_substitute
