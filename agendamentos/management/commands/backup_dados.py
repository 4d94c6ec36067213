from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from agendamentos.models import Agendamento
from agendamentos.tipos import tipo_obter
from brm.common.errors import ErroDeNegocio


class Command(BaseCommand):
    help = (
        "Copia o banco de dados e todos os arquivos de fatura que ele referencia para um arquivo .tar na pasta de "
        "backups, com um manifesto de SHA-256, confere a cópia inteira e mantém só as N mais recentes. Os mesmos "
        "parâmetros do agendamento “Backup dos dados”. Restaure com restaurar_backup (docs/backup.md)."
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
        self.stdout.write(
            self.style.SUCCESS(
                f"Cópia gravada e verificada: {resultado['arquivo']} ({filesizeformat(resultado['tamanho_bytes'])}), "
                f"com o banco e {resultado['arquivos']} arquivo(s) de fatura "
                f"({filesizeformat(resultado['bytes_arquivos'])}). SHA-256 da cópia: {resultado['sha256']}. "
                f"Cópias antigas removidas: {resultado['removidos']}."
            )
        )
        # The copy is kept (it is the best there is), but the person running it must not miss this.
        if resultado["arquivos_ausentes"]:
            self.stderr.write(self.style.WARNING(f"ATENÇÃO: {resultado['aviso']}"))
