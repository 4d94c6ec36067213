"""A small Server-Sent Events client for tests: reads one stream in a thread, as a browser's EventSource would,
and keeps every event it gets. Bounded: it stops by itself at its deadline, when the server closes the stream,
or when `fechar()` is called."""

import contextlib
import http.client
import json
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from tests.conftest import esperar

# What the stream sends besides our events: the opening and the keep-alives.
DO_PROTOCOLO = {"stream-open", "keep-alive"}


@dataclass(frozen=True)
class EventoSSE:
    tipo: str
    id: str | None
    dados: str

    def json(self):
        return json.loads(self.dados)


class ClienteSSE:
    def __init__(
        self,
        url: str,
        *,
        sessao: str | None = None,
        token: str | None = None,
        ultimo_id: str | None = None,
        prazo: float = 60,
    ):
        partes = urlsplit(url)
        self.host, self.porta, self.caminho = partes.hostname, partes.port, partes.path
        self.cabecalhos = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if sessao:
            self.cabecalhos["Cookie"] = f"sessionid={sessao}"
        if token:
            # An API client: a JWT access token or a service key.
            self.cabecalhos["Authorization"] = f"Bearer {token}"
        if ultimo_id:
            self.cabecalhos["Last-Event-ID"] = ultimo_id
        self.limite = time.monotonic() + prazo
        self.status: int | None = None
        self.corpo_recusa = ""
        self.erro: BaseException | None = None
        self.terminou = threading.Event()
        self._eventos: list[EventoSSE] = []
        self._trava = threading.Lock()
        self._conexao: http.client.HTTPConnection | None = None
        self._fechando = False
        self._fio = threading.Thread(target=self._ler, daemon=True, name=f"sse {self.caminho}")
        self._fio.start()

    # What the test sees -------------------------------------------------------------------------------------------

    @property
    def todos(self) -> list[EventoSSE]:
        with self._trava:
            return list(self._eventos)

    @property
    def eventos(self) -> list[EventoSSE]:
        """Our events, without the stream's own (opening, keep-alives)."""
        return [evento for evento in self.todos if evento.tipo not in DO_PROTOCOLO]

    def do_tipo(self, tipo: str) -> list[EventoSSE]:
        return [evento for evento in self.todos if evento.tipo == tipo]

    @property
    def ultimo_id(self) -> str | None:
        ids = [evento.id for evento in self.eventos if evento.id]
        return ids[-1] if ids else None

    def aberto(self, prazo: float = 20) -> "ClienteSSE":
        """Waits for the stream to open (its `stream-open`), failing the test with what happened otherwise."""
        esperar(
            lambda: self.do_tipo("stream-open") or self.terminou.is_set(),
            prazo=prazo,
            descricao=f"o fluxo {self.caminho} abrir",
        )
        assert self.status == 200 and self.do_tipo("stream-open"), self.situacao()
        return self

    def esperar(self, condicao, *, prazo: float = 20, descricao: str):
        """Waits until `condicao(self.eventos)` is true; fails saying what arrived instead."""
        return esperar(
            lambda: condicao(self.eventos), prazo=prazo, descricao=descricao, detalhe=self.situacao, intervalo=0.02
        )

    def situacao(self) -> str:
        eventos = self.eventos
        resumo = "\n".join(f"  {e.tipo} id={e.id} {e.dados[:150]}" for e in eventos[-15:])
        return (
            f"fluxo {self.caminho}: status {self.status}, terminou={self.terminou.is_set()}, erro={self.erro!r}, "
            f"{len(eventos)} eventos; os últimos:\n{resumo}"
        )

    def fechar(self) -> None:
        self._fechando = True
        conexao = self._conexao
        if conexao is not None and conexao.sock is not None:
            with contextlib.suppress(OSError):
                conexao.sock.shutdown(socket.SHUT_RDWR)
        self._fio.join(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.fechar()

    # The reading thread -------------------------------------------------------------------------------------------

    def _ler(self) -> None:
        try:
            self._conexao = http.client.HTTPConnection(
                self.host, self.porta, timeout=max(self.limite - time.monotonic(), 0.1)
            )
            self._conexao.request("GET", self.caminho, headers=self.cabecalhos)
            resposta = self._conexao.getresponse()
            self.status = resposta.status
            if resposta.status != 200:
                self.corpo_recusa = resposta.read().decode(errors="replace")
                return
            self._interpretar(resposta)
        except (OSError, http.client.HTTPException) as exc:
            if not self._fechando:
                self.erro = exc
        finally:
            if self._conexao is not None:
                self._conexao.close()
            self.terminou.set()

    def _interpretar(self, resposta: http.client.HTTPResponse) -> None:
        leitor = LeitorSSE()
        while time.monotonic() < self.limite and not self._fechando:
            linha = resposta.readline()
            if not linha:
                return
            evento = leitor.linha(linha.decode())
            if evento is not None:
                with self._trava:
                    self._eventos.append(evento)


class LeitorSSE:
    """The SSE format, line by line: "field: value" lines, a blank line ends an event, ":" starts a comment."""

    def __init__(self):
        self.tipo, self.id, self.dados = "", None, []

    def linha(self, linha: str) -> EventoSSE | None:
        linha = linha.rstrip("\r\n")
        if not linha:
            evento = None
            if self.dados or self.tipo:
                evento = EventoSSE(self.tipo or "message", self.id, "\n".join(self.dados))
            self.tipo, self.id, self.dados = "", None, []
            return evento
        if not linha.startswith(":"):
            campo, _, valor = linha.partition(":")
            valor = valor.removeprefix(" ")
            if campo == "event":
                self.tipo = valor
            elif campo == "data":
                self.dados.append(valor)
            elif campo == "id":
                self.id = valor
        return None


def eventos_do_texto(texto: str) -> list[EventoSSE]:
    leitor = LeitorSSE()
    return [evento for linha in texto.splitlines() if (evento := leitor.linha(linha)) is not None]


def sessao_de(usuario) -> str:
    """The session cookie of `usuario` signed in, stored in the test database the web processes read."""
    from django.test import Client

    cliente = Client()
    cliente.force_login(usuario)
    return cliente.cookies["sessionid"].value
