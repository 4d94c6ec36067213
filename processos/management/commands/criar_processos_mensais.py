from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from brm.common.formatacao import formatar_competencia, parse_competencia
from processos.services import processos_criar_mensais


class Command(BaseCommand):
    help = "Cria um processo por cliente ativo de operadora ativa para a competência (padrão: o mês atual)."

    def add_arguments(self, parser):
        parser.add_argument("--competencia", metavar="AAAA-MM", help="Mês da fatura, por exemplo 2026-11.")
        parser.add_argument("--dry-run", action="store_true", help="Só conta o que seria criado; não grava nada.")

    def handle(self, *args, competencia=None, dry_run=False, **options):
        if competencia is not None:
            try:
                competencia = parse_competencia(competencia)
            except ValidationError as exc:
                raise CommandError(exc.messages[0], returncode=2) from exc
        resultado = processos_criar_mensais(competencia=competencia, dry_run=dry_run)
        mes = formatar_competencia(resultado.competencia)
        if resultado.dry_run:
            self.stdout.write(
                f"Competência {mes} (simulação, nada gravado): {resultado.criados} seriam criados, "
                f"{resultado.existentes} já existem."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Competência {mes}: {resultado.criados} processos criados, {resultado.existentes} já existiam."
                )
            )
