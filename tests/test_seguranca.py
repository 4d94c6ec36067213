"""Production hardening: `check --deploy` finds nothing to warn about, production redirects to HTTPS (except the
load balancer's probes) with HSTS and secure cookies, and every page carries a Content-Security-Policy that no
inline script, inline handler or `javascript:` address of ours needs. The browser side: tests/e2e/test_seguranca.py."""

import json
import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib import admin
from django.urls import reverse

from brm.usuarios.models import Usuario
from processos.models import Execucao, Processo
from tests.factories import ExecucaoFactory, ProcessoFactory, UsuarioFactory

RAIZ = Path(__file__).resolve().parent.parent
PRODUCAO = {
    "DJANGO_SETTINGS_MODULE": "brm.settings.production",
    # Long and random, as check --deploy wants a real one (50+ characters, not Django's "insecure" prefix).
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "FERNET_KEYS": "4E4h5Vzp9jKRzBb0g6-cOdebyC8RZl72U5FURIrDteQ=",
}
# Variables this module sets itself; the rest of the environment (PATH, the venv) passes through.
NOSSAS = (
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "FERNET_KEYS",
    "DJANGO_SECRET_KEY",
    "DJANGO_DEBUG",
    "DJANGO_SECURE_SSL_REDIRECT",
    "DJANGO_HSTS_SECONDS",
    "DJANGO_HSTS_INCLUDE_SUBDOMAINS",
    "DJANGO_HSTS_PRELOAD",
    "DJANGO_SECURE_COOKIES",
    "DJANGO_CSP_FORM_ACTION",
    "DJANGO_CSP_REPORT_URI",
    "DJANGO_STATIC_ROOT",
)


def _manage(*argumentos: str, **ambiente: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in NOSSAS}
    env.update(ambiente)
    return subprocess.run(
        [sys.executable, "manage.py", *argumentos], cwd=RAIZ, env=env, capture_output=True, text=True, timeout=120
    )


def _politica(resposta) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    politica = resposta["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in politica.split(";") if d.strip()}


# check --deploy and the production settings ------------------------------------------------------------------------


def test_check_deploy_em_producao_nao_tem_avisos():
    resultado = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCAO)

    assert resultado.returncode == 0, resultado.stdout + resultado.stderr
    assert "System check identified no issues (0 silenced)." in resultado.stdout
    assert "WARNING" not in resultado.stderr


# What production answers, asked by Django's test client inside a process running the production settings, with the
# static files collected as production collects them (the pages' templates name them through the manifest).
SONDA = """
import json
from django.conf import settings
from django.test import Client

cliente = Client(HTTP_HOST="localhost")

def pedir(caminho, https=False):
    extra = {"HTTP_X_FORWARDED_PROTO": "https"} if https else {}
    r = cliente.get(caminho, **extra)
    return {
        "status": r.status_code,
        "location": r.get("Location"),
        "hsts": r.get("Strict-Transport-Security"),
        "csp": r.get("Content-Security-Policy"),
        "xfo": r.get("X-Frame-Options"),
        "referrer": r.get("Referrer-Policy"),
        "csrf_secure": bool(r.cookies["csrftoken"]["secure"]) if "csrftoken" in r.cookies else None,
    }

print(json.dumps({
    "http": pedir("/admin/login/"),
    "https": pedir("/admin/login/", https=True),
    "healthz": pedir("/healthz"),
    "readyz": pedir("/readyz/"),
    "session_cookie": [settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY],
    "storage": settings.STORAGES["staticfiles"]["BACKEND"],
    "form_action": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"],
}))
"""


def _sondar(coletados, **ambiente: str) -> dict:
    resultado = _manage("shell", "-c", SONDA, **{**PRODUCAO, "DJANGO_STATIC_ROOT": str(coletados), **ambiente})
    assert resultado.returncode == 0, resultado.stderr
    return json.loads(resultado.stdout.strip().splitlines()[-1])


