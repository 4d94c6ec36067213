import django.core.validators
import django.db.models.deletion
import simple_history.models
import uuid
from django.conf import settings
from django.db import migrations, models

from brm.common.auditoria import historico_iniciar


def iniciar_historico(apps, schema_editor):
    # Each existing record gets a first history row, so the first change made afterwards shows what it changed.
    historico_iniciar(apps, "rpa.ConfiguracaoRPA")


class Migration(migrations.Migration):

    dependencies = [
        ('rpa', '0002_teto_ocupacao_endpoint_cancelamento'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalConfiguracaoRPA',
            fields=[
                ('id', models.UUIDField(db_index=True, default=uuid.uuid4, editable=False, verbose_name='id')),
                ('created_at', models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name='criado em')),
                ('segredos_alterados', models.JSONField(blank=True, default=list, help_text='Os segredos (senhas, tokens) que esta alteração trocou. Só o nome: o valor nunca fica no histórico.', verbose_name='segredos alterados')),
                ('chave', models.CharField(db_index=True, default='padrao', editable=False, max_length=10)),
                ('url_base', models.URLField(help_text='Por exemplo http://191.252.218.230:8000', verbose_name='endereço da API de robôs')),
                ('robo_sat', models.SlugField(default='sat', verbose_name='robô do SAT')),
                ('intervalo_polling_ms', models.PositiveIntegerField(default=2000, help_text='De quanto em quanto tempo a situação e os logs dos trabalhos em execução são lidos.', validators=[django.core.validators.MinValueValidator(100)], verbose_name='intervalo de acompanhamento (ms)')),
                ('timeout_execucao_segundos', models.PositiveIntegerField(default=1800, help_text='Depois disso o trabalho é dado como falho.', validators=[django.core.validators.MinValueValidator(10)], verbose_name='tempo máximo de um trabalho (s)')),
                ('timeout_http_segundos', models.PositiveSmallIntegerField(default=15, validators=[django.core.validators.MinValueValidator(1)], verbose_name='tempo máximo de cada chamada HTTP (s)')),
                ('limite_global', models.PositiveSmallIntegerField(default=5, validators=[django.core.validators.MinValueValidator(1)], verbose_name='trabalhos simultâneos (máx. global)')),
                ('max_tentativas_envio', models.PositiveSmallIntegerField(default=6, help_text='Quantas vezes um trabalho é reenviado após erro temporário (API fora do ar, 5xx, 429).', validators=[django.core.validators.MinValueValidator(1)], verbose_name='tentativas em erros temporários')),
                ('backoff_base_segundos', models.PositiveSmallIntegerField(default=5, verbose_name='espera inicial entre tentativas (s)')),
                ('backoff_max_segundos', models.PositiveIntegerField(default=300, verbose_name='espera máxima entre tentativas (s)')),
                ('reexecucoes_automaticas', models.PositiveSmallIntegerField(default=2, help_text='Quantas vezes um trabalho que falhou por motivo passageiro (portal fora do ar, fatura ainda indisponível, tempo esgotado) é refeito sozinho.', verbose_name='reexecuções automáticas')),
                ('intervalo_reexecucao_minutos', models.PositiveIntegerField(default=30, verbose_name='espera antes de reexecutar (min)')),
                ('teto_ocupacao_minutos', models.PositiveIntegerField(default=120, help_text='Um trabalho que o BRM deixou de acompanhar (tempo esgotado, cancelado, envio sem resposta) continua ocupando vaga enquanto o robô não diz que terminou; passado este tempo, a vaga é liberada e a execução diz que alguém precisa conferir no robô.', validators=[django.core.validators.MinValueValidator(1)], verbose_name='teto de ocupação sem resposta (min)')),
                ('endpoint_cancelamento', models.CharField(blank=True, help_text='Só se o robô oferecer cancelamento (não faz parte do contrato): o caminho do POST, com {job_id}, por exemplo /jobs/{job_id}/cancelar. Em branco, cancelar só para o acompanhamento no BRM.', max_length=200, verbose_name='endereço para cancelar um trabalho')),
                ('history_change_reason', models.TextField(null=True, verbose_name='origem')),
                ('history_id', models.BigAutoField(editable=False, primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='alterado por')),
            ],
            options={
                'verbose_name': 'histórico de configuração dos robôs',
                'verbose_name_plural': 'históricos de configuração dos robôs',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(iniciar_historico, migrations.RunPython.noop),
    ]
