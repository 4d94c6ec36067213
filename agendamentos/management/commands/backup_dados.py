from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from agendamentos.models import Agendamento
from agendamentos.tipos import tipo_obter
from brm.common.errors import ErroDeNegocio


class Command(BaseCommand):
    help = (
        "Copia o banco de dados para a pasta de backups (pg_dump no PostgreSQL, backup online no SQLite), confere "
        "que a cópia abre e mantém só as N mais recentes. Os mesmos parâmetros do agendamento “Backup dos dados”."
    )

    def add_arguments(self, parser):
        parser.add_argument("--pasta", metavar="P", help="Pasta das cópias, caminho absoluto (padrão: BRM_BACKUP_DIR).")
        parser.add_argument("--manter", type=int, metavar="N", help="Quantas cópias manter (padrão: 7).")

    def handle(self, *args, pasta=None, manter=None, **options):
        tipo = tipo_obter(Agendamento.Tipo.BACKUP_DADOS)
        try:
            parametros = tipo.validar({n: v for n, v in {"pasta": pasta, "manter": manter}.items() if v is not None})
            resultado = tipo.executar(parametros=parametros, agora=timezone.now(), fuso=settings.TIME_ZONE, por=None)
        except ErroDeNegocio as exc:
            # Bad input exits with 2 (as argparse does); a copy that failed with 1.
            raise CommandError(exc.mensagem, returncode=2 if exc.codigo == ErroDeNegocio.INVALIDO else 1) from exc
        tamanho = filesizeformat(resultado["tamanho_bytes"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Cópia gravada e verificada: {resultado['arquivo']} ({tamanho}). "
                f"Cópias antigas removidas: {resultado['removidos']}."
            )
        )