def test_producao_leva_ao_https_com_hsts_menos_as_sondas(coletados):
    respostas = _sondar(coletados)

    assert respostas["http"]["status"] == 301
    assert respostas["http"]["location"] == "https://localhost/admin/login/"
    assert respostas["https"]["status"] == 200
    assert respostas["https"]["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert respostas["https"]["xfo"] == "DENY"
    assert respostas["https"]["referrer"] == "same-origin"
    assert "script-src 'self'" in respostas["https"]["csp"]
    assert respostas["https"]["csrf_secure"] is True
    assert respostas["session_cookie"] == [True, True]
    # The probes speak plain HTTP inside the network: not redirected (they answer whatever their view answers).
    assert respostas["healthz"]["status"] != 301
    assert respostas["readyz"]["status"] != 301
    assert respostas["storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_producao_ajusta_https_e_hsts_pelo_ambiente(coletados):
    respostas = _sondar(
        coletados,
        DJANGO_SECURE_SSL_REDIRECT="False",
        DJANGO_HSTS_SECONDS="3600",
        DJANGO_HSTS_INCLUDE_SUBDOMAINS="False",
        DJANGO_HSTS_PRELOAD="False",
        DJANGO_CSP_FORM_ACTION="https://github.com,https://sso.exemplo.com.br",
    )

    assert respostas["http"]["status"] == 200
    assert respostas["https"]["hsts"] == "max-age=3600"
    assert respostas["form_action"] == ["'self'", "https://github.com", "https://sso.exemplo.com.br"]


# The Content-Security-Policy ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pagina_tem_csp_que_so_aceita_scripts_do_proprio_site(client):
    resposta = client.get("/admin/login/")

    politica = _politica(resposta)
    assert politica["default-src"] == ["'self'"]
    assert politica["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in politica["style-src"]
    assert politica["style-src-attr"] == ["'unsafe-inline'"]
    assert politica["connect-src"] == ["'self'"]
    assert politica["img-src"] == ["'self'", "data:"]
    assert politica["object-src"] == ["'none'"]
    assert politica["base-uri"] == ["'self'"]
    assert politica["frame-ancestors"] == ["'none'"]
    assert politica["form-action"] == ["'self'"]
    assert resposta["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_redoc_aceita_so_os_proprios_estilos_e_o_worker_de_busca(client):
    politica = _politica(client.get("/api/v1/docs/redoc/"))

    assert politica["script-src"] == ["'self'"]
    assert politica["style-src"] == ["'self'", "'unsafe-inline'"]
    assert politica["worker-src"] == ["'self'", "blob:"]


@pytest.mark.django_db
def test_swagger_ui_carrega_o_script_de_inicio_como_arquivo(client):
    pagina = client.get("/api/v1/docs/")
    endereco = re.search(r'<script src="(/api/v1/docs/\?[^"]*script[^"]*)"', pagina.content.decode())

    assert endereco, pagina.content.decode()
    script = client.get(endereco.group(1).replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()
    assert "/api/v1/schema/" in script.content.decode()


# No inline script anywhere -----------------------------------------------------------------------------------------


class _Inline(HTMLParser):
    """What the policy would refuse in a page: inline <script> and <style>, on*= handlers, javascript: addresses.
    JSON data blocks (`json_script`) are not scripts and stay."""

    def __init__(self):
        super().__init__()
        self.achados: list[str] = []

    def handle_starttag(self, tag, attrs):
        atributos = dict(attrs)
        for nome, valor in attrs:
            if nome.startswith("on"):
                self.achados.append(f"<{tag} {nome}=…>")
            endereco = nome in ("href", "src", "action", "formaction")
            if endereco and valor and valor.strip().lower().startswith("javascript:"):
                self.achados.append(f"<{tag} {nome}={valor!r}>")
        if tag == "script" and not atributos.get("src") and atributos.get("type") != "application/json":
            self.achados.append("<script> inline")
        if tag == "style":
            self.achados.append("<style> inline")


def _inline(html: str) -> list[str]:
    leitor = _Inline()
    leitor.feed(html)
    return leitor.achados


def _paginas_do_admin() -> list[str]:
    """Every list and add form of the admin (a model without an add form answers 403, which is fine here)."""
    return [
        reverse(f"admin:{modelo._meta.app_label}_{modelo._meta.model_name}_{pagina}")
        for modelo in admin.site._registry
        for pagina in ("changelist", "add")
    ]


@pytest.mark.django_db
def test_paginas_nao_tem_script_inline(client, admin_user):
    processo = ProcessoFactory(
        status=Processo.Status.AGUARDANDO_APROVACAO, fatura="faturas/2026-11/1.pdf", fatura_sha256="1" * 64
    )
    execucao = ExecucaoFactory(processo=processo, status=Execucao.Status.EM_EXECUCAO)
    client.force_login(admin_user)
    paginas = [
        reverse("painel"),
        reverse("processos:fila_aprovacao"),
        reverse("admin:processos_processo_change", args=[processo.pk]),
        reverse("admin:processos_execucao_change", args=[execucao.pk]),
        reverse("admin:index"),
        "/nao-existe/",
        "/api/v1/docs/",
        *_paginas_do_admin(),
    ]

    achados = {}
    for pagina in paginas:
        resposta = client.get(pagina, follow=True)
        assert resposta.status_code in (200, 403, 404), (pagina, resposta.status_code)
        if problemas := _inline(resposta.content.decode()):
            achados[pagina] = problemas
    assert not achados


@pytest.mark.django_db
def test_paginas_de_chave_e_segredo_mostrados_uma_vez_nao_tem_script_inline(client, admin_user):
    conta = UsuarioFactory(papel=Usuario.Papel.LEITURA)
    client.force_login(admin_user)

    chave = client.post(reverse("admin:api_tokendeservico_add"), {"nome": "ERP", "usuario": conta.pk})
    webhook = client.post(
        reverse("admin:webhooks_webhook_add"),
        {"nome": "ERP", "url": "https://erp.exemplo.com.br/brm", "eventos": ["processo.aprovado"], "ativo": "on"},
    )

    for resposta in (chave, webhook):
        assert resposta.status_code == 200, resposta.content.decode()[:2000]
        html = resposta.content.decode()
        assert "data-selecionar-ao-focar" in html
        assert 'src="/static/brm/selecionar.js"' in html
        assert not _inline(html)


# The project's templates that reach a browser (e-mails do not: their inline styles are what mail readers need).
MODELOS = [
    caminho
    for pasta in [RAIZ / "templates", *RAIZ.glob("*/templates"), *RAIZ.glob("brm/*/templates")]
    for caminho in pasta.rglob("*.html")
    if "email" not in caminho.parts
]
COMENTARIOS = re.compile(r"{% comment %}.*?{% endcomment %}|{#.*?#}", re.S)
PROIBIDOS = [
    (re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")", re.I), "<script> inline"),
    (re.compile(r"<style\b", re.I), "<style> inline"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on*= inline"),
    (re.compile(r"javascript:", re.I), "javascript:"),
]


@pytest.mark.parametrize("modelo", MODELOS, ids=lambda caminho: str(caminho.relative_to(RAIZ)))
def test_modelos_nao_tem_script_inline(modelo):
    texto = COMENTARIOS.sub("", modelo.read_text())

    assert [nome for padrao, nome in PROIBIDOS if padrao.search(texto)] == []
