from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from agendamentos.models import Agendamento
from agendamentos.tipos import tipo_obter
from brm.common.errors import ErroDeNegocio


class Command(BaseCommand):
    help = (
        "Apaga, em lotes, linhas de log dos robôs e histórico de agendamentos mais antigos que a retenção, e os "
        "tokens da API já expirados. "
        "A linha do tempo dos processos nunca é apagada."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dias-retencao", type=int, metavar="N", help="Guarda os últimos N dias (padrão: 90; de 1 a 3650)."
        )

    def handle(self, *args, dias_retencao=None, **options):
        tipo = tipo_obter(Agendamento.Tipo.LIMPEZA_LOGS)
        try:
            parametros = tipo.validar({} if dias_retencao is None else {"dias_retencao": dias_retencao})
            resultado = tipo.executar(parametros=parametros, agora=timezone.now(), fuso=settings.TIME_ZONE, por=None)
        except ErroDeNegocio as exc:
            raise CommandError(exc.mensagem, returncode=2 if exc.codigo == ErroDeNegocio.INVALIDO else 1) from exc
        antes_de = timezone.localtime(parse_datetime(resultado["antes_de"]))
        self.stdout.write(
            self.style.SUCCESS(
                f"Apagados de antes de {antes_de:%d/%m/%Y %H:%M}: {resultado['linhas_de_log']} linhas de log e "
                f"{resultado['historico_agendamentos']} execuções de agendamentos; "
                f"{resultado['tokens_expirados']} tokens da API expirados e "
                f"{resultado['sessoes_encerradas']} sessões encerradas já expiradas."
            )
        )
