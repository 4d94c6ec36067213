"""Benchmark: live updates to 500 open pages at once, through one real web process.

Run with `make bench` (or `.venv/bin/python bench/sse.py [--clientes 500] [--eventos 50] [--intervalo 0.1]`). It
creates a throwaway PostgreSQL database (`brm_bench_sse` on the server of DATABASE_URL) with one signed-in user,
starts one web process as production runs it (uvicorn serving brm.asgi) on Redis (REDIS_URL), opens N streams of
one channel as N browsers would (`/eventos/execucao-<id>/`, the session cookie, asyncio sockets in this process),
then sends M events from a thread of this process through `send_event` (storage and Redis pub/sub, as a worker
does), spaced by the interval, each carrying the moment it was sent.

Printed: the delay from send to receipt for every event at every client (p50, p95, maximum), the clients that
missed an event or got one twice (must be 0), and the web process's memory (RSS, from /proc) before the
streams, with them open and after the events. Target: p95 ≤ 250 ms and no client missing an event. Exit status 0
when the target holds, 1 otherwise or when PostgreSQL or Redis cannot be reached. Bounded: every wait has a
deadline, and everything it started is stopped at the end.
"""

import argparse
import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comum import (  # noqa: E402
    RAIZ,
    REDIS_PADRAO,
    URL_PADRAO,
    ambiente_dos_filhos,
    banco_descartavel,
    conferir_postgres,
    conferir_redis,
    falhar,
    numero,
    parar,
    preparar_django,
)

P95_MAXIMO = 0.250
# Streams opened at once while connecting (a browser's page load is not what is measured).
CONEXOES_SIMULTANEAS = 50
PRAZO_CONEXAO = 60
PRAZO_ENTREGA = 20


def _porta_livre() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_mib(pid: int) -> float:
    for linha in Path(f"/proc/{pid}/status").read_text().splitlines():
        if linha.startswith("VmRSS:"):
            return int(linha.split()[1]) / 1024
    return 0.0


def _threads(pid: int) -> int:
    for linha in Path(f"/proc/{pid}/status").read_text().splitlines():
        if linha.startswith("Threads:"):
            return int(linha.split()[1])
    return 0


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds the process has used."""
    campos = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(campos[11]) + int(campos[12])) / os.sysconf("SC_CLK_TCK")


def _iniciar_web(porta: int, log: Path) -> subprocess.Popen:
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "brm.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(porta),
            "--log-level",
            "warning",
            "--backlog",
            "4096",
        ],
        cwd=RAIZ,
        env=ambiente_dos_filhos(),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    prazo = time.monotonic() + 30
    while time.monotonic() < prazo:
        if web.poll() is not None:
            falhar(f"o processo web parou ao iniciar; veja {log}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", porta)) == 0:
                return web
        time.sleep(0.1)
    parar([web])
    falhar(f"o processo web não abriu a porta {porta}; veja {log}")
    return web


class Cliente:
    """One browser's stream, read raw (HTTP/1.0: the body is the event stream itself, no chunks)."""

    def __init__(self):
        self.aberto = asyncio.Event()
        self.status = ""
        self.recebidos: dict[int, float] = {}  # event number → delay (s)
        self.repetidos = 0

    async def ler(self, porta: int, caminho: str, sessao: str, limite_conexoes: asyncio.Semaphore, fim: asyncio.Event):
        async with limite_conexoes:
            leitor, escritor = await asyncio.open_connection("127.0.0.1", porta)
            escritor.write(
                f"GET {caminho} HTTP/1.0\r\nHost: 127.0.0.1:{porta}\r\nAccept: text/event-stream\r\n"
                f"Cookie: sessionid={sessao}\r\n\r\n".encode()
            )
            await escritor.drain()
            self.status = (await leitor.readline()).decode().strip()
            while (await leitor.readline()) not in (b"\r\n", b"\n", b""):
                pass
        try:
            tipo = ""
            while not fim.is_set():
                linha = await leitor.readline()
                if not linha:
                    return
                if linha.startswith(b"event: "):
                    tipo = linha[7:].strip().decode()
                    if tipo == "stream-open":
                        self.aberto.set()
                elif linha.startswith(b"data: ") and tipo == "bench":
                    agora = time.time()
                    dados = json.loads(linha[6:])
                    if dados["n"] in self.recebidos:
                        self.repetidos += 1
                    else:
                        self.recebidos[dados["n"]] = agora - dados["t"]
        finally:
            escritor.close()


def _remetente(canal: str, eventos: int, intervalo: float, enviados: threading.Event) -> None:
    from django_eventstream import send_event

    for n in range(eventos):
        send_event(canal, "bench", {"n": n, "t": time.time(), "texto": "linha de log " * 8})
        time.sleep(intervalo)
    enviados.set()


