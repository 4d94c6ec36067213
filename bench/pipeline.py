"""Benchmark: 500 invoice downloads through the real pipeline (worker, Redis, simulator), against the ideal.

Run with `make bench` (or `.venv/bin/python bench/pipeline.py [--downloads 500] [--duracao 1] [--limite 20]`).
It creates a throwaway PostgreSQL database (`brm_bench_pipeline` on the server of DATABASE_URL), starts the
robot simulator in this process and a Celery worker on Redis (REDIS_URL), queues one download per process,
and waits until every execution has ended.

Printed: the makespan (queueing to the last download stored), the ideal makespan (downloads × job
duration / global limit), their ratio, and the worker's CPU time per job. Target: ratio at most 1.2.
Exit status 0 when the target holds, 1 otherwise or when PostgreSQL or Redis cannot be reached.
"""

import argparse
import os
import resource
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comum import (  # noqa: E402
    REDIS_PADRAO,
    URL_PADRAO,
    apagar_fila,
    banco_descartavel,
    conferir_postgres,
    conferir_redis,
    criar_mes,
    falhar,
    iniciar_celery,
    numero,
    parar,
    preparar_django,
)

RAZAO_MAXIMA = 1.2


def _iniciar_workers(concorrencia: int, log: Path) -> list:
    """As in production: one worker follows the jobs and dispatches, another sends them to the robot."""
    from django.conf import settings

    nivel = os.environ.get("BRM_BENCH_LOGLEVEL", "WARNING")
    fila = settings.CELERY_TASK_DEFAULT_QUEUE
    comuns = ["--loglevel", nivel, "--concurrency", str(concorrencia), "--without-gossip", "--without-mingle"]
    return [
        iniciar_celery(["worker", "--queues", fila, *comuns, "--without-heartbeat"], log),
        iniciar_celery(
            ["worker", "--queues", f"{fila}-envios", "--hostname", "envios@%h", *comuns, "--without-heartbeat"],
            log.with_suffix(".envios.log"),
        ),
    ]


def medir(downloads: int, duracao: float, limite: int, concorrencia: int, polling_ms: int) -> bool:
    from django.db import connection

    from brm.rpa.models import ConfiguracaoRPA
    from brm.rpa.simulador import Simulador
    from processos.models import Execucao
    from processos.services import execucoes_solicitar_downloads

    criar_mes(downloads, max_por_operadora=limite)
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"brm-bench-worker-{os.getpid()}.log"
    with Simulador(duracao=duracao, intervalo_log=0.25, atraso_inicio=0.1) as simulador:
        ConfiguracaoRPA.objects.create(
            url_base=simulador.url,
            token=simulador.token,
            limite_global=limite,
            intervalo_polling_ms=polling_ms,
            timeout_http_segundos=5,
            timeout_execucao_segundos=600,
        )
        uso_antes = resource.getrusage(resource.RUSAGE_CHILDREN)
        workers = _iniciar_workers(concorrencia, log)
        try:
            time.sleep(3)  # the worker's boot is not part of the pipeline
            inicio = time.perf_counter()
            resultado = execucoes_solicitar_downloads(por=None)
            if resultado.enfileiradas != downloads:
                falhar(f"{resultado.enfileiradas} downloads enfileirados em vez de {downloads}.")
            prazo = inicio + max(120.0, 10 * downloads * duracao / limite)
            while Execucao.objects.filter(status__in=Execucao.ATIVOS).exists():
                if time.perf_counter() > prazo:
                    falhar(f"as execuções não terminaram no prazo; veja {log}")
                time.sleep(0.05)
            makespan = time.perf_counter() - inicio
        finally:
            parar(workers)
        uso = resource.getrusage(resource.RUSAGE_CHILDREN)
        estatisticas = simulador.estatisticas()
    connection.close()
    _detalhar_tempos()

    sucessos = Execucao.objects.filter(status=Execucao.Status.SUCESSO).count()
    cpu = (uso.ru_utime - uso_antes.ru_utime) + (uso.ru_stime - uso_antes.ru_stime)
    ideal = downloads * duracao / limite
    razao = makespan / ideal
    print(
        f"Downloads: {downloads} · duração de cada trabalho no simulador: {numero(duracao, 1)} s"
        f" · limite global: {limite} · workers de acompanhamento e de envios com {concorrencia} processos cada"
        f" · acompanhamento a cada {polling_ms} ms"
    )
    print(f"Concluídos com sucesso: {sucessos} · pico simultâneo no simulador: {estatisticas['max_simultaneos']}")
    print(f"Makespan: {numero(makespan, 2)} s")
    print(f"Makespan ideal (downloads × duração / limite): {numero(ideal, 2)} s")
    print(f"Razão makespan / ideal: {numero(razao, 3)}")
    print(f"CPU dos workers por trabalho: {numero(1000 * cpu / downloads, 1)} ms")
    ok = razao <= RAZAO_MAXIMA and sucessos == downloads and estatisticas["max_simultaneos"] <= limite
    print(f"ALVO: razão <= {numero(RAZAO_MAXIMA, 1)}, todos concluídos e limite respeitado: {'OK' if ok else 'FALHOU'}")
    return ok


def _detalhar_tempos() -> None:
    """Where a job's time goes, on average: waiting for a slot, sending, running, being noticed and stored."""
    from statistics import mean

    from processos.models import Execucao

    linhas = Execucao.objects.filter(status=Execucao.Status.SUCESSO).values_list(
        "criado_em", "enviado_em", "iniciado_em", "finalizado_em", "updated_at"
    )
    ate_rodar = [(i - e).total_seconds() for _, e, i, _, _ in linhas if e and i]
    robo = [(f - i).total_seconds() for _, _, i, f, _ in linhas if i and f]
    percebido = [(u - f).total_seconds() for _, _, _, f, u in linhas if f and u]
    print(
        f"Médias por trabalho: vaga → robô começou a rodar {numero(mean(ate_rodar) * 1000)} ms · "
        f"no robô {numero(mean(robo) * 1000)} ms · fim no robô → fatura gravada {numero(mean(percebido) * 1000)} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--downloads", type=int, default=500)
    parser.add_argument("--duracao", type=float, default=1.0, help="duração de cada trabalho no simulador (s)")
    parser.add_argument("--limite", type=int, default=20, help="limite global de trabalhos simultâneos")
    parser.add_argument(
        "--concorrencia",
        type=int,
        default=os.cpu_count() or 2,
        help="processos do worker Celery (padrão: um por CPU, como o próprio Celery)",
    )
    parser.add_argument("--polling-ms", type=int, default=200, help="intervalo de acompanhamento (ms)")
    args = parser.parse_args()
    if min(args.downloads, args.limite, args.concorrencia) < 1 or args.duracao <= 0:
        parser.error("os valores precisam ser positivos")

    url = os.environ.get("DATABASE_URL", URL_PADRAO)
    redis_url = os.environ.get("REDIS_URL", REDIS_PADRAO)
    conferir_postgres(url)
    conferir_redis(redis_url)
    fila = f"brm-bench-{uuid.uuid4().hex[:8]}"
    banco = os.environ.get("BRM_BENCH_PIPELINE_DATABASE_NAME", "brm_bench_pipeline")
    preparar_django(url, banco, redis_url=redis_url, fila=fila)
    try:
        with banco_descartavel(url):
            ok = medir(args.downloads, args.duracao, args.limite, args.concorrencia, args.polling_ms)
    finally:
        apagar_fila(redis_url, fila)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
