import brm.common.fields
import django.core.validators
import django.db.models.deletion
import simple_history.models
import uuid
from django.conf import settings
from django.db import migrations, models

from brm.common.auditoria import historico_iniciar


def iniciar_historico(apps, schema_editor):
    # Each existing record gets a first history row, so the first change made afterwards shows what it changed.
    historico_iniciar(apps, "clientes.Cliente")


class Migration(migrations.Migration):

    dependencies = [
        ('clientes', '0002_cliente_dia_emissao_texto'),
        ('operadoras', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalCliente',
            fields=[
                ('id', models.UUIDField(db_index=True, default=uuid.uuid4, editable=False, verbose_name='id')),
                ('created_at', models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name='criado em')),
                ('segredos_alterados', models.JSONField(blank=True, default=list, help_text='Os segredos (senhas, tokens) que esta alteração trocou. Só o nome: o valor nunca fica no histórico.', verbose_name='segredos alterados')),
                ('razao_social', models.CharField(max_length=200, verbose_name='razão social')),
                ('cnpj', brm.common.fields.CNPJField(help_text='Numérico ou alfanumérico, com ou sem pontuação.', verbose_name='CNPJ')),
                ('login_portal', models.CharField(blank=True, max_length=200, verbose_name='login no portal')),
                ('conta', models.CharField(blank=True, help_text='Número da conta na operadora.', max_length=100, verbose_name='conta')),
                ('unidade', models.CharField(blank=True, max_length=100, verbose_name='unidade')),
                ('dados_rpa', models.JSONField(blank=True, default=dict, help_text='Campos extras que o robô desta operadora usa.', verbose_name='dados para o robô')),
                ('codigo_sat', models.CharField(blank=True, max_length=50, verbose_name='código no SAT')),
                ('dia_emissao', models.PositiveSmallIntegerField(blank=True, help_text='Dia do mês em que a fatura desta conta costuma sair; em branco, vale o da operadora. Num mês mais curto, vale o último dia.', null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(31)], verbose_name='dia de emissão')),
                ('ativo', models.BooleanField(default=True, verbose_name='ativo')),
                ('history_change_reason', models.TextField(null=True, verbose_name='origem')),
                ('history_id', models.BigAutoField(editable=False, primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='alterado por')),
                ('operadora', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='operadoras.operadora', verbose_name='operadora')),
            ],
            options={
                'verbose_name': 'histórico de cliente',
                'verbose_name_plural': 'históricos de clientes',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(iniciar_historico, migrations.RunPython.noop),
    ]
