from django.core.management.base import BaseCommand

from agendamentos.services import AGENDAMENTOS_PADRAO, agendamentos_criar_padrao


class Command(BaseCommand):
    help = (
        "Cria os agendamentos de costume (processos do mês, downloads diários, relatório semanal desativado, "
        "limpeza de logs, backup diário) que ainda não existem. Idempotente: compara pelo nome."
    )

    def handle(self, *args, **options):
        criados = agendamentos_criar_padrao()
        for agendamento in criados:
            situacao = "ativo" if agendamento.ativo else "desativado"
            self.stdout.write(
                f"  criado: {agendamento.nome} · {agendamento.expressao_cron} ({agendamento.fuso_horario}) · {situacao}"
            )
        existentes = len(AGENDAMENTOS_PADRAO) - len(criados)
        self.stdout.write(self.style.SUCCESS(f"Agendamentos padrão: {len(criados)} criados, {existentes} já existiam."))
