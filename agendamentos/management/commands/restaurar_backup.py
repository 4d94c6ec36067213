from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.template.defaultfilters import filesizeformat

from agendamentos.backup.restauracao import backup_restaurar
from brm.common.errors import ErroDeNegocio


class Command(BaseCommand):
    help = (
        "Restaura um backup feito por backup_dados: confere cada arquivo contra o SHA-256 do manifesto antes de "
        "mudar qualquer coisa, restaura o banco (que precisa estar vazio) e põe as faturas em MEDIA_ROOT. "
        "Passo a passo em docs/backup.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("arquivo", help="O backup: brm-AAAAMMDD-HHMMSS.dump.tar ou .sqlite3.tar.")
        parser.add_argument(
            "--substituir-arquivos",
            action="store_true",
            help="Troca pelos do backup os arquivos que já estão em MEDIA_ROOT com outro conteúdo (sem isso, recusa).",
        )
        modo = parser.add_mutually_exclusive_group()
        modo.add_argument(
            "--somente-arquivos",
            action="store_true",
            help="Restaura só as faturas, para um sistema que já tem os seus dados; o banco não é tocado.",
        )
        modo.add_argument(
            "--apenas-verificar", action="store_true", help="Só confere o backup contra o manifesto; não muda nada."
        )

    def handle(self, *args, arquivo, substituir_arquivos, somente_arquivos, apenas_verificar, **options):
        try:
            resultado = backup_restaurar(
                caminho=arquivo,
                substituir_arquivos=substituir_arquivos,
                somente_arquivos=somente_arquivos,
                apenas_verificar=apenas_verificar,
            )
        except ErroDeNegocio as exc:
            raise CommandError(exc.mensagem, returncode=1) from exc
        self.stdout.write(
            f"Backup conferido: o banco ({filesizeformat(resultado['tamanho_dados'])}) e "
            f"{resultado['arquivos']} arquivo(s) de fatura ({filesizeformat(resultado['bytes_arquivos'])}) "
            f"conferem com o SHA-256 do manifesto. SHA-256 da cópia: {resultado['sha256']}."
        )
        if not apenas_verificar:
            if resultado["dados_restaurados"]:
                self.stdout.write(
                    f"Banco restaurado em “{connection.settings_dict['NAME']}” ({resultado['tabelas']} tabelas)."
                )
            self.stdout.write(
                f"Faturas em {settings.MEDIA_ROOT}: {resultado['gravados']} gravada(s), {resultado['substituidos']} "
                f"substituída(s), {resultado['iguais']} já estavam lá iguais."
            )
        ausentes = resultado["ausentes_no_backup"]
        if ausentes:
            self.stderr.write(
                self.style.WARNING(
                    f"ATENÇÃO: {len(ausentes)} arquivo(s) de fatura já faltavam quando o backup foi feito e não "
                    f"puderam ser restaurados: {', '.join(ausentes[:10])}"
                    f"{' ...' if len(ausentes) > 10 else ''} (lista completa no MANIFESTO.json)."
                )
            )
        faltando = resultado.get("faltando") or []
        if faltando:
            self.stderr.write(
                self.style.WARNING(
                    f"ATENÇÃO: {len(faltando)} arquivo(s) que o banco referencia não estão em MEDIA_ROOT: "
                    f"{', '.join(faltando[:10])}{' ...' if len(faltando) > 10 else ''}."
                )
            )
        if apenas_verificar:
            self.stdout.write(self.style.SUCCESS("Nada foi alterado (--apenas-verificar)."))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    "Restauração concluída. Próximos passos: manage.py migrate (se esta versão for mais nova que a "
                    "do backup) e suba o sistema com as mesmas FERNET_KEYS de antes."
                )
            )
