"""Sentry: off without SENTRY_DSN; with it, errors reach the server (a fake one on 127.0.0.1) without any secret."""

import base64
import gzip
import json
import os
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import brotli
import pytest
import sentry_sdk

from brm.common.sentry import sentry_iniciar
from tests.common.test_registro import _shell

RAIZ = Path(__file__).resolve().parents[2]
SEGREDOS = {
    "senha_usuario": "Senha-Do-Usuario#2026",
    "senha_portal": "Portal!Vivo-77x",
    "jwt": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoiYWJjIn0.c2VudHJ5LXRlc3RlLWFzc2luYXR1cmE",
    "token_servico": "brm_ServicoTokenDeTeste0123456789abcdefghijk",
    "token_robo": "robo-token-secreto-4455",
    "sessao": "sessao-secreta-0a1b2c3d",
    "dsn_banco": "postgres://brm:banco-senha-991@db:5432/brm",
}


class ServidorSentry:
    """A Sentry ingest endpoint on 127.0.0.1 that keeps every envelope it receives, decompressed."""

    def __init__(self):
        self.envelopes: list[str] = []
        recebidos = self.envelopes

        class Atendente(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                corpo = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                codificacao = self.headers.get("Content-Encoding", "")
                if codificacao == "br":
                    corpo = brotli.decompress(corpo)
                elif codificacao == "gzip":
                    corpo = gzip.decompress(corpo)
                elif codificacao == "deflate":
                    corpo = zlib.decompress(corpo)
                recebidos.append(corpo.decode("utf-8", errors="replace"))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.servidor = ThreadingHTTPServer(("127.0.0.1", 0), Atendente)
        self.dsn = f"http://chavepublica@127.0.0.1:{self.servidor.server_address[1]}/1"
        threading.Thread(target=self.servidor.serve_forever, daemon=True).start()

    def eventos(self) -> list[dict]:
        """The error events (not sessions or client reports) of every envelope."""
        eventos = []
        for envelope in self.envelopes:
            linhas = envelope.splitlines()
            for cabecalho, conteudo in zip(linhas[1::2], linhas[2::2], strict=False):
                if json.loads(cabecalho).get("type") == "event":
                    eventos.append(json.loads(conteudo))
        return eventos

    def parar(self):
        self.servidor.shutdown()
        self.servidor.server_close()


@pytest.fixture
def servidor_sentry():
    servidor = ServidorSentry()
    yield servidor
    servidor.parar()


def formas(segredo: str) -> list[str]:
    """A secret as it could show up: as it is, URL-encoded, in base64."""
    bruto = segredo.encode()
    return [
        segredo,
        quote(segredo, safe=""),
        base64.b64encode(bruto).decode(),
        base64.urlsafe_b64encode(bruto).decode(),
    ]


def test_sem_dsn_nada_e_iniciado():
    assert sentry_iniciar(dsn="") is False
    assert not sentry_sdk.is_initialized()


def test_producao_inicia_o_sentry_so_com_sentry_dsn():
    codigo = "s.DEBUG; import sentry_sdk; print(sentry_sdk.is_initialized())"

    assert _shell(codigo).stdout.split() == ["False"]
    assert _shell(codigo, SENTRY_DSN="http://chave@127.0.0.1:9/1").stdout.split() == ["True"]


@pytest.mark.parametrize(
    ("ambiente", "frase"),
    [
        ({"SENTRY_DSN": "nao-e-um-dsn"}, "SENTRY_DSN não é um DSN do Sentry"),
        ({"SENTRY_DSN": "http://chave@127.0.0.1:9/1", "SENTRY_TRACES_SAMPLE_RATE": "2"}, "SENTRY_TRACES_SAMPLE_RATE"),
    ],
)
def test_sentry_mal_configurado_para_com_uma_frase(ambiente, frase):
    resultado = _shell("print(s.SENTRY_DSN)", **ambiente)

    assert resultado.returncode == 1
    (linha,) = resultado.stderr.strip().splitlines()
    assert linha.startswith("Configuração inválida: ") and frase in linha


def test_erros_chegam_ao_sentry_sem_nenhum_segredo(servidor_sentry, tmp_path):
    arquivo = tmp_path / "segredos.json"
    arquivo.write_text(json.dumps(SEGREDOS))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "brm.settings.test"}

    resultado = subprocess.run(
        [sys.executable, "-m", "tests.common.sentry_cliente", servidor_sentry.dsn, str(arquivo)],
        cwd=RAIZ,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert resultado.returncode == 0, resultado.stderr
    eventos = servidor_sentry.eventos()
    # Not vacuous: both reports arrived, with what a person needs to act on them.
    assert len(eventos) == 2, servidor_sentry.envelopes
    requisicao, registro = eventos
    assert requisicao["exception"]["values"][-1]["type"] == "RuntimeError"
    assert requisicao["request"]["url"] == "http://testserver/explode/" and requisicao["request"]["method"] == "POST"
    assert requisicao["environment"] == "teste" and requisicao["release"] == "brm@1.2.3"
    assert "chamando o robô" in json.dumps(requisicao["breadcrumbs"], ensure_ascii=False)
    assert registro["logentry"]["message"].startswith("Robô recusou o payload")
    # No personal data, no body, no frame locals.
    assert not requisicao["request"].get("data") and "cookies" not in requisicao["request"]
    assert requisicao["request"]["headers"]["authorization"] == "***"
    assert all("vars" not in quadro for quadro in requisicao["exception"]["values"][-1]["stacktrace"]["frames"])
    from django.conf import settings

    texto = "\n".join(servidor_sentry.envelopes)
    for nome, segredo in [*SEGREDOS.items(), ("SECRET_KEY", settings.SECRET_KEY)]:
        for forma in formas(segredo.split("@")[0].rsplit(":", 1)[-1] if nome == "dsn_banco" else segredo):
            assert forma not in texto, f"{nome} apareceu no que foi enviado ao Sentry"
