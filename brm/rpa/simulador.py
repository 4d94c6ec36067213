"""A simulator of the robot (RPA) API: a real HTTP server that implements the contract in rpa-api.md.

It runs on the standard library alone (`http.server`), in a thread of the process that starts it, so tests,
`make run` and `manage.py rpa_simulador` talk HTTP to it exactly as they would to the real robots.

Endpoints of the contract (all need `Authorization: Bearer <token>`):

- `POST /executar/{robo}`: starts a job. 202 `{"job_id", "status": "queued"}`; 409 with the existing job for a
  repeated `referencia`; 401, 404 (unknown robot), 422 (unusable payload, or for the SAT robot a `fatura`
  whose content is not a PDF or does not match its `sha256`).
- `GET /jobs/{job_id}`: the job's status, timestamps, `erro` and `resultado`.
- `GET /jobs/{job_id}/logs?desde=N`: the log lines with `seq >= N` and `proximo`.
- `GET /jobs/{job_id}/arquivos/{nome}`: the invoice PDF of a completed download.

The contract has no way to cancel a job, and by default neither has the simulator (404, as a real robot
answers). Only with `permitir_cancelar` on, as a robot that offers it beyond the contract would, it answers
`POST /jobs/{job_id}/cancelar`: 200 `{"job_id", "status": "cancelled"}` for a queued or running job
(cancelled is final); 409 `{"job_id", "status", "detail"}` when the job had already ended.

Control endpoints for tests and demos (no token):

- `GET /_simulador/config`, `POST /_simulador/config` (JSON object of the keys of `Configuracao`): read or
  change the configuration and the fault modes; 400 for an unknown key or a bad value.
- `GET /_simulador/estatisticas`: what `Simulador.estatisticas()` returns.
- `POST /_simulador/resetar`: forgets jobs and statistics and goes back to the configuration it started with.
- `POST /_simulador/perder-jobs`: the robot "restarts" and forgets every job (`perder_todos_os_jobs()`).
- `GET /_simulador/saude`: `{"ok": true}`, to wait until it answers.

A job needs no thread of its own: its life is a function of the clock. Created at t0, it is `queued` until
t0 + `atraso_inicio`, `running` until t0 + `duracao`, then `completed` or `failed`, as decided when it was
created. One log line appears every `intervalo_log` seconds while it runs, and the closing lines when it
ends. Each job keeps the timing that was configured when it was created.

Fault modes (see `Configuracao`): the `*_proximas` counters apply to the next N requests to the API
(not to `/_simulador/*`), in this order: `token_rejeitado`, `travar_proximas`, `erro_500_proximas`,
`erro_503_proximas`, `erro_429_proximas`, `corpo_invalido_proximas`, `json_incompleto_proximas`. A request that
hangs is processed first (a POST does create its job) and its answer is held back for `tempo_travamento`
seconds, the way a robot that is slow to answer leaves the client unsure whether the job started.
`taxa_falha` is deterministic: a hash of the `referencia` decides, so the same execution always fails the
same way and a re-run under a new `referencia` may succeed.

Fault rates, for chaos runs, are deterministic too: `taxa_travamento` holds back the answer of that share of
`POST /executar` (by `referencia` and attempt, so a later attempt may be answered; the job is created all
the same); `taxa_perda` makes that share of jobs vanish once they start (`GET` answers 404, and a new POST with
the same `referencia` answers 409 with the lost job, as a robot that restarted without its memory would);
`taxa_status_invalido` answers that share of `GET /jobs/{job_id}` with a body that is not JSON.
`logs_com_controle` writes ANSI colours and control characters into the log lines.
"""

import base64
import binascii
import contextlib
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import logging
import math
import re
import socket
import socketserver
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

logger = logging.getLogger("brm.rpa.simulador")

ROBO_SAT_PADRAO = "sat"
TAMANHO_MAXIMO_CORPO = 50 * 1024 * 1024
# Outcomes decided when a job is created; "cancelled" only ever comes from a cancel request.
COMPLETED, FAILED = "completed", "failed"


# Configuration ---------------------------------------------------------------------------------------


@dataclasses.dataclass
class Configuracao:
    """Everything that can change at runtime: the robot's timing, who it accepts, and the fault modes."""

    token: str = "simulador-token"
    duracao: float = 3.0
    intervalo_log: float = 0.5
    atraso_inicio: float = 0.2
    # None accepts any robot name except those in `robos_inexistentes`; the SAT robot is always accepted.
    robos: frozenset[str] | None = None
    robos_inexistentes: frozenset[str] = frozenset()
    robo_sat: str = ROBO_SAT_PADRAO
    # How jobs end.
    taxa_falha: float = 0.0
    falha_login: bool = False
    logins_invalidos: frozenset[str] = frozenset()
    sha256_errado: bool = False
    nunca_finalizar: bool = False
    # How requests are answered.
    token_rejeitado: bool = False
    erro_500_proximas: int = 0
    erro_503_proximas: int = 0
    erro_429_proximas: int = 0
    retry_after: int | None = None
    travar_proximas: int = 0
    tempo_travamento: float = 30.0
    corpo_invalido_proximas: int = 0
    json_incompleto_proximas: int = 0
    perder_jobs: bool = False
    perder_jobs_proximos: int = 0
    logs_como_texto: bool = False
    logs_repetidos: bool = False
    logs_com_controle: bool = False
    taxa_travamento: float = 0.0
    taxa_perda: float = 0.0
    taxa_status_invalido: float = 0.0
    # Beyond the contract: a robot that offers cancelling a job.
    permitir_cancelar: bool = False

    def como_json(self) -> dict[str, Any]:
        dados = dataclasses.asdict(self)
        return {chave: sorted(valor) if isinstance(valor, frozenset) else valor for chave, valor in dados.items()}


