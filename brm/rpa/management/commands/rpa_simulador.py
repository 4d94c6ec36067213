import threading

from django.core.management.base import BaseCommand, CommandError

from brm.rpa.simulador import Simulador


class Command(BaseCommand):
    help = (
        "Roda o simulador da API de robôs em primeiro plano até Ctrl-C. "
        "Os modos de falha mudam em tempo de execução por POST /_simulador/config."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Endereço de escuta (padrão: 127.0.0.1).")
        parser.add_argument("--porta", type=int, default=8765, help="Porta (padrão: 8765; 0 escolhe uma livre).")
        parser.add_argument("--token", default="simulador-token", help="Token Bearer aceito (padrão: simulador-token).")
        parser.add_argument("--duracao", type=float, default=3.0, help="Segundos de cada trabalho (padrão: 3).")
        parser.add_argument(
            "--intervalo-log", type=float, default=0.5, help="Segundos entre linhas de log (padrão: 0,5)."
        )
        parser.add_argument(
            "--taxa-falha", type=float, default=0.0, help="Fração dos trabalhos que terminam com falha, de 0 a 1."
        )

    def handle(self, *args, **options):
        try:
            simulador = Simulador(
                host=options["host"],
                porta=options["porta"],
                token=options["token"],
                duracao=options["duracao"],
                intervalo_log=options["intervalo_log"],
                taxa_falha=options["taxa_falha"],
            ).iniciar()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"Não foi possível abrir {options['host']}:{options['porta']}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Simulador da API de robôs em {simulador.url}"))
        self.stdout.write(f"Token: {options['token']}")
        self.stdout.write("Ctrl-C para parar.")
        self.stdout.flush()
        try:
            # An Event wait, unlike a bare sleep loop, wakes at once on Ctrl-C and costs nothing meanwhile.
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            simulador.parar()
        self.stdout.write("Simulador parado.")
