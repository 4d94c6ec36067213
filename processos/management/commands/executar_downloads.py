from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from brm.common.errors import ErroDeNegocio
from brm.common.formatacao import formatar_competencia, parse_competencia
from operadoras.selectors import operadoras_codigos_desconhecidos
from processos.services import competencia_atual, execucoes_solicitar_downloads


class Command(BaseCommand):
    help = (
        "Enfileira o download da fatura dos processos que ainda aguardam download. Sem --todos, processos cujo "
        "último download falhou ficam para uma pessoa ou para a reexecução automática."
    )

    def add_arguments(self, parser):
        parser.add_argument("--competencia", metavar="AAAA-MM", help="Mês das faturas (padrão: o mês atual).")
        parser.add_argument("--operadora", metavar="CODIGO", action="append", help="Só esta operadora (repetível).")
        parser.add_argument("--limite", type=int, metavar="N", help="No máximo N downloads desta vez.")
        parser.add_argument("--todos", action="store_true", help="Inclui processos cujo último download falhou.")

    def handle(self, *args, competencia=None, operadora=None, limite=None, todos=False, **options):
        try:
            competencia = parse_competencia(competencia) if competencia else competencia_atual()
        except ValidationError as exc:
            raise CommandError(exc.messages[0], returncode=2) from exc
        if operadora:
            desconhecidas = sorted(set(operadoras_codigos_desconhecidos(codigos=operadora)))
            if desconhecidas:
                raise CommandError(f"Operadora desconhecida: {', '.join(desconhecidas)}.", returncode=2)
        try:
            resultado = execucoes_solicitar_downloads(
                por=None, competencia=competencia, operadoras=operadora, limite=limite, todos=todos
            )
        except ErroDeNegocio as exc:
            raise CommandError(exc.mensagem, returncode=2) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Competência {formatar_competencia(competencia)}: {resultado.enfileiradas} downloads enfileirados, "
                f"{resultado.ignoradas} processos aguardando ficaram de fora (já em andamento, falha anterior "
                "ou limite)."
            )
        )
        if resultado.despacho_adiado:
            self.stdout.write(self.style.WARNING(resultado.aviso_despacho))