def _real(minimo: float, *, maximo: float | None = None, minimo_exclusivo: bool = False) -> Callable[[Any], float]:
    def converter(valor: Any) -> float:
        if isinstance(valor, bool) or not isinstance(valor, int | float) or math.isnan(valor):
            raise ValueError("deve ser um número")
        if valor < minimo or (minimo_exclusivo and valor == minimo) or (maximo is not None and valor > maximo):
            faixa = f"maior que {minimo}" if minimo_exclusivo else f"pelo menos {minimo}"
            raise ValueError(faixa + (f" e no máximo {maximo}" if maximo is not None else ""))
        return float(valor)

    return converter


def _contador(valor: Any) -> int:
    if isinstance(valor, bool) or not isinstance(valor, int) or valor < 0:
        raise ValueError("deve ser um inteiro maior ou igual a zero")
    return valor


def _booleano(valor: Any) -> bool:
    if not isinstance(valor, bool):
        raise ValueError("deve ser true ou false")
    return valor


def _texto(valor: Any) -> str:
    if not isinstance(valor, str) or not valor:
        raise ValueError("deve ser um texto não vazio")
    return valor


def _nomes(valor: Any) -> frozenset[str]:
    if isinstance(valor, str) or not isinstance(valor, Iterable):
        raise ValueError("deve ser uma lista de textos")
    nomes = list(valor)
    if not all(isinstance(nome, str) for nome in nomes):
        raise ValueError("deve ser uma lista de textos")
    return frozenset(nomes)


