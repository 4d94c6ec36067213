"""Readiness: does every part the system needs answer now? What /readyz says and /metrics reports.

Five parts, each checked with its own short timeouts, all at once, each in a thread of its own: the database, Redis,
a Celery worker (a ping through the broker), beat (its heartbeat in Redis, brm/saude/agendador.py) and the robot
API (the admin's connection test). The answer never waits longer than `BRM_PRONTIDAO_TIMEOUT` plus a little: a
check still running then counts as failed, and while it goes on (a database that accepted the connection and never
answers) no second check of that part is started, so a dead part holds at most one thread per process. The result
is kept `BRM_PRONTIDAO_CACHE_SEGUNDOS`, and concurrent probes share one run: a load balancer, Docker's
HEALTHCHECK and Prometheus probing every few seconds cost one check per interval.
"""

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, wait
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections

from .verificacoes import DA_PARTE, PARTES, VERIFICACOES, FalhaDaParte, em_segundos, timeout_das_verificacoes

logger = logging.getLogger(__name__)

__all__ = ["PARTES", "Prontidao", "SituacaoDaParte", "prontidao_esquecer", "prontidao_obter"]

# Beyond the checks' own timeouts, for the threads to hand their result back.
FOLGA = 0.5


@dataclass(frozen=True)
class SituacaoDaParte:
    ok: bool
    ms: int
    erro: str = ""
    detalhes: dict = field(default_factory=dict)

    def como_json(self) -> dict:
        dados: dict = {"ok": self.ok, "ms": self.ms}
        if not self.ok:
            dados["erro"] = self.erro
        return {**dados, **self.detalhes}


@dataclass(frozen=True)
class Prontidao:
    partes: dict[str, SituacaoDaParte]

    @property
    def pronto(self) -> bool:
        return all(parte.ok for parte in self.partes.values())

    @property
    def falhas(self) -> list[str]:
        return [nome for nome, parte in self.partes.items() if not parte.ok]

    def como_json(self) -> dict:
        return {
            "pronto": self.pronto,
            "falhas": self.falhas,
            "partes": {nome: parte.como_json() for nome, parte in self.partes.items()},
        }


# Running them: at once, bounded, one at a time per part, shared by concurrent probes ------------------------------


def _medir(nome: str) -> SituacaoDaParte:
    inicio = time.monotonic()
    try:
        detalhes = VERIFICACOES[nome]()
    except FalhaDaParte as falha:
        return SituacaoDaParte(False, _ms_desde(inicio), falha.mensagem, falha.detalhes)
    except Exception as erro:
        logger.exception("Erro inesperado na verificação %s", DA_PARTE[nome])
        return SituacaoDaParte(
            False, _ms_desde(inicio), f"Erro inesperado na verificação {DA_PARTE[nome]}: {type(erro).__name__}: {erro}"
        )
    finally:
        # What this thread opened in the database goes back now (to the pool, on PostgreSQL): it ends here.
        connections.close_all()
    return SituacaoDaParte(True, _ms_desde(inicio), detalhes=detalhes)


def _ms_desde(inicio: float) -> int:
    return round((time.monotonic() - inicio) * 1000)


class _Verificador:
    def __init__(self):
        self._rodada = threading.Lock()
        self._ultima: tuple[float, Prontidao] | None = None
        # The check of each part started last, with when it started; one still running is never doubled.
        self._em_curso: dict[str, tuple[float, Future]] = {}

    def obter(self) -> Prontidao:
        # Concurrent probes wait here for the run in progress and take its result.
        with self._rodada:
            validade = float(settings.BRM_PRONTIDAO_CACHE_SEGUNDOS)
            if self._ultima is not None and time.monotonic() - self._ultima[0] < validade:
                return self._ultima[1]
            anterior = self._ultima[1] if self._ultima else None
            prontidao = self._verificar()
            self._ultima = (time.monotonic(), prontidao)
        _registrar_mudancas(anterior, prontidao)
        return prontidao

    def _verificar(self) -> Prontidao:
        limite = timeout_das_verificacoes() + FOLGA
        agora = time.monotonic()
        situacoes: dict[str, SituacaoDaParte] = {}
        novas: dict[str, Future] = {}
        for nome in PARTES:
            em_curso = self._em_curso.get(nome)
            if em_curso is not None and not em_curso[1].done():
                ha = agora - em_curso[0]
                situacoes[nome] = SituacaoDaParte(
                    False,
                    round(ha * 1000),
                    f"A verificação anterior {DA_PARTE[nome]} ainda não terminou: {ha:.0f} s sem resposta.",
                )
                continue
            futuro = _em_segundo_plano(_medir, nome)
            self._em_curso[nome] = (agora, futuro)
            novas[nome] = futuro
        wait(novas.values(), timeout=limite)
        for nome, futuro in novas.items():
            if futuro.done() and futuro.exception() is None:
                situacoes[nome] = futuro.result()
            elif futuro.done():
                situacoes[nome] = SituacaoDaParte(
                    False, round(limite * 1000), f"A verificação {DA_PARTE[nome]} parou: {futuro.exception()!r}."
                )
            else:
                situacoes[nome] = SituacaoDaParte(
                    False,
                    round(limite * 1000),
                    f"A verificação {DA_PARTE[nome]} não terminou em {em_segundos(limite)} s.",
                )
        return Prontidao({nome: situacoes[nome] for nome in PARTES})

    def esquecer(self, *, esperar: float = 0) -> None:
        """Drop the kept result; with `esperar`, first wait that long for checks still running."""
        if esperar:
            wait([futuro for _, futuro in self._em_curso.values()], timeout=esperar)
        with self._rodada:
            self._ultima = None


def _em_segundo_plano(funcao: Callable, *args) -> Future:
    """`funcao(*args)` in a daemon thread of its own. Not a ThreadPoolExecutor: its threads are joined when the
    process exits, and a check hung on a silent database would keep a stopping server from ever ending."""
    futuro: Future = Future()

    def correr() -> None:
        try:
            futuro.set_result(funcao(*args))
        except BaseException as erro:
            futuro.set_exception(erro)

    threading.Thread(target=correr, name=f"brm-prontidao-{args[0] if args else ''}", daemon=True).start()
    return futuro


def _registrar_mudancas(anterior: Prontidao | None, atual: Prontidao) -> None:
    # Only what changed: a probe every few seconds must not write a line each time.
    for nome, parte in atual.partes.items():
        antes = anterior.partes[nome].ok if anterior is not None else True
        if antes and not parte.ok:
            logger.warning("Prontidão: a parte “%s” falhou: %s", nome, parte.erro)
        elif not antes and parte.ok:
            logger.info("Prontidão: a parte “%s” voltou a responder.", nome)


_verificador: _Verificador | None = None
_pid: int | None = None
_criacao = threading.Lock()


def _obter_verificador() -> _Verificador:
    global _verificador, _pid
    with _criacao:
        # Per process: a server that forks after importing (gunicorn --preload) must not inherit checks "still
        # running" whose threads stayed in the parent.
        if _verificador is None or _pid != os.getpid():
            _verificador, _pid = _Verificador(), os.getpid()
        return _verificador


def prontidao_obter() -> Prontidao:
    """Every part's situation, checked now or at most `BRM_PRONTIDAO_CACHE_SEGUNDOS` ago."""
    return _obter_verificador().obter()


def prontidao_esquecer(*, esperar: float = 0) -> None:
    """Forget the kept result (tests, and anyone who must see a change at once)."""
    _obter_verificador().esquecer(esperar=esperar)
