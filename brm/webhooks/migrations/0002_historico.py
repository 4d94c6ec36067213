import django.core.validators
import django.db.models.deletion
import simple_history.models
import uuid
from django.conf import settings
from django.db import migrations, models

from brm.common.auditoria import historico_iniciar


def iniciar_historico(apps, schema_editor):
    # Each existing record gets a first history row, so the first change made afterwards shows what it changed.
    historico_iniciar(apps, "webhooks.Webhook")


class Migration(migrations.Migration):

    dependencies = [
        ('webhooks', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalWebhook',
            fields=[
                ('id', models.UUIDField(db_index=True, default=uuid.uuid4, editable=False, verbose_name='id')),
                ('created_at', models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name='criado em')),
                ('segredos_alterados', models.JSONField(blank=True, default=list, help_text='Os segredos (senhas, tokens) que esta alteração trocou. Só o nome: o valor nunca fica no histórico.', verbose_name='segredos alterados')),
                ('nome', models.CharField(help_text='Quem recebe (por exemplo: ERP financeiro).', max_length=100, verbose_name='nome')),
                ('url', models.URLField(help_text='Endereço http ou https que recebe um POST com o evento em JSON.', max_length=500, validators=[django.core.validators.URLValidator(schemes=['http', 'https'])], verbose_name='endereço')),
                ('eventos', models.JSONField(blank=True, default=list, help_text='Os eventos que este endereço recebe.', verbose_name='eventos')),
                ('ativo', models.BooleanField(default=True, help_text='Desativado, deixa de receber eventos novos.', verbose_name='ativo')),
                ('history_change_reason', models.TextField(null=True, verbose_name='origem')),
                ('history_id', models.BigAutoField(editable=False, primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('criado_por', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='criado por')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='alterado por')),
            ],
            options={
                'verbose_name': 'histórico de webhook',
                'verbose_name_plural': 'históricos de webhooks',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(iniciar_historico, migrations.RunPython.noop),
    ]
