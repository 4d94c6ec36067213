import json

from django.core.management.base import BaseCommand, CommandError

from agendamentos.models import AgendamentoExecucao
from agendamentos.selectors import agendamento_obter
from agendamentos.services import agendamento_executar
from brm.common.errors import ErroDeNegocio


class Command(BaseCommand):
    help = (
        "Executa um agendamento agora, neste terminal (não pelo worker), e registra a execução no histórico como "
        "o agendador faria. Roda também um agendamento desativado."
    )

    def add_arguments(self, parser):
        parser.add_argument("agendamento", help="Nome do agendamento (entre aspas se tiver espaços) ou o seu id.")

    def handle(self, *args, agendamento, **options):
        try:
            alvo = agendamento_obter(agendamento)
        except ErroDeNegocio as exc:
            raise CommandError(exc.mensagem, returncode=2) from exc
        self.stdout.write(f"Executando “{alvo.nome}” ({alvo.get_tipo_display()})...")
        execucao = agendamento_executar(agendamento=alvo, manual=True)
        if execucao is None:
            raise CommandError(
                f"“{alvo.nome}” não foi iniciado: a execução anterior ainda está em andamento.", returncode=1
            )
        duracao = f"{(execucao.fim - execucao.inicio).total_seconds():.1f}".replace(".", ",")
        resultado = json.dumps(execucao.resultado, ensure_ascii=False, indent=2)
        if execucao.status == AgendamentoExecucao.Status.FALHA:
            raise CommandError(f"Falhou em {duracao} s: {execucao.erro}", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"Concluído em {duracao} s. Resultado:"))
        self.stdout.write(resultado)
