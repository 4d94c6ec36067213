from django.core.management.base import BaseCommand, CommandError

from brm.common.errors import ErroDeNegocio
from brm.local.demo import USUARIOS_DEMO, demo_criar
from brm.usuarios.models import Usuario


class Command(BaseCommand):
    help = (
        "Cria dados de demonstração (operadoras, clientes, um usuário por papel, processos do mês) e leva parte do "
        "mês por todas as situações com os serviços reais e o simulador de robôs. Idempotente."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--se-vazio", action="store_true", help="Só cria quando o banco ainda não tem nenhum usuário."
        )
        parser.add_argument("--listar-logins", action="store_true", help="Só mostra os logins de demonstração.")

    def handle(self, *args, se_vazio=False, listar_logins=False, **options):
        if listar_logins:
            self._listar_logins()
            return
        if se_vazio and Usuario.objects.exists():
            self.stdout.write("O banco já tem dados: nada a criar.")
            return
        try:
            resultado = demo_criar()
        except ErroDeNegocio as exc:
            raise CommandError(exc.mensagem) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Demonstração: {resultado.operadoras} operadoras, {resultado.clientes} clientes novos, "
                f"{resultado.usuarios} usuários novos, {resultado.processos_criados} processos criados."
            )
        )
        mes = resultado.mes
        self.stdout.write(self.style.SUCCESS(mes.resumo()) if mes.criado else mes.resumo())
        self._listar_logins()

    def _listar_logins(self):
        existentes = set(
            Usuario.objects.filter(email__in=[u[0] for u in USUARIOS_DEMO]).values_list("email", flat=True)
        )
        if not existentes:
            self.stdout.write("Nenhum usuário de demonstração neste banco.")
        for email, _, papel, senha in USUARIOS_DEMO:
            if email in existentes:
                self.stdout.write(f"  {papel:<10} {email:<22} senha: {senha}")
