"""Every invoice file a process has had: the table, and rows for the files that processes already hold.

The data step writes one row per process that holds an invoice now (waiting approval, or approved). The
files of invoices rejected before this table existed stayed in storage under the name the upload chose
(`faturas/<AAAA-MM>/<process id>-<start of the sha256>.pdf`), but nothing pointed to them: they are found by
that name and paired, in time order, with the process's uploads and rejections from its timeline. Their
amounts were cleared when they were rejected and stay unknown.
"""

import hashlib
import uuid
from pathlib import PurePosixPath

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import migrations, models

AGUARDANDO_DOWNLOAD = "AGUARDANDO_DOWNLOAD"
AGUARDANDO_APROVACAO = "AGUARDANDO_APROVACAO"
LOTE = 2000


def _lotes(ids):
    ids = list(ids)
    for inicio in range(0, len(ids), LOTE):
        yield ids[inicio : inicio + LOTE]


def _por_processo(linhas):
    """(processo_id, ...) rows, kept in their order, grouped by process."""
    grupos = {}
    for linha in linhas:
        grupos.setdefault(linha[0], []).append(linha[1:])
    return grupos


def _envios(ProcessoEvento, ids):
    return _por_processo(
        ProcessoEvento.objects.filter(processo_id__in=ids, para=AGUARDANDO_APROVACAO)
        .order_by("quando")
        .values_list("processo_id", "por_id", "quando")
    )


def _sha256(nome):
    resumo = hashlib.sha256()
    with default_storage.open(nome, "rb") as arquivo:
        while bloco := arquivo.read(1024 * 1024):
            resumo.update(bloco)
    return resumo.hexdigest()


def _arquivos_da_pasta(pasta, cache):
    if pasta not in cache:
        try:
            _, arquivos = default_storage.listdir(pasta)
        except (OSError, NotImplementedError):
            arquivos = []
        cache[pasta] = arquivos
    return cache[pasta]


def _gravado_em(nome):
    try:
        return default_storage.get_modified_time(nome).timestamp()
    except (OSError, NotImplementedError):
        return 0.0


