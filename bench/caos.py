"""Benchmark: the month under chaos. 300 downloads while the robot misbehaves and the machinery is knocked over.

The robot (the simulator) hangs 10% of the POSTs past the client's timeout (the job is created all the same),
loses 10% of the jobs once they start, and answers 10% of the status reads with a body that is not JSON.
Halfway through, the worker that follows the jobs is killed with SIGKILL and started again, as a supervisor
would, and Redis (a redis-server of this run's own) is stopped for a few seconds and started again. Beat runs
as in production.

Prints the jobs the robot started per referencia (must be 1), the peak of jobs running at once at the robot
against the global and per-operator limits, the executions left unfinished (must be 0) and the makespan
against the ideal. Needs PostgreSQL (DATABASE_URL); starts its own Redis.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

from comum import (
    URL_PADRAO,
    banco_descartavel,
    conferir_postgres,
    criar_mes,
    falhar,
    iniciar_celery,
    numero,
    parar,
    preparar_django,
)

LIMITE_GLOBAL = 10
LIMITE_POR_OPERADORA = 4


def _porta_livre() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _iniciar_redis(porta: int, pasta: Path) -> subprocess.Popen:
    from brm.local.management.commands.iniciar_local import _redis_server

    comando = [_redis_server(), "--port", str(porta), "--bind", "127.0.0.1", "--save", "", "--dir", str(pasta)]
    processo = subprocess.Popen(comando, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", porta)) == 0:
                return processo
        time.sleep(0.1)
    falhar(f"o redis-server próprio não abriu a porta {porta}.")
    return processo


_COMUNS = ["--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"]


def _worker_acompanhamento(fila: str, pasta: Path, rodada: int) -> subprocess.Popen:
    return iniciar_celery(["worker", "--queues", fila, "--concurrency", "2", *_COMUNS], pasta / f"worker-{rodada}.log")


def _worker_envios(fila: str, pasta: Path) -> subprocess.Popen:
    return iniciar_celery(
        ["worker", "--queues", f"{fila}-envios", "--hostname", "envios@%h", "--concurrency", "4", *_COMUNS],
        pasta / "envios.log",
    )


def medir(downloads: int, duracao: float, pasta: Path, redis_processo: subprocess.Popen, porta_redis: int) -> bool:
    from django.conf import settings
    from django.db import connection

    from brm.rpa.simulador import Simulador
    from processos.models import Execucao
    from processos.services import execucoes_solicitar_downloads
    from tests.factories import ConfiguracaoRPAFactory

    criar_mes(downloads, max_por_operadora=LIMITE_POR_OPERADORA)
    fila = settings.CELERY_TASK_DEFAULT_QUEUE
    filhos: list[subprocess.Popen] = []
    with Simulador(duracao=duracao, intervalo_log=0.25, atraso_inicio=0.1) as simulador:
        simulador.configurar(taxa_travamento=0.1, tempo_travamento=4.0, taxa_perda=0.1, taxa_status_invalido=0.1)
        ConfiguracaoRPAFactory(
            url_base=simulador.url,
            token=simulador.token,
            limite_global=LIMITE_GLOBAL,
            intervalo_polling_ms=300,
            timeout_http_segundos=2,
            timeout_execucao_segundos=300,
            backoff_base_segundos=1,
            backoff_max_segundos=4,
            # A lost job is re-run at once, under a new referencia.
            reexecucoes_automaticas=5,
            intervalo_reexecucao_minutos=0,
        )
        try:
            acompanhamento = _worker_acompanhamento(fila, pasta, 0)
            filhos += [acompanhamento, _worker_envios(fila, pasta)]
            filhos.append(
                iniciar_celery(
                    [
                        "beat",
                        "--loglevel",
                        "WARNING",
                        "--scheduler",
                        "celery.beat:PersistentScheduler",
                        "--schedule",
                        str(pasta / "beat-schedule"),
                    ],
                    pasta / "beat.log",
                )
            )
            time.sleep(3)  # the workers' boot is not part of the month
            inicio = time.perf_counter()
            execucoes_solicitar_downloads(por=None)
            ideal = downloads * duracao / LIMITE_GLOBAL
            prazo = inicio + max(300.0, 12 * ideal)

            def finais() -> int:
                return Execucao.objects.exclude(status__in=Execucao.ATIVOS).filter(robo_ocupado=False).count()

            while finais() < downloads // 2:
                if time.perf_counter() > prazo:
                    falhar("metade do mês não terminou no prazo.")
                time.sleep(0.2)
            os.killpg(acompanhamento.pid, signal.SIGKILL)
            acompanhamento.wait(timeout=10)
            print(f"Worker de acompanhamento morto com SIGKILL aos {numero(time.perf_counter() - inicio, 1)} s")
            # What the supervisor (make run, the container's restart policy) does.
            filhos.append(_worker_acompanhamento(fila, pasta, 1))
            time.sleep(2)
            redis_processo.kill()
            redis_processo.wait(timeout=10)
            print(f"Redis parado aos {numero(time.perf_counter() - inicio, 1)} s; de volta 5 s depois")
            time.sleep(5)
            redis_processo = _iniciar_redis(porta_redis, pasta)

            def pendentes() -> int:
                return (
                    Execucao.objects.filter(status__in=Execucao.ATIVOS).count()
                    + Execucao.objects.filter(robo_ocupado=True).count()
                )

            while pendentes():
                if time.perf_counter() > prazo:
                    break
                time.sleep(0.2)
            makespan = time.perf_counter() - inicio
        finally:
            parar(filhos)
            redis_processo.kill()
            redis_processo.wait(timeout=10)
        estatisticas = simulador.estatisticas()
    connection.close()

    abertas = (
        Execucao.objects.filter(status__in=Execucao.ATIVOS).count() + Execucao.objects.filter(robo_ocupado=True).count()
    )
    por_status = Counter(Execucao.objects.values_list("status", flat=True))
    faturas = Execucao.objects.filter(status=Execucao.Status.SUCESSO).count()
    jobs_por_referencia = Counter(estatisticas["jobs_por_referencia"].values())
    pico_operadora = max(estatisticas["max_simultaneos_por_robo"].values(), default=0)
    print(
        f"Downloads: {downloads} · duração de cada trabalho: {numero(duracao, 1)} s · limite global "
        f"{LIMITE_GLOBAL}, por operadora {LIMITE_POR_OPERADORA} · falhas do robô: 10% dos POSTs travados, "
        "10% dos trabalhos perdidos, 10% das leituras de situação sem JSON"
    )
    print(f"Execuções por situação: {dict(sorted(por_status.items()))} (reexecuções dos trabalhos perdidos incluídas)")
    print(f"Processos com fatura baixada: {faturas} de {downloads}")
    print(
        "Trabalhos no robô por referencia: "
        + ", ".join(f"{quantos} referencia(s) com {n}" for n, quantos in sorted(jobs_por_referencia.items()))
    )
    print(
        f"Pico simultâneo no robô: {estatisticas['max_simultaneos']} (limite {LIMITE_GLOBAL}); "
        f"por operadora: {pico_operadora} (limite {LIMITE_POR_OPERADORA})"
    )
    print(f"Execuções não terminadas: {abertas}")
    print(f"Makespan: {numero(makespan, 1)} s · ideal (downloads × duração / limite): {numero(ideal, 1)} s")
    print(f"Razão makespan / ideal: {numero(makespan / ideal, 2)}")
    ok = (
        set(jobs_por_referencia) == {1}
        and estatisticas["max_simultaneos"] <= LIMITE_GLOBAL
        and pico_operadora <= LIMITE_POR_OPERADORA
        and abertas == 0
    )
    print(
        "ALVO: um trabalho por referencia, limites respeitados no robô e nenhuma execução sem terminar: "
        + ("OK" if ok else "FALHOU")
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--downloads", type=int, default=300)
    parser.add_argument("--duracao", type=float, default=1.0, help="duração de cada trabalho no simulador (s)")
    args = parser.parse_args()
    if args.downloads < 2 or args.duracao <= 0:
        parser.error("os valores precisam ser positivos (ao menos 2 downloads)")

    url = os.environ.get("DATABASE_URL", URL_PADRAO)
    conferir_postgres(url)
    pasta = Path(os.environ.get("TMPDIR", "/tmp")) / f"brm-bench-caos-{os.getpid()}"
    pasta.mkdir(parents=True, exist_ok=True)
    porta_redis = _porta_livre()
    fila = f"brm-bench-caos-{uuid.uuid4().hex[:8]}"
    banco = os.environ.get("BRM_BENCH_CAOS_DATABASE_NAME", "brm_bench_caos")
    preparar_django(url, banco, redis_url=f"redis://127.0.0.1:{porta_redis}/0", fila=fila)
    redis_processo = _iniciar_redis(porta_redis, pasta)
    print(f"Redis próprio em 127.0.0.1:{porta_redis}; logs dos processos em {pasta}")
    with banco_descartavel(url):
        ok = medir(args.downloads, args.duracao, pasta, redis_processo, porta_redis)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
