from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from agendamentos.models import Agendamento
from agendamentos.tipos import tipo_obter
from brm.common.errors import ErroDeNegocio


class Command(BaseCommand):
    help = (
        "Envia por e-mail o resumo do mês (processos por situação e por operadora, falhas, faturas a vencer) com "
        "a planilha dos processos anexada. Os mesmos parâmetros do agendamento “Enviar relatórios”."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--destinatario", action="append", metavar="EMAIL", help="Quem recebe (repetível; ao menos um)."
        )
        parser.add_argument("--competencia", metavar="atual|anterior", help="Mês do resumo (padrão: atual).")
        parser.add_argument(
            "--dias-vencimento", type=int, metavar="N", help="Faturas que vencem em até N dias (padrão: 7)."
        )

    def handle(self, *args, destinatario=None, competencia=None, dias_vencimento=None, **options):
        parametros = {"destinatarios": destinatario or []}
        if competencia is not None:
            parametros["competencia"] = competencia
        if dias_vencimento is not None:
            parametros["dias_vencimento"] = dias_vencimento
        tipo = tipo_obter(Agendamento.Tipo.ENVIAR_RELATORIOS)
        try:
            parametros = tipo.validar(parametros)
            resultado = tipo.executar(parametros=parametros, agora=timezone.now(), fuso=settings.TIME_ZONE, por=None)
        except ErroDeNegocio as exc:
            raise CommandError(exc.mensagem, returncode=2 if exc.codigo == ErroDeNegocio.INVALIDO else 1) from exc
        ano, mes = resultado["competencia"].split("-")
        self.stdout.write(
            self.style.SUCCESS(
                f"Resumo de {mes}/{ano} ({resultado['processos']} processos) enviado a "
                f"{resultado['destinatarios']} destinatário(s): {', '.join(parametros['destinatarios'])}."
            )
        )
