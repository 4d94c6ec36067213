import django.db.models.deletion
import django.utils.timezone
import simple_history.models
import uuid
from django.conf import settings
from django.db import migrations, models

from brm.common.auditoria import historico_iniciar


def iniciar_historico(apps, schema_editor):
    # Each existing record gets a first history row, so the first change made afterwards shows what it changed.
    historico_iniciar(apps, "usuarios.Usuario")


class Migration(migrations.Migration):

    dependencies = [
        ('usuarios', '0005_papeis_webhooks'),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalUsuario',
            fields=[
                ('is_superuser', models.BooleanField(default=False, help_text='Designates that this user has all permissions without explicitly assigning them.', verbose_name='superuser status')),
                ('id', models.UUIDField(db_index=True, default=uuid.uuid4, editable=False, verbose_name='id')),
                ('created_at', models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name='criado em')),
                ('segredos_alterados', models.JSONField(blank=True, default=list, help_text='Os segredos (senhas, tokens) que esta alteração trocou. Só o nome: o valor nunca fica no histórico.', verbose_name='segredos alterados')),
                ('email', models.EmailField(db_index=True, max_length=254, verbose_name='e-mail')),
                ('nome', models.CharField(blank=True, max_length=150, verbose_name='nome')),
                ('papel', models.CharField(choices=[('ADMIN', 'Administrador'), ('OPERADOR', 'Operador'), ('APROVADOR', 'Aprovador'), ('LEITURA', 'Leitura')], default='LEITURA', max_length=12, verbose_name='papel')),
                ('is_active', models.BooleanField(default=True, verbose_name='ativo')),
                ('is_staff', models.BooleanField(default=True, help_text='Permite entrar no painel administrativo.', verbose_name='acesso ao admin')),
                ('date_joined', models.DateTimeField(default=django.utils.timezone.now, verbose_name='cadastrado em')),
                ('history_change_reason', models.TextField(null=True, verbose_name='origem')),
                ('history_id', models.BigAutoField(editable=False, primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='alterado por')),
            ],
            options={
                'verbose_name': 'histórico de usuário',
                'verbose_name_plural': 'históricos de usuários',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(iniciar_historico, migrations.RunPython.noop),
    ]