def _opcional(converter: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda valor: None if valor is None else converter(valor)


_CONVERSORES: dict[str, Callable[[Any], Any]] = {
    "token": _texto,
    "duracao": _real(0),
    "intervalo_log": _real(0, minimo_exclusivo=True),
    "atraso_inicio": _real(0),
    "robos": _opcional(_nomes),
    "robos_inexistentes": _nomes,
    "robo_sat": _texto,
    "taxa_falha": _real(0, maximo=1),
    "falha_login": _booleano,
    "logins_invalidos": _nomes,
    "sha256_errado": _booleano,
    "nunca_finalizar": _booleano,
    "token_rejeitado": _booleano,
    "erro_500_proximas": _contador,
    "erro_503_proximas": _contador,
    "erro_429_proximas": _contador,
    "retry_after": _opcional(_contador),
    "travar_proximas": _contador,
    "tempo_travamento": _real(0),
    "corpo_invalido_proximas": _contador,
    "json_incompleto_proximas": _contador,
    "perder_jobs": _booleano,
    "perder_jobs_proximos": _contador,
    "logs_como_texto": _booleano,
    "logs_repetidos": _booleano,
    "logs_com_controle": _booleano,
    "taxa_travamento": _real(0, maximo=1),
    "taxa_perda": _real(0, maximo=1),
    "taxa_status_invalido": _real(0, maximo=1),
    "permitir_cancelar": _booleano,
}
assert set(_CONVERSORES) == {campo.name for campo in dataclasses.fields(Configuracao)}


def _validar(mudancas: dict[str, Any]) -> dict[str, Any]:
    desconhecidas = sorted(set(mudancas) - set(_CONVERSORES))
    if desconhecidas:
        raise ValueError(f"Chave desconhecida na configuração do simulador: {', '.join(desconhecidas)}.")
    validas = {}
    for chave, valor in mudancas.items():
        try:
            validas[chave] = _CONVERSORES[chave](valor)
        except ValueError as exc:
            raise ValueError(f"Valor inválido para {chave}: {exc}.") from exc
    return validas


# Jobs -------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Job:
    job_id: str
    robo: str
    referencia: str
    criado_em: dt.datetime
    t0: float
    inicio: float
    fim: float
    intervalo_log: float
    desfecho: str
    erro: dict[str, str] | None
    passos: list[str]
    espera: str
    encerramento: list[tuple[str, str]]
    resultado: dict[str, Any] | None
    arquivos: dict[str, bytes]
    interrompido_em: float | None = None
    cancelado: bool = False
    # Vanishes once it starts (`taxa_perda`): the robot forgets it, it stops running.
    perde_se: bool = False

    def perdido(self, agora: float) -> bool:
        return self.perde_se and agora >= self.inicio

    @property
    def fim_efetivo(self) -> float:
        """When the job stopped running: its planned end, or the moment it was cancelled or forgotten."""
        if self.perde_se:
            return self.inicio
        if self.interrompido_em is not None and self.interrompido_em < self.fim:
            return self.interrompido_em
        return self.fim

    def status(self, agora: float) -> str:
        if self.cancelado:
            return "cancelled"
        if agora < self.inicio:
            return "queued"
        if agora < self.fim:
            return "running"
        return self.desfecho

    def quando(self, instante: float) -> str:
        """The wall-clock time of a monotonic instant of this job, as the API writes it."""
        return _iso(self.criado_em + dt.timedelta(seconds=instante - self.t0))

    def logs(self, agora: float) -> list[dict[str, Any]]:
        corte = self.fim_efetivo
        linhas: list[tuple[float, str, str]] = []
        if agora >= self.inicio:
            ate_agora = math.floor((agora - self.inicio) / self.intervalo_log) + 1
            ate_corte = math.ceil((corte - self.inicio) / self.intervalo_log) if math.isfinite(corte) else ate_agora
            for indice in range(max(0, min(ate_agora, ate_corte))):
                mensagem = self.passos[indice] if indice < len(self.passos) else self.espera
                linhas.append((self.inicio + indice * self.intervalo_log, "INFO", mensagem))
        if self.cancelado and agora >= corte:
            linhas.append((corte, "WARNING", "Execução cancelada a pedido"))
        elif not self.cancelado and agora >= self.fim:
            linhas.extend((self.fim, nivel, mensagem) for nivel, mensagem in self.encerramento)
        return [
            {"seq": seq, "quando": self.quando(instante), "nivel": nivel, "mensagem": mensagem}
            for seq, (instante, nivel, mensagem) in enumerate(linhas, start=1)
        ]

    def como_json(self, agora: float) -> dict[str, Any]:
        status = self.status(agora)
        final = status in (COMPLETED, FAILED, "cancelled")
        iniciou = agora >= self.inicio and (not self.cancelado or self.fim_efetivo > self.inicio)
        return {
            "job_id": self.job_id,
            "referencia": self.referencia,
            "status": status,
            "criado_em": _iso(self.criado_em),
            "iniciado_em": self.quando(self.inicio) if iniciou else None,
            "finalizado_em": self.quando(self.fim_efetivo) if final else None,
            "erro": self.erro if status == FAILED else None,
            "resultado": self.resultado if status == COMPLETED else None,
        }


def _iso(momento: dt.datetime) -> str:
    return momento.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{momento.microsecond // 1000:03d}Z"


def _fracao(*partes: str) -> float:
    """A number in [0, 1) that depends only on its inputs: faults and amounts repeat for the same referencia."""
    resumo = hashlib.sha256("\x1f".join(partes).encode()).digest()
    return int.from_bytes(resumo[:8], "big") / 2**64


def _valor_total(referencia: str) -> Decimal:
    centavos = 8_000 + int(_fracao("valor", referencia) * (2_500_000 - 8_000 + 1))
    return Decimal(centavos) / 100


def _reais(valor: Decimal) -> str:
    return "R$ " + f"{valor:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


def _competencia(valor: Any) -> tuple[int, int] | None:
    # The contract says "AAAA-MM"; a full date of the first day is read the same way.
    if not isinstance(valor, str):
        return None
    achado = re.fullmatch(r"(\d{4})-(\d{2})(?:-\d{2})?", valor.strip())
    if not achado or not 1 <= int(achado[2]) <= 12:
        return None
    return int(achado[1]), int(achado[2])


# The invoice PDF ----------------------------------------------------------------------------------------


def _texto_pdf(texto: str) -> bytes:
    # Helvetica with WinAnsiEncoding is cp1252, which covers Portuguese accents.
    bruto = " ".join(texto.split()).encode("cp1252", errors="replace")
    return bruto.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def fatura_pdf(titulo: str, linhas: list[str]) -> bytes:
    """A one-page PDF 1.4 with a title and lines of text, with the cross-reference table readers need."""
    conteudo = [b"BT", b"/F1 18 Tf", b"56 780 Td", b"(" + _texto_pdf(titulo) + b") Tj", b"/F1 11 Tf"]
    for indice, linha in enumerate(linhas):
        conteudo += [b"0 -30 Td" if indice == 0 else b"0 -16 Td", b"(" + _texto_pdf(linha) + b") Tj"]
    conteudo.append(b"ET")
    fluxo = b"\n".join(conteudo)
    objetos = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(fluxo)).encode() + b" >>\nstream\n" + fluxo + b"\nendstream",
        b"<< /Title (" + _texto_pdf(titulo) + b") /Producer (Simulador da API de robos BRM) >>",
    ]
    # The binary comment line tells transfer tools the file is not text.
    saida = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    posicoes = []
    for numero, objeto in enumerate(objetos, start=1):
        posicoes.append(len(saida))
        saida += str(numero).encode() + b" 0 obj\n" + objeto + b"\nendobj\n"
    inicio_xref = len(saida)
    saida += b"xref\n0 " + str(len(objetos) + 1).encode() + b"\n0000000000 65535 f \n"
    # Every entry is exactly 20 bytes, end of line included: readers seek into the table by arithmetic.
    saida += b"".join(f"{posicao:010d} 00000 n \n".encode() for posicao in posicoes)
    saida += b"trailer\n<< /Size " + str(len(objetos) + 1).encode() + b" /Root 1 0 R /Info 6 0 R >>\n"
    saida += b"startxref\n" + str(inicio_xref).encode() + b"\n%%EOF\n"
    return bytes(saida)


# The server ------------------------------------------------------------------------------------------


class _Resposta(NamedTuple):
    status: int
    corpo: bytes
    tipo: str = "application/json"
    cabecalhos: dict[str, str] = {}
    atraso: float = 0.0


