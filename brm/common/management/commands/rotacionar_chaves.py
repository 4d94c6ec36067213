from django.core.management.base import BaseCommand

from brm.common.services import segredos_recifrar


class Command(BaseCommand):
    help = (
        "Recifra todos os segredos gravados com a chave mais nova de FERNET_KEYS. "
        "Depois disso as chaves antigas podem sair da lista."
    )

    def handle(self, *args, **options):
        for modelo, total in segredos_recifrar().items():
            self.stdout.write(f"{modelo}: {total} registros recifrados.")
        self.stdout.write(self.style.SUCCESS("Pronto: todos os segredos usam a chave mais nova."))
