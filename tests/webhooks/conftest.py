"""A real HTTP server on 127.0.0.1 that receives webhook calls, answering each as the test tells it to."""

import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from brm.webhooks.services import entrega as servico_entrega
from brm.webhooks.services import webhook_criar

# The longest a receiver told to be slow holds a call: bounded, so a test never hangs on it.
DEMORA_MAXIMA = 3.0


@dataclass
class Recebida:
    caminho: str
    cabecalhos: dict[str, str]
    corpo: bytes


@dataclass
class Resposta:
    status: int = 200
    corpo: bytes = b"ok"
    demora: float = 0.0
    cabecalhos: tuple[tuple[str, str], ...] = ()


class Receptor:
    """The receiving system: records every call (path, headers, raw body) and answers with the next `Resposta`
    of `respostas`, or `padrao` when none is left."""

    def __init__(self):
        self.recebidas: list[Recebida] = []
        self.respostas: deque[Resposta] = deque()
        self.padrao = Resposta()
        self._trava = threading.Lock()
        receptor = self

        class Tratador(BaseHTTPRequestHandler):
            def do_POST(self):
                tamanho = int(self.headers.get("Content-Length") or 0)
                corpo = self.rfile.read(tamanho)
                with receptor._trava:
                    receptor.recebidas.append(Recebida(self.path, dict(self.headers.items()), corpo))
                    resposta = receptor.respostas.popleft() if receptor.respostas else receptor.padrao
                if resposta.demora:
                    time.sleep(min(resposta.demora, DEMORA_MAXIMA))
                try:
                    self.send_response(resposta.status)
                    for nome, valor in resposta.cabecalhos:
                        self.send_header(nome, valor)
                    self.send_header("Content-Length", str(len(resposta.corpo)))
                    self.end_headers()
                    self.wfile.write(resposta.corpo)
                except OSError:
                    # The caller gave up waiting (its time-out) and closed the connection.
                    pass

            def log_message(self, *args):
                pass

        self.servidor = ThreadingHTTPServer(("127.0.0.1", 0), Tratador)
        self.servidor.daemon_threads = True
        self._thread = threading.Thread(target=self.servidor.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, porta = self.servidor.server_address[:2]
        return f"http://{host}:{porta}/brm/eventos"

    def responder(self, *respostas: Resposta) -> None:
        self.respostas.extend(respostas)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.servidor.shutdown()
        self.servidor.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def receptor():
    with Receptor() as receptor:
        yield receptor


@pytest.fixture
def tempo_limite_curto(monkeypatch):
    """Calls give up after half a second of silence (the real limit is 10 s): a slow receiver is a short test."""
    monkeypatch.setattr(servico_entrega, "TEMPO_LIMITE", (1, 0.5))


@pytest.fixture
def criar_webhook(admin_user):
    """Registers a webhook as an admin would; returns (webhook, its secret)."""

    def criar(url: str, eventos: list[str], **kwargs):
        return webhook_criar(
            nome=kwargs.pop("nome", "ERP financeiro"), url=url, eventos=eventos, por=admin_user, **kwargs
        )

    return criar