def _json(status: int, dados: Any, cabecalhos: dict[str, str] | None = None) -> _Resposta:
    return _Resposta(status, json.dumps(dados, ensure_ascii=False).encode(), cabecalhos=cabecalhos or {})


def _detalhe(status: int, mensagem: str, cabecalhos: dict[str, str] | None = None) -> _Resposta:
    return _json(status, {"detail": mensagem}, cabecalhos)


class ErroDePayload(ValueError):
    """A request the robot cannot use: it becomes a 422 with the message as detail."""


class Simulador:
    """The robot API, simulated. Start it with `iniciar()` or as a context manager; `url` says where it is."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        porta: int = 0,
        token: str = "simulador-token",
        duracao: float = 3.0,
        intervalo_log: float = 0.5,
        atraso_inicio: float = 0.2,
        robos: Iterable[str] | None = None,
        robos_inexistentes: Iterable[str] = (),
        robo_sat: str = ROBO_SAT_PADRAO,
        **falhas: Any,
    ):
        self.host = host
        self.porta = porta
        iniciais = {
            "token": token,
            "duracao": duracao,
            "intervalo_log": intervalo_log,
            "atraso_inicio": atraso_inicio,
            "robos": robos,
            "robos_inexistentes": robos_inexistentes,
            "robo_sat": robo_sat,
            **falhas,
        }
        self._inicial = Configuracao(**_validar(iniciais))
        self._config = dataclasses.replace(self._inicial)
        self._lock = threading.Lock()
        self._parado = threading.Event()
        self._servidor: _Servidor | None = None
        self._thread: threading.Thread | None = None
        self._conexoes: set[socket.socket] = set()
        self._limpar_estado()

    def _limpar_estado(self) -> None:
        self._jobs: dict[str, _Job] = {}
        self._por_referencia: dict[str, str] = {}
        self._historico: list[_Job] = []
        self._posts = 0
        self._requisicoes = 0
        self._posts_por_referencia: Counter[str] = Counter()
        self._protocolos = 0
        self._leituras = 0
        # When each job's status was read (monotonic clock), to measure how regularly a client follows them.
        self._leituras_por_job: dict[str, list[float]] = {}

    # Life cycle -------------------------------------------------------------------------------------

    def iniciar(self) -> "Simulador":
        if self._servidor is not None:
            return self
        self._parado.clear()
        self._servidor = _Servidor((self.host, self.porta), _Atendente, self)
        # Keep the port: stopping and starting again looks like the same robot restarting.
        self.porta = self._servidor.server_address[1]
        self._thread = threading.Thread(
            target=self._servidor.serve_forever, kwargs={"poll_interval": 0.1}, name="rpa-simulador", daemon=True
        )
        self._thread.start()
        logger.info("Simulador da API de robôs ouvindo em %s", self.url)
        return self

    def parar(self) -> None:
        servidor, self._servidor = self._servidor, None
        if servidor is None:
            return
        # Wakes the handlers held back by `travar_proximas`, so stopping never waits for them.
        self._parado.set()
        # A listening socket shut down is always readable: the serving loop wakes at once and sees the request
        # to stop, instead of at the end of its poll interval.
        with contextlib.suppress(OSError):
            servidor.socket.shutdown(socket.SHUT_RDWR)
        servidor.shutdown()
        servidor.server_close()
        with self._lock:
            conexoes = list(self._conexoes)
        for conexao in conexoes:
            with contextlib.suppress(OSError):
                conexao.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        logger.info("Simulador da API de robôs parado (%s:%s)", self.host, self.porta)

    def __enter__(self) -> "Simulador":
        return self.iniciar()

    def __exit__(self, *excecao: object) -> None:
        self.parar()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.porta}"

    @property
    def token(self) -> str:
        with self._lock:
            return self._config.token

    # Control ----------------------------------------------------------------------------------------

    def configurar(self, **mudancas: Any) -> dict[str, Any]:
        """Changes the configuration and fault modes (keys of `Configuracao`); returns the whole of it."""
        validas = _validar(mudancas)
        with self._lock:
            self._config = dataclasses.replace(self._config, **validas)
            atual = self._config.como_json()
        if validas:
            logger.info("Simulador reconfigurado: %s", ", ".join(sorted(validas)))
        return atual

    def configuracao(self) -> dict[str, Any]:
        with self._lock:
            return self._config.como_json()

    def resetar(self) -> None:
        """Forgets jobs and statistics and goes back to the configuration it was created with."""
        with self._lock:
            self._limpar_estado()
            self._config = dataclasses.replace(self._inicial)
        logger.info("Simulador resetado")

    def perder_todos_os_jobs(self) -> None:
        """As if the robot restarted: every job is forgotten and stops running; statistics keep them."""
        agora = time.monotonic()
        with self._lock:
            for job in self._jobs.values():
                if job.interrompido_em is None:
                    job.interrompido_em = agora
            self._jobs.clear()
            self._por_referencia.clear()
        logger.info("Simulador esqueceu todos os jobs")

    def leituras_de_situacao(self) -> dict[str, list[float]]:
        """For each job, the moments (`time.monotonic()`) its status was read with `GET /jobs/{job_id}`."""
        with self._lock:
            return {job_id: list(momentos) for job_id, momentos in self._leituras_por_job.items()}

    def estatisticas(self) -> dict[str, Any]:
        """What the robot saw: POSTs and jobs per referencia, and the peak of jobs running at once."""
        agora = time.monotonic()
        with self._lock:
            historico = list(self._historico)
            posts, requisicoes = self._posts, self._requisicoes
            posts_por_referencia = dict(self._posts_por_referencia)
        intervalos = [(job.robo, job.inicio, min(job.fim_efetivo, agora)) for job in historico]
        por_robo: dict[str, list[tuple[float, float]]] = {}
        for robo, inicio, fim in intervalos:
            por_robo.setdefault(robo, []).append((inicio, fim))
        return {
            "posts": posts,
            "requisicoes": requisicoes,
            "posts_por_referencia": posts_por_referencia,
            "jobs_por_referencia": dict(Counter(job.referencia for job in historico)),
            "jobs": len(historico),
            "max_simultaneos": _pico([(inicio, fim) for _, inicio, fim in intervalos]),
            "max_simultaneos_por_robo": {robo: _pico(lista) for robo, lista in sorted(por_robo.items())},
        }

    # The API ----------------------------------------------------------------------------------------

    def _atender_api(self, metodo: str, caminho: str, consulta: str, corpo: bytes, autorizacao: str) -> _Resposta:
        execucao = re.fullmatch(r"/executar/([^/]+)", caminho)
        with self._lock:
            self._requisicoes += 1
            travar = False
            if metodo == "POST" and execucao:
                self._posts += 1
                referencia = _referencia_de(corpo)
                if referencia:
                    self._posts_por_referencia[referencia] += 1
                    tentativa = self._posts_por_referencia[referencia]
                    travar = _fracao("travar", f"{referencia}:{tentativa}") < self._config.taxa_travamento
            injetada, atraso = self._falha_da_vez()
            if travar:
                atraso = max(atraso, self._config.tempo_travamento)
            token = self._config.token
        if injetada is None:
            injetada = self._autenticar(autorizacao, token)
        resposta = injetada or self._rotear(metodo, caminho, consulta, corpo, execucao)
        return resposta._replace(atraso=atraso) if atraso else resposta

    def _falha_da_vez(self) -> tuple[_Resposta | None, float]:
        """Consumes the fault counters for one request; called with the lock held."""
        config = self._config
        atraso = 0.0
        if config.travar_proximas:
            config.travar_proximas -= 1
            atraso = config.tempo_travamento
        espera = {"Retry-After": str(config.retry_after)} if config.retry_after is not None else {}
        if config.token_rejeitado:
            resposta = _detalhe(401, "Token inválido ou expirado.", {"WWW-Authenticate": "Bearer"})
        elif config.erro_500_proximas:
            config.erro_500_proximas -= 1
            resposta = _detalhe(500, "Erro interno do servidor de robôs.")
        elif config.erro_503_proximas:
            config.erro_503_proximas -= 1
            resposta = _detalhe(503, "Servidor de robôs indisponível no momento.", espera)
        elif config.erro_429_proximas:
            config.erro_429_proximas -= 1
            resposta = _detalhe(429, "Muitas requisições: tente mais tarde.", espera)
        elif config.corpo_invalido_proximas:
            config.corpo_invalido_proximas -= 1
            resposta = _Resposta(200, b"<html>erro</html>", "text/html; charset=utf-8")
        elif config.json_incompleto_proximas:
            config.json_incompleto_proximas -= 1
            resposta = _json(200, {"mensagem": "ok"})
        else:
            resposta = None
        return resposta, atraso

    @staticmethod
    def _autenticar(autorizacao: str, token: str) -> _Resposta | None:
        esquema, _, valor = autorizacao.strip().partition(" ")
        if esquema.lower() != "bearer" or not valor.strip():
            return _detalhe(401, "Token ausente: envie Authorization: Bearer <token>.", {"WWW-Authenticate": "Bearer"})
        if not hmac.compare_digest(valor.strip().encode(), token.encode()):
            return _detalhe(401, "Token inválido ou expirado.", {"WWW-Authenticate": "Bearer"})
        return None

    def _rotear(self, metodo: str, caminho: str, consulta: str, corpo: bytes, execucao: re.Match | None) -> _Resposta:
        if execucao:
            if metodo != "POST":
                return _detalhe(405, "Método não permitido.")
            return self._executar(unquote(execucao[1]), corpo)
        achado = re.fullmatch(r"/jobs/([^/]+)(?:/(logs|cancelar|arquivos/([^/]+)))?", caminho)
        if not achado:
            return _detalhe(404, "Não encontrado.")
        job_id, acao, nome = unquote(achado[1]), achado[2] or "", unquote(achado[3] or "")
        if acao == "cancelar" and not self._config.permitir_cancelar:
            return _detalhe(404, "Não encontrado.")
        esperado = "POST" if acao == "cancelar" else "GET"
        if metodo != esperado:
            return _detalhe(405, "Método não permitido.")
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None and self._config.perder_jobs:
                job = None
            elif job is not None and self._config.perder_jobs_proximos:
                self._config.perder_jobs_proximos -= 1
                job = None
            agora = time.monotonic()
            if job is not None and job.perdido(agora):
                job = None
            if job is None:
                return _detalhe(404, f"Job {job_id} não encontrado.")
            if acao == "cancelar":
                return self._cancelar(job)
            if not acao:
                self._leituras += 1
                self._leituras_por_job.setdefault(job_id, []).append(agora)
                if _fracao("status", f"{job_id}:{self._leituras}") < self._config.taxa_status_invalido:
                    return _Resposta(200, b"<html>Bad Gateway</html>", "text/html; charset=utf-8")
            if acao == "logs":
                return self._logs(job, consulta, agora)
            if acao:
                return self._arquivo(job, nome, agora)
            return _json(200, job.como_json(agora))

    def _executar(self, robo: str, corpo: bytes) -> _Resposta:
        with self._lock:
            config = dataclasses.replace(self._config)
        if robo in config.robos_inexistentes or (
            config.robos is not None and robo not in config.robos and robo != config.robo_sat
        ):
            return _detalhe(404, f"Robô {robo} não existe.")
        try:
            dados = _payload(corpo, sat=robo == config.robo_sat)
        except ErroDePayload as exc:
            return _detalhe(422, str(exc))
        with self._lock:
            existente = self._jobs.get(self._por_referencia.get(dados["referencia"], ""))
            if existente is not None:
                return _json(409, {"job_id": existente.job_id, "status": existente.status(time.monotonic())})
            job = self._criar_job(robo, dados, self._config)
            self._jobs[job.job_id] = job
            self._por_referencia[job.referencia] = job.job_id
            self._historico.append(job)
        logger.info(
            "Job %s do robô %s criado (referência %s, termina %s)", job.job_id, robo, job.referencia, job.desfecho
        )
        return _json(202, {"job_id": job.job_id, "status": "queued"})

    def _criar_job(self, robo: str, dados: dict[str, Any], config: Configuracao) -> _Job:
        """Decides, once and for all, how the job will go; called with the lock held."""
        t0 = time.monotonic()
        referencia, cliente, (ano, mes) = dados["referencia"], dados["cliente"], dados["competencia"]
        login = str(cliente.get("login") or "")
        sat = robo == config.robo_sat
        onde = "no SAT" if sat else f"no portal da {robo}"
        competencia = f"{ano:04d}-{mes:02d}"
        erro = None
        if config.falha_login or (login and login in config.logins_invalidos):
            erro = {"codigo": "LOGIN_INVALIDO", "mensagem": f"Login recusado {onde}: usuário ou senha inválidos."}
        elif _fracao("falha", referencia) < config.taxa_falha:
            if sat or _fracao("codigo", referencia) < 0.5:
                erro = {"codigo": "PORTAL_FORA_DO_AR", "mensagem": f"Sem resposta {onde}: fora do ar no momento."}
            else:
                erro = {
                    "codigo": "FATURA_INDISPONIVEL",
                    "mensagem": f"A fatura de {mes:02d}/{ano} ainda não está disponível no portal da {robo}.",
                }
        job_id = uuid.uuid4().hex
        if sat:
            passos = [
                "Abrindo SAT",
                "Fazendo login no SAT",
                f"Localizando cliente {cliente.get('codigo_sat') or cliente.get('cnpj') or ''}".rstrip(),
                "Enviando fatura ao SAT",
            ]
        else:
            passos = [
                f"Abrindo portal da {robo}",
                f"Fazendo login como {login or '(sem login)'}",
                f"Localizando fatura de {competencia}",
                "Baixando PDF",
                "Conferindo valor e vencimento",
            ]
        resultado, arquivos = None, {}
        if erro is not None:
            # A job that fails stops logging at the step where it failed.
            corte = {"LOGIN_INVALIDO": 2, "PORTAL_FORA_DO_AR": 1, "FATURA_INDISPONIVEL": 3}[erro["codigo"]]
            passos = passos[:corte]
            encerramento = [("ERROR", erro["mensagem"])]
        elif sat:
            self._protocolos += 1
            protocolo = f"SAT-{dt.datetime.now(dt.UTC).year}-{self._protocolos:06d}"
            resultado = {"protocolo": protocolo}
            encerramento = [("INFO", f"Protocolo recebido: {protocolo}"), ("INFO", "Execução concluída")]
        else:
            resultado, arquivos = _fatura(job_id, robo, referencia, cliente, ano, mes, config.sha256_errado)
            numero, arquivo = resultado["numero_fatura"], resultado["arquivos"][0]
            encerramento = [
                ("INFO", f"Fatura {numero} baixada: {arquivo['nome']} ({arquivo['tamanho']} bytes)"),
                ("INFO", "Execução concluída"),
            ]
        fim = math.inf if config.nunca_finalizar else t0 + config.duracao
        if config.logs_com_controle:
            # What some robots print: colours for a terminal, a bell, a carriage return.
            passos = [f"\x1b[36m{passo}\x1b[0m" for passo in passos]
            passos[0] = f"\x07{passos[0]}\r"
        return _Job(
            job_id=job_id,
            robo=robo,
            referencia=referencia,
            criado_em=dt.datetime.now(dt.UTC),
            t0=t0,
            inicio=t0 + min(config.atraso_inicio, config.duracao),
            fim=fim,
            intervalo_log=config.intervalo_log,
            desfecho=FAILED if erro else COMPLETED,
            erro=erro,
            passos=passos,
            espera="Aguardando resposta do SAT" if sat else "Aguardando resposta do portal",
            encerramento=encerramento,
            resultado=resultado,
            arquivos=arquivos,
            perde_se=_fracao("perda", referencia) < config.taxa_perda,
        )

    def _logs(self, job: _Job, consulta: str, agora: float) -> _Resposta:
        try:
            desde = max(1, int(parse_qs(consulta).get("desde", ["1"])[0]))
        except ValueError:
            return _detalhe(422, "O parâmetro desde deve ser um número inteiro.")
        linhas = job.logs(agora)
        if self._config.logs_como_texto:
            # Strings carry no seq: the client numbers them by position starting at `desde`.
            return _json(200, {"job_id": job.job_id, "logs": [linha["mensagem"] for linha in linhas[desde - 1 :]]})
        primeira = desde - 1 if self._config.logs_repetidos and desde > 1 else desde
        return _json(
            200,
            {
                "job_id": job.job_id,
                "logs": [linha for linha in linhas if linha["seq"] >= primeira],
                "proximo": len(linhas) + 1,
            },
        )

    @staticmethod
    def _arquivo(job: _Job, nome: str, agora: float) -> _Resposta:
        conteudo = job.arquivos.get(nome)
        if conteudo is None or job.status(agora) != COMPLETED:
            return _detalhe(404, f"Arquivo {nome} não encontrado no job {job.job_id}.")
        return _Resposta(200, conteudo, "application/pdf", {"Content-Disposition": f'attachment; filename="{nome}"'})

    @staticmethod
    def _cancelar(job: _Job) -> _Resposta:
        agora = time.monotonic()
        status = job.status(agora)
        if status not in ("queued", "running"):
            return _json(409, {"job_id": job.job_id, "status": status, "detail": f"O job já terminou ({status})."})
        job.cancelado = True
        job.interrompido_em = agora
        logger.info("Job %s cancelado", job.job_id)
        return _json(200, {"job_id": job.job_id, "status": "cancelled"})

    # Control over HTTP ------------------------------------------------------------------------------

    def _atender_controle(self, metodo: str, caminho: str, corpo: bytes) -> _Resposta:
        acao = caminho.removeprefix("/_simulador/")
        if (metodo, acao) == ("GET", "saude"):
            return _json(200, {"ok": True})
        if (metodo, acao) == ("GET", "config"):
            return _json(200, self.configuracao())
        if (metodo, acao) == ("POST", "config"):
            try:
                mudancas = json.loads(corpo or b"{}")
                if not isinstance(mudancas, dict):
                    raise ValueError("A configuração deve ser um objeto JSON.")
                return _json(200, self.configurar(**mudancas))
            except ValueError as exc:
                return _detalhe(400, str(exc))
        if (metodo, acao) == ("GET", "estatisticas"):
            return _json(200, self.estatisticas())
        if (metodo, acao) == ("POST", "resetar"):
            self.resetar()
            return _json(200, {"ok": True})
        if (metodo, acao) == ("POST", "perder-jobs"):
            self.perder_todos_os_jobs()
            return _json(200, {"ok": True})
        return _detalhe(404, "Não encontrado.")

    def _registrar_conexao(self, conexao: socket.socket, aberta: bool) -> None:
        with self._lock:
            if aberta:
                self._conexoes.add(conexao)
            else:
                self._conexoes.discard(conexao)


def _pico(intervalos: list[tuple[float, float]]) -> int:
    """The most intervals [inicio, fim) open at one instant, by a sweep over their ends."""
    # At equal instants an end sorts before a start: a job ending as another begins does not overlap it.
    validos = [(inicio, fim) for inicio, fim in intervalos if fim > inicio]
    eventos = sorted([(inicio, 1) for inicio, _ in validos] + [(fim, -1) for _, fim in validos])
    pico = abertos = 0
    for _, delta in eventos:
        abertos += delta
        pico = max(pico, abertos)
    return pico


def _referencia_de(corpo: bytes) -> str:
    try:
        dados = json.loads(corpo)
    except ValueError:
        return ""
    referencia = dados.get("referencia") if isinstance(dados, dict) else None
    return referencia if isinstance(referencia, str) else ""


def _payload(corpo: bytes, *, sat: bool) -> dict[str, Any]:
    try:
        dados = json.loads(corpo)
    except ValueError as exc:
        raise ErroDePayload("O corpo da requisição não é um JSON válido.") from exc
    if not isinstance(dados, dict):
        raise ErroDePayload("O corpo da requisição deve ser um objeto JSON.")
    referencia = dados.get("referencia")
    if not isinstance(referencia, str) or not referencia.strip():
        raise ErroDePayload("Campo obrigatório ausente: referencia.")
    competencia = _competencia(dados.get("competencia"))
    if competencia is None:
        raise ErroDePayload("Campo competencia ausente ou inválido: use AAAA-MM.")
    cliente = dados.get("cliente")
    if not isinstance(cliente, dict):
        raise ErroDePayload("Campo obrigatório ausente: cliente (objeto com os dados do cliente).")
    if sat:
        _conferir_fatura(dados.get("fatura"))
    return {"referencia": referencia.strip(), "competencia": competencia, "cliente": cliente}


def _conferir_fatura(fatura: Any) -> None:
    if not isinstance(fatura, dict):
        raise ErroDePayload("O robô do SAT precisa do campo fatura com conteudo_base64 e sha256.")
    conteudo, sha256 = fatura.get("conteudo_base64"), fatura.get("sha256")
    if not isinstance(conteudo, str) or not isinstance(sha256, str):
        raise ErroDePayload("A fatura precisa de conteudo_base64 e sha256.")
    try:
        pdf = base64.b64decode(conteudo, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ErroDePayload("O conteudo_base64 da fatura não é base64 válido.") from exc
    if hashlib.sha256(pdf).hexdigest() != sha256.strip().lower():
        raise ErroDePayload("O sha256 informado não confere com o conteúdo da fatura.")
    if not pdf.startswith(b"%PDF-"):
        raise ErroDePayload("O conteúdo da fatura não é um PDF.")


def _fatura(
    job_id: str, robo: str, referencia: str, cliente: dict[str, Any], ano: int, mes: int, sha256_errado: bool
) -> tuple[dict[str, Any], dict[str, bytes]]:
    valor = _valor_total(referencia)
    vencimento = dt.date(ano + mes // 12, mes % 12 + 1, 10)
    numero = f"{robo.upper()}-{ano:04d}{mes:02d}-{int(_fracao('numero', referencia) * 1_000_000):06d}"
    linhas = [
        f"Razão social: {cliente.get('razao_social') or ''}",
        f"CNPJ: {cliente.get('cnpj') or ''}",
        *([f"Conta: {cliente['conta']}"] if cliente.get("conta") else []),
        f"Competência: {mes:02d}/{ano:04d}",
        f"Número: {numero}",
        f"Valor total: {_reais(valor)}",
        f"Vencimento: {vencimento:%d/%m/%Y}",
    ]
    pdf = fatura_pdf(f"Fatura {robo.upper()}", linhas)
    nome = f"fatura-{ano:04d}-{mes:02d}.pdf"
    # The announced digest is of different bytes, so a client that checks notices; one that does not, does not.
    sha256 = hashlib.sha256(pdf + b"\n" if sha256_errado else pdf).hexdigest()
    resultado = {
        "arquivos": [{"nome": nome, "url": f"/jobs/{job_id}/arquivos/{nome}", "sha256": sha256, "tamanho": len(pdf)}],
        "valor_total": str(valor),
        "vencimento": vencimento.isoformat(),
        "numero_fatura": numero,
    }
    return resultado, {nome: pdf}


class _Servidor(ThreadingHTTPServer):
    # Handler threads must never keep the process (or `parar()`) waiting, least of all a hung one.
    daemon_threads = True
    block_on_close = False

    def __init__(self, endereco: tuple[str, int], atendente: type[BaseHTTPRequestHandler], simulador: Simulador):
        self.simulador = simulador
        super().__init__(endereco, atendente)

    def server_bind(self) -> None:
        # HTTPServer resolves its own name here, which may wait on DNS for seconds on a machine without network.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class _Atendente(BaseHTTPRequestHandler):
    server: _Servidor
    protocol_version = "HTTP/1.1"
    server_version = "SimuladorRPA/1.0"
    # Headers and body go out in separate writes; with Nagle's algorithm the body waits for the client's
    # delayed ACK (40 ms on Linux) on every answer.
    disable_nagle_algorithm = True
    # An idle keep-alive connection is closed after this long, so its thread does not linger.
    timeout = 30

    def setup(self) -> None:
        super().setup()
        self.server.simulador._registrar_conexao(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.simulador._registrar_conexao(self.connection, False)

    def do_GET(self) -> None:
        self._atender("GET")

    def do_POST(self) -> None:
        self._atender("POST")

    def _atender(self, metodo: str) -> None:
        simulador = self.server.simulador
        try:
            tamanho = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            self._responder(_detalhe(400, "Content-Length inválido."))
            return
        if tamanho > TAMANHO_MAXIMO_CORPO:
            self.close_connection = True
            self._responder(_detalhe(413, "Corpo da requisição grande demais."))
            return
        corpo = self.rfile.read(tamanho) if tamanho > 0 else b""
        partes = urlsplit(self.path)
        try:
            if partes.path.startswith("/_simulador/"):
                resposta = simulador._atender_controle(metodo, partes.path, corpo)
            else:
                autorizacao = self.headers.get("Authorization") or ""
                resposta = simulador._atender_api(metodo, partes.path, partes.query, corpo, autorizacao)
        except Exception:
            logger.exception("Erro no simulador ao atender %s %s", metodo, partes.path)
            resposta = _detalhe(500, "Erro interno do simulador.")
        if resposta.atraso:
            self.close_connection = True
            if simulador._parado.wait(resposta.atraso):
                return
        self._responder(resposta)

    def _responder(self, resposta: _Resposta) -> None:
        try:
            self.send_response(resposta.status)
            self.send_header("Content-Type", resposta.tipo)
            self.send_header("Content-Length", str(len(resposta.corpo)))
            for nome, valor in resposta.cabecalhos.items():
                self.send_header(nome, valor)
            self.end_headers()
            self.wfile.write(resposta.corpo)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a timeout, typically after a hang); nobody is left to answer.
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - " + format, self.address_string(), *args)
