import django.db.models.deletion
import simple_history.models
import uuid
from django.conf import settings
from django.db import migrations, models

from brm.common.auditoria import historico_iniciar


def iniciar_historico(apps, schema_editor):
    # Each existing record gets a first history row, so the first change made afterwards shows what it changed.
    historico_iniciar(apps, "agendamentos.Agendamento")


class Migration(migrations.Migration):

    dependencies = [
        ('agendamentos', '0002_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalAgendamento',
            fields=[
                ('id', models.UUIDField(db_index=True, default=uuid.uuid4, editable=False, verbose_name='id')),
                ('created_at', models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name='criado em')),
                ('segredos_alterados', models.JSONField(blank=True, default=list, help_text='Os segredos (senhas, tokens) que esta alteração trocou. Só o nome: o valor nunca fica no histórico.', verbose_name='segredos alterados')),
                ('nome', models.CharField(db_index=True, max_length=100, verbose_name='nome')),
                ('tipo', models.CharField(choices=[('CRIAR_PROCESSOS_MENSAIS', 'Criar processos do mês'), ('EXECUTAR_DOWNLOADS', 'Executar downloads'), ('ENVIAR_RELATORIOS', 'Enviar relatórios'), ('LIMPEZA_LOGS', 'Limpeza de logs'), ('BACKUP_DADOS', 'Backup dos dados')], max_length=30, verbose_name='tipo')),
                ('expressao_cron', models.CharField(help_text='Cinco campos: minuto hora dia-do-mês mês dia-da-semana.', max_length=100, verbose_name='expressão cron')),
                ('fuso_horario', models.CharField(default='America/Sao_Paulo', max_length=64, verbose_name='fuso horário')),
                ('parametros', models.JSONField(blank=True, default=dict, verbose_name='parâmetros')),
                ('ativo', models.BooleanField(default=True, verbose_name='ativo')),
                ('history_change_reason', models.TextField(null=True, verbose_name='origem')),
                ('history_id', models.BigAutoField(editable=False, primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='alterado por')),
            ],
            options={
                'verbose_name': 'histórico de agendamento',
                'verbose_name_plural': 'históricos de agendamentos',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(iniciar_historico, migrations.RunPython.noop),
    ]