def arquivos_das_faturas_criar(apps, schema_editor):
    """Rows for the invoices processes hold now and for the rejected ones left in storage (again: harmless)."""
    Processo = apps.get_model("processos", "Processo")
    ProcessoEvento = apps.get_model("processos", "ProcessoEvento")
    FaturaArquivo = apps.get_model("processos", "FaturaArquivo")

    com_fatura = (
        Processo.objects.exclude(fatura="")
        .exclude(pk__in=FaturaArquivo.objects.exclude(status="REJEITADA").values("processo_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for ids in _lotes(com_fatura):
        envios = _envios(ProcessoEvento, ids)
        novas = []
        for processo in Processo.objects.filter(pk__in=ids):
            por_id, quando = (envios.get(processo.pk) or [(None, processo.updated_at)])[-1]
            aguardando = processo.status == AGUARDANDO_APROVACAO
            novas.append(
                FaturaArquivo(
                    processo_id=processo.pk,
                    arquivo=processo.fatura.name,
                    sha256=processo.fatura_sha256,
                    nome_original=processo.fatura_nome_original,
                    valor_total=processo.valor_total,
                    vencimento=processo.vencimento,
                    numero_fatura=processo.numero_fatura,
                    origem="MANUAL" if por_id else "ROBO",
                    enviado_por_id=por_id,
                    criado_em=quando,
                    status=AGUARDANDO_APROVACAO if aguardando else "APROVADA",
                    decidido_por_id=None if aguardando else processo.aprovado_por_id,
                    decidido_em=None if aguardando else processo.aprovado_em,
                )
            )
        FaturaArquivo.objects.bulk_create(novas)

    rejeicoes = ProcessoEvento.objects.filter(de=AGUARDANDO_APROVACAO, para=AGUARDANDO_DOWNLOAD)
    com_rejeicao = (
        rejeicoes.exclude(processo_id__in=FaturaArquivo.objects.filter(status="REJEITADA").values("processo_id"))
        .order_by("processo_id")
        .values_list("processo_id", flat=True)
        .distinct()
    )
    pastas = {}
    for ids in _lotes(com_rejeicao):
        envios = _envios(ProcessoEvento, ids)
        rejeitadas = _por_processo(
            rejeicoes.filter(processo_id__in=ids)
            .order_by("quando")
            .values_list("processo_id", "por_id", "quando", "motivo")
        )
        novas = []
        for processo in Processo.objects.filter(pk__in=ids):
            pasta = f"faturas/{processo.competencia:%Y-%m}"
            atual = PurePosixPath(processo.fatura.name).name if processo.fatura else ""
            nomes = [
                f"{pasta}/{nome}"
                for nome in _arquivos_da_pasta(pasta, pastas)
                if nome.startswith(f"{processo.pk}-") and nome.endswith(".pdf") and nome != atual
            ]
            nomes.sort(key=lambda nome: (_gravado_em(nome), nome))
            # The k-th file kept was the k-th upload, and the k-th rejection set it aside.
            for nome, (por_id, quando), (decidido_por_id, decidido_em, motivo) in zip(
                nomes, envios.get(processo.pk, []), rejeitadas[processo.pk]
            ):
                try:
                    sha256 = _sha256(nome)
                except OSError:
                    continue
                novas.append(
                    FaturaArquivo(
                        processo_id=processo.pk,
                        arquivo=nome,
                        sha256=sha256,
                        origem="MANUAL" if por_id else "ROBO",
                        enviado_por_id=por_id,
                        criado_em=quando,
                        status="REJEITADA",
                        motivo_rejeicao=motivo,
                        decidido_por_id=decidido_por_id,
                        decidido_em=decidido_em,
                    )
                )
        FaturaArquivo.objects.bulk_create(novas)


class Migration(migrations.Migration):

    dependencies = [
        ('processos', '0011_indices_da_fila_de_aprovacao'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='FaturaArquivo',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False, verbose_name='id')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='criado em')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='atualizado em')),
                ('arquivo', models.FileField(max_length=255, upload_to='faturas/', verbose_name='arquivo (PDF)')),
                ('sha256', models.CharField(max_length=64, verbose_name='SHA-256')),
                ('nome_original', models.CharField(blank=True, max_length=255, verbose_name='nome original do arquivo')),
                ('valor_total', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name='valor total')),
                ('vencimento', models.DateField(blank=True, null=True, verbose_name='vencimento')),
                ('numero_fatura', models.CharField(blank=True, max_length=100, verbose_name='número da fatura')),
                ('origem', models.CharField(choices=[('ROBO', 'Robô'), ('MANUAL', 'Manual')], max_length=8, verbose_name='origem')),
                ('criado_em', models.DateTimeField(default=django.utils.timezone.now, verbose_name='recebido em')),
                ('status', models.CharField(choices=[('AGUARDANDO_APROVACAO', 'Aguardando aprovação'), ('APROVADA', 'Aprovada'), ('REJEITADA', 'Rejeitada')], default='AGUARDANDO_APROVACAO', max_length=24, verbose_name='situação')),
                ('motivo_rejeicao', models.TextField(blank=True, verbose_name='motivo da rejeição')),
                ('decidido_em', models.DateTimeField(blank=True, null=True, verbose_name='decidido em')),
                ('decidido_por', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decidido por')),
                ('enviado_por', models.ForeignKey(blank=True, help_text='Quem enviou o arquivo à mão; vazio quando o robô o baixou.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='enviado por')),
                ('execucao', models.ForeignKey(blank=True, help_text='O download do robô que trouxe o arquivo.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='processos.execucao', verbose_name='execução')),
                ('processo', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='arquivos_fatura', to='processos.processo', verbose_name='processo')),
            ],
            options={
                'verbose_name': 'arquivo de fatura',
                'verbose_name_plural': 'arquivos de fatura',
                'ordering': ['processo', 'criado_em'],
                'indexes': [models.Index(fields=['processo', 'criado_em'], name='faturaarquivo_proc_criado_idx')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'REJEITADA'), _negated=True), fields=('processo',), name='faturaarquivo_uma_vigente_por_processo')],
            },
        ),
        migrations.RunPython(arquivos_das_faturas_criar, migrations.RunPython.noop, elidable=False),
    ]
