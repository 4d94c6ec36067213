"""Browser tests: Playwright driving Debian's chromium against the real system, started for each test: the
ASGI web process (uvicorn), a Celery worker and beat on this run's queue and database, and the robot
simulator as a real HTTP server. Pages are checked by axe-core (vendored under static/vendor/), and every test fails
when the browser refused anything under the pages' Content-Security-Policy."""

import json
import os
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.db import connections

from brm.usuarios.models import Usuario
from tests.factories import UsuarioFactory
from tests.integracao.conftest import (  # noqa: F401  (fixtures)
    celery_processos,
    configuracao_rpa,
    opcoes_simulador,
    redis_real,
)

CHROMIUM = os.environ.get("BRM_CHROMIUM", "/usr/bin/chromium")
# Loaded by its address, as the pages load their scripts: the CSP refuses a script injected inline.
AXE_URL = f"/{settings.STATIC_URL.strip('/')}/vendor/axe-core/axe.min.js"
# What a page's policy refused, reported from inside the page to the test (an init script, which the CSP does not
# govern). Document by document: a violation is recorded even when the page navigates away at once.
OUVIR_CSP = """
document.addEventListener("securitypolicyviolation", (e) => {
  const onde = `${e.sourceFile || "?"}:${e.lineNumber}`;
  const texto = `${e.effectiveDirective} recusou ${e.blockedURI || "inline"} em ${e.documentURI} (${onde}) ${e.sample}`;
  window.__brmViolacaoCsp(texto.trim());
});
"""
# Refusals that are not the pages': axe-core, the tests' own tool, adds a <style> of its own; ReDoc (the API docs)
# shows Redocly's logo from the internet, which the policy refuses on purpose (the machines that run BRM have no
# internet, and the page hides the image when it does not load).
CSP_RECUSAS_ESPERADAS = (f"{AXE_URL}:", "recusou https://cdn.redoc.ly/")
SENHA = "senha-teste-123"
# Long enough for a worker, a robot job and the page to catch up on a busy 2-core machine.
PRAZO_MS = 30_000


@pytest.fixture(scope="module")
def navegador():
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Os testes de navegador precisam do chromium em {CHROMIUM}: instale com `apt-get install chromium` "
            "(o `make test` e o CI o instalam quando rodam como root)."
        )
    # Playwright's sync API keeps an event loop running in this thread (in a greenlet of its own), which Django
    # takes for an async context and refuses the tests' own database calls; they are plain sync calls. Inside
    # that loop Django's context-local connections are other objects than the ones the test database was set
    # up on: they are given its serialized copy, so serialized_rollback brings the role groups back after each
    # test's flush. Module scope: the loop ends with the browser tests.
    anterior = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    copias = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    try:
        with sync_playwright() as playwright:
            for alias, copia in copias.items():
                connections[alias]._test_serialized_contents = copia
            navegador = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            yield navegador
            navegador.close()
    finally:
        if anterior is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = anterior


@pytest.fixture
def sistema(celery_processos, simulador, configuracao_rpa):  # noqa: F811
    """The whole system for one test; the web process's address in `.url`."""
    celery_processos.worker(concorrencia=2)
    celery_processos.beat()
    web = celery_processos.web()
    celery_processos.url = web.url
    return celery_processos


@pytest.fixture
def pagina(navegador, sistema):
    contexto = navegador.new_context(
        base_url=sistema.url, locale="pt-BR", timezone_id="America/Sao_Paulo", viewport={"width": 1400, "height": 900}
    )
    contexto.set_default_timeout(PRAZO_MS)
    violacoes: list[str] = []
    contexto.expose_binding("__brmViolacaoCsp", lambda _fonte, texto: violacoes.append(texto))
    contexto.add_init_script(OUVIR_CSP)
    pagina = contexto.new_page()
    erros: list[str] = []
    pagina.on("pageerror", lambda erro: erros.append(str(erro)))
    pagina.violacoes_csp = violacoes
    yield pagina
    contexto.close()
    assert not erros, f"Erros de JavaScript na página: {erros}"
    assert not violacoes_inesperadas(pagina), "O navegador recusou pela Content-Security-Policy:\n" + "\n".join(
        violacoes_inesperadas(pagina)
    )


def violacoes_inesperadas(pagina) -> list[str]:
    return [v for v in pagina.violacoes_csp if not any(esperada in v for esperada in CSP_RECUSAS_ESPERADAS)]


def pessoa(papel: str, email: str) -> Usuario:
    return UsuarioFactory(papel=papel, email=email, password=SENHA)


def entrar(pagina, usuario: Usuario, proxima: str = "/") -> None:
    """Sign in through the login page, as a person does, and land on `proxima`."""
    pagina.goto(f"/admin/login/?next={quote(proxima)}")
    pagina.get_by_label("E-mail").fill(usuario.email)
    pagina.get_by_label("Senha").fill(SENHA)
    pagina.get_by_role("button", name="Acessar").click()
    pagina.wait_for_url(lambda url: urlsplit(url).path == urlsplit(proxima).path)


def sem_violacoes_graves(pagina, nome: str) -> None:
    """axe-core finds no serious or critical accessibility violation on the page as it is now, in the light
    and in the dark theme (the admin's theme follows the system's when the person has not chosen one)."""
    if not pagina.evaluate("typeof window.axe !== 'undefined'"):
        pagina.add_script_tag(url=AXE_URL)
    graves = []
    for tema in ("light", "dark"):
        pagina.emulate_media(color_scheme=tema)
        # The admin's links fade to the theme's colours (a CSS transition): let it end before measuring.
        pagina.wait_for_timeout(500)
        resultado = pagina.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        graves += [
            {
                "tema": tema,
                "regra": v["id"],
                "impacto": v["impact"],
                "ajuda": v["help"],
                "onde": [(n["target"], n["failureSummary"]) for n in v["nodes"][:3]],
            }
            for v in resultado["violations"]
            if v["impact"] in ("serious", "critical")
        ]
    pagina.emulate_media(color_scheme="light")
    detalhe = json.dumps(graves, indent=2, ensure_ascii=False)
    assert not graves, f"{nome}: violações graves de acessibilidade:\n{detalhe}"
