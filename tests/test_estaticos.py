"""Static files are served by whitenoise: in production from what collectstatic wrote (hashed names, compressed
copies), on a developer's machine and in the browser tests straight from the apps. Either way a path that climbs
out of the folder is a plain 404, never a 500 or a file from elsewhere."""

import datetime as dt
import http.client
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from processos.models import Processo
from tests.conftest import STORAGES_DE_PRODUCAO, esperar, porta_fechada
from tests.factories import ProcessoFactory

RAIZ = Path(__file__).resolve().parent.parent
# Ways out of /static/ a client can send as they are (a browser would tidy most of them up first).
FORA_DA_PASTA = [
    "/static/../../brm/settings/base.py",
    "/static/../manage.py",
    "/static/..%2f..%2fmanage.py",
    "/static/%2e%2e/%2e%2e/manage.py",
    "/static/%2E%2E%2F%2E%2E%2Fmanage.py",
    "/static/admin/../../../manage.py",
    "/static/brm%2f..%2f..%2f..%2fmanage.py",
    "/static/..%5c..%5cmanage.py",
    "/static/brm/..\\..\\manage.py",
    "/static//etc/passwd",
    "/static/%00",
    "/static/brm/admin.css%00.txt",
]


@pytest.fixture
def como_em_producao(coletados):
    """Static files as production serves them: whitenoise reading STATIC_ROOT, names from the manifest."""
    with override_settings(
        STATIC_ROOT=str(coletados),
        STORAGES=STORAGES_DE_PRODUCAO,
        WHITENOISE_AUTOREFRESH=False,
        WHITENOISE_USE_FINDERS=False,
    ):
        yield json.loads((coletados / "staticfiles.json").read_text())["paths"]


@pytest.fixture
def como_em_desenvolvimento():
    """Static files as `make run` serves them (DEBUG): whitenoise finding them in the apps at each request."""
    with override_settings(WHITENOISE_AUTOREFRESH=True, WHITENOISE_USE_FINDERS=True):
        yield


@pytest.mark.django_db
def test_em_producao_serve_o_nome_com_hash_comprimido_e_guardado_por_um_ano(client, como_em_producao):
    css = "/static/" + como_em_producao["brm/admin.css"]

    resposta = client.get(css, HTTP_ACCEPT_ENCODING="gzip, br")

    assert css != "/static/brm/admin.css"
    assert resposta.status_code == 200
    assert resposta["Content-Encoding"] == "br"
    assert "immutable" in resposta["Cache-Control"]
    assert "max-age=315360000" in resposta["Cache-Control"]
    # The pages' policy is for pages: a file carries none (pdf.js's worker, a static file, runs under its own).
    assert "Content-Security-Policy" not in resposta


@pytest.mark.django_db
@pytest.mark.parametrize("caminho", FORA_DA_PASTA)
def test_em_producao_caminho_para_fora_da_pasta_e_404(client, como_em_producao, caminho):
    resposta = client.get(caminho)

    assert resposta.status_code == 404
    assert b"DJANGO_SECRET_KEY" not in resposta.content and b"execute_from_command_line" not in resposta.content


@pytest.mark.django_db
@pytest.mark.parametrize("caminho", FORA_DA_PASTA)
def test_em_desenvolvimento_caminho_para_fora_da_pasta_e_404(client, como_em_desenvolvimento, caminho):
    resposta = client.get(caminho)

    assert resposta.status_code == 404
    assert b"DJANGO_SECRET_KEY" not in resposta.content and b"execute_from_command_line" not in resposta.content


@pytest.mark.django_db
def test_em_desenvolvimento_serve_direto_das_apps(client, como_em_desenvolvimento):
    resposta = client.get("/static/brm/admin.css")

    assert resposta.status_code == 200
    assert b".brm-badge" in b"".join(resposta.streaming_content)


@pytest.mark.django_db
def test_fila_de_aprovacao_abre_com_os_nomes_do_manifesto(client, aprovador, como_em_producao):
    """The approval page names pdf.js's files by their hashed names and its folders (fonts, decoders), which the
    manifest does not list, unhashed (Django leaves a path ending in "/" alone); pdf.js then asks for the files in
    them by their own names, which collectstatic keeps beside the hashed copies."""
    ProcessoFactory(
        status=Processo.Status.AGUARDANDO_APROVACAO,
        fatura="faturas/2026-11/1.pdf",
        fatura_sha256="1" * 64,
        valor_total=Decimal("10.00"),
        vencimento=dt.date(2026, 12, 10),
    )
    client.force_login(aprovador)

    resposta = client.get(reverse("processos:fila_aprovacao"))

    assert resposta.status_code == 200
    html = resposta.content.decode()
    assert f'data-pdfjs="/static/{como_em_producao["vendor/pdfjs/pdf.min.mjs"]}"' in html
    assert f'data-worker="/static/{como_em_producao["vendor/pdfjs/pdf.worker.min.mjs"]}"' in html
    pastas = {"standard_fonts": "FoxitSerif.pfb", "wasm": "openjpeg.wasm", "iccs": "CGATS001Compat-v2-micro.icc"}
    for pasta, arquivo in pastas.items():
        assert f'="/static/vendor/pdfjs/{pasta}/"' in html
        assert client.get(f"/static/vendor/pdfjs/{pasta}/{arquivo}").status_code == 200


def test_servidor_de_desenvolvimento_responde_404_a_caminho_para_fora_da_pasta(tmp_path):
    """uvicorn with the local settings, as `make run` starts it: the raw path goes out exactly as written (no client
    tidying it up), uvicorn decodes it, and the answer is a 404 page, not the 500 of Django's own static handler."""
    porta = porta_fechada()
    ambiente = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "brm.settings.local",
        "DJANGO_DEBUG": "True",
        "BRM_VAR_DIR": str(tmp_path),
    }
    ambiente.pop("DATABASE_URL", None)
    log = open(tmp_path / "web.log", "wb")  # noqa: SIM115
    web = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "brm.asgi:application", "--host", "127.0.0.1", "--port", str(porta)],
        cwd=RAIZ,
        env=ambiente,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:

        def pedir(caminho: str) -> int:
            conexao = http.client.HTTPConnection("127.0.0.1", porta, timeout=10)
            try:
                conexao.request("GET", caminho)
                return conexao.getresponse().status
            finally:
                conexao.close()

        def atende() -> bool:
            assert web.poll() is None, (tmp_path / "web.log").read_text()
            try:
                return pedir("/static/brm/admin.css") == 200
            except OSError:
                return False

        esperar(atende, prazo=30, descricao="o uvicorn servir /static/brm/admin.css")
        respostas = {caminho: pedir(caminho) for caminho in FORA_DA_PASTA}
    finally:
        web.terminate()
        web.wait(timeout=15)
        log.close()

    assert respostas == dict.fromkeys(FORA_DA_PASTA, 404), (tmp_path / "web.log").read_text()[-3000:]