async def _medir_fluxos(porta: int, canal: str, sessao: str, args, web: subprocess.Popen) -> tuple[list, dict]:
    caminho = f"/eventos/{canal}/"
    limite = asyncio.Semaphore(CONEXOES_SIMULTANEAS)
    fim = asyncio.Event()
    clientes = [Cliente() for _ in range(args.clientes)]
    memoria = {"antes": _rss_mib(web.pid)}
    tarefas = [asyncio.create_task(cliente.ler(porta, caminho, sessao, limite, fim)) for cliente in clientes]
    try:
        inicio = time.perf_counter()
        abertos = asyncio.gather(*(cliente.aberto.wait() for cliente in clientes))
        try:
            await asyncio.wait_for(abertos, PRAZO_CONEXAO)
        except TimeoutError:
            recusados = {c.status for c in clientes if not c.aberto.is_set()}
            falhar(
                f"só {sum(c.aberto.is_set() for c in clientes)} de {args.clientes} fluxos abriram em "
                f"{PRAZO_CONEXAO} s (respostas dos outros: {recusados})"
            )
        print(f"{args.clientes} fluxos abertos em {numero(time.perf_counter() - inicio, 1)} s")
        await asyncio.sleep(1)
        memoria["abertos"] = _rss_mib(web.pid)
        memoria["threads"] = _threads(web.pid)

        enviados = threading.Event()
        cpu_antes, envio_inicio = _cpu_s(web.pid), time.perf_counter()
        remetente = threading.Thread(
            target=_remetente, args=(canal, args.eventos, args.intervalo, enviados), daemon=True
        )
        remetente.start()
        prazo = time.monotonic() + args.eventos * args.intervalo + PRAZO_ENTREGA
        while time.monotonic() < prazo:
            if enviados.is_set() and all(len(c.recebidos) == args.eventos for c in clientes):
                break
            await asyncio.sleep(0.05)
        memoria["cpu"] = _cpu_s(web.pid) - cpu_antes
        memoria["duracao"] = time.perf_counter() - envio_inicio
        await asyncio.sleep(0.5)  # anything arriving late (a repeat) is counted too
        memoria["depois"] = _rss_mib(web.pid)
    finally:
        fim.set()
        for tarefa in tarefas:
            tarefa.cancel()
        await asyncio.gather(*tarefas, return_exceptions=True)
    return clientes, memoria


def medir(args, log: Path) -> bool:
    from django.test import Client

    from brm.eventos.canais import canal_execucao
    from brm.usuarios.models import Usuario
    from brm.usuarios.services import usuario_criar

    usuario = usuario_criar(email="bench-sse@brm.test", nome="Bench SSE", papel=Usuario.Papel.LEITURA)
    navegador = Client()
    navegador.force_login(usuario)
    sessao = navegador.cookies["sessionid"].value
    canal = canal_execucao(uuid.uuid4())
    porta = _porta_livre()
    web = _iniciar_web(porta, log)
    try:
        clientes, memoria = asyncio.run(_medir_fluxos(porta, canal, sessao, args, web))
    finally:
        parar([web])

    atrasos = sorted(atraso for cliente in clientes for atraso in cliente.recebidos.values())
    faltando = sum(len(cliente.recebidos) < args.eventos for cliente in clientes)
    repetidos = sum(cliente.repetidos > 0 for cliente in clientes)
    if not atrasos:
        falhar(f"nenhum evento chegou; veja {log}")
    p50 = statistics.median(atrasos)
    p95 = atrasos[min(len(atrasos) - 1, int(len(atrasos) * 0.95))]
    print(
        f"{args.eventos} eventos (um a cada {numero(args.intervalo * 1000)} ms) × {args.clientes} clientes: "
        f"{numero(len(atrasos))} entregas de {numero(args.eventos * args.clientes)}"
    )
    print(
        f"Atraso do envio à chegada: p50 {numero(p50 * 1000, 1)} ms · p95 {numero(p95 * 1000, 1)} ms · "
        f"máximo {numero(atrasos[-1] * 1000, 1)} ms"
    )
    print(f"Clientes com evento faltando: {faltando} · com evento repetido: {repetidos}")
    print(
        f"CPU do processo web durante os eventos: {numero(memoria['cpu'], 2)} s em {numero(memoria['duracao'], 1)} s "
        f"({numero(memoria['cpu'] * 1e6 / max(len(atrasos), 1))} µs por entrega)"
    )
    por_fluxo = (memoria["abertos"] - memoria["antes"]) * 1024 / args.clientes
    print(
        f"Memória do processo web (RSS): {numero(memoria['antes'], 1)} MiB antes dos fluxos · "
        f"{numero(memoria['abertos'], 1)} MiB com {args.clientes} abertos ({numero(por_fluxo)} KiB por fluxo, "
        f"{memoria['threads']} threads) · {numero(memoria['depois'], 1)} MiB depois dos eventos"
    )
    ok = p95 <= P95_MAXIMO and faltando == 0 and repetidos == 0
    print(
        f"ALVO: p95 ≤ {numero(P95_MAXIMO * 1000)} ms, nenhum cliente sem um evento, nenhum repetido: "
        f"{'OK' if ok else 'FALHOU'}"
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clientes", type=int, default=500, help="fluxos abertos ao mesmo tempo (padrão: 500)")
    parser.add_argument("--eventos", type=int, default=50, help="eventos enviados (padrão: 50)")
    parser.add_argument("--intervalo", type=float, default=0.1, help="segundos entre eventos (padrão: 0,1)")
    args = parser.parse_args()
    if args.clientes < 1 or args.eventos < 1 or args.intervalo < 0:
        parser.error("--clientes e --eventos precisam ser positivos, --intervalo não negativo")

    # Each stream is a socket here and another in the web process (which inherits this limit).
    atual, teto = resource.getrlimit(resource.RLIMIT_NOFILE)
    desejado = args.clientes * 2 + 256
    if teto != resource.RLIM_INFINITY and teto < desejado:
        falhar(f"o limite de arquivos abertos ({teto}) é pequeno para {args.clientes} fluxos; use --clientes menor.")
    if atual < desejado:
        resource.setrlimit(resource.RLIMIT_NOFILE, (desejado, teto))

    url = os.environ.get("DATABASE_URL", URL_PADRAO)
    redis_url = os.environ.get("REDIS_URL", REDIS_PADRAO)
    conferir_postgres(url)
    conferir_redis(redis_url)
    banco = os.environ.get("BRM_BENCH_SSE_DATABASE_NAME", "brm_bench_sse")
    preparar_django(url, banco, redis_url=redis_url)
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"brm-bench-sse-web-{os.getpid()}.log"
    with banco_descartavel(url):
        ok = medir(args, log)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
