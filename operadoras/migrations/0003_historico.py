import django.core.validators
import django.db.models.deletion
import simple_history.models
import uuid
from django.conf import settings
from django.db import migrations, models

from brm.common.auditoria import historico_iniciar


def iniciar_historico(apps, schema_editor):
    # Each existing record gets a first history row, so the first change made afterwards shows what it changed.
    historico_iniciar(apps, "operadoras.Operadora")


class Migration(migrations.Migration):

    dependencies = [
        ('operadoras', '0002_operadora_dia_emissao'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalOperadora',
            fields=[
                ('id', models.UUIDField(db_index=True, default=uuid.uuid4, editable=False, verbose_name='id')),
                ('created_at', models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name='criado em')),
                ('segredos_alterados', models.JSONField(blank=True, default=list, help_text='Os segredos (senhas, tokens) que esta alteração trocou. Só o nome: o valor nunca fica no histórico.', verbose_name='segredos alterados')),
                ('nome', models.CharField(db_index=True, max_length=100, verbose_name='nome')),
                ('codigo', models.SlugField(help_text='Nome do robô na API (por exemplo: vivo, claro).', verbose_name='código')),
                ('possui_rpa', models.BooleanField(default=True, help_text='Existe robô para o portal desta operadora.', verbose_name='possui robô')),
                ('rpa_terceirizado', models.BooleanField(default=False, help_text='O robô é operado por terceiros, no endereço abaixo.', verbose_name='robô terceirizado')),
                ('url_endpoint_rpa', models.URLField(blank=True, help_text='Substitui o endereço global da API de robôs para esta operadora.', verbose_name='endereço do robô')),
                ('max_execucoes_simultaneas', models.PositiveSmallIntegerField(default=3, help_text='Quantos robôs podem acessar o portal ao mesmo tempo.', validators=[django.core.validators.MinValueValidator(1)], verbose_name='execuções simultâneas (máx.)')),
                ('dia_emissao', models.PositiveSmallIntegerField(blank=True, help_text='Dia do mês (1 a 28) em que as faturas desta operadora costumam sair. Depois dele, o painel aponta como atrasada a fatura que ainda aguarda download. Cada cliente pode ter o seu dia.', null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(28)], verbose_name='dia de emissão')),
                ('ativa', models.BooleanField(default=True, verbose_name='ativa')),
                ('history_change_reason', models.TextField(null=True, verbose_name='origem')),
                ('history_id', models.BigAutoField(editable=False, primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='alterado por')),
            ],
            options={
                'verbose_name': 'histórico de operadora',
                'verbose_name_plural': 'históricos de operadoras',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(iniciar_historico, migrations.RunPython.noop),
    ]
