"""The ops commands `backup_dados`, `limpar_logs` and `enviar_relatorios`: the schedule types run by hand."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from processos.models import ExecucaoLog

from ..factories import ExecucaoLogFactory, ProcessoFactory

pytestmark = pytest.mark.django_db


def _rodar(*argumentos: str) -> str:
    saida = io.StringIO()
    call_command(*argumentos, stdout=saida)
    return saida.getvalue()


@pytest.mark.parametrize(
    ("argumentos", "mensagem"),
    [
        (["backup_dados", "--manter", "0"], "“manter” deve estar entre 1 e 365"),
        (["backup_dados", "--pasta", "relativa/copias"], "caminho absoluto"),
        (["limpar_logs", "--dias-retencao", "0"], "“dias_retencao” deve estar entre 1 e 3650"),
        (["enviar_relatorios"], "Informe ao menos um destinatário."),
        (["enviar_relatorios", "--destinatario", "financeiro@"], "E-mail inválido: financeiro@."),
        (["enviar_relatorios", "--destinatario", "a@brm.test", "--competencia", "proxima"], "“proxima” desconhecida"),
        (["enviar_relatorios", "--destinatario", "a@brm.test", "--dias-vencimento", "-1"], "“dias_vencimento”"),
    ],
)
def test_entrada_ruim_sai_com_codigo_2_e_a_mensagem(argumentos, mensagem):
    with pytest.raises(CommandError) as erro:
        _rodar(*argumentos)

    assert erro.value.returncode == 2
    assert mensagem in str(erro.value)
    assert not mail.outbox


def test_backup_dados_grava_a_copia_e_diz_onde(tmp_path):
    saida = _rodar("backup_dados", "--pasta", str(tmp_path), "--manter", "2")

    (copia,) = tmp_path.iterdir()
    assert copia.name.endswith(".dump.tar" if connection.vendor == "postgresql" else ".sqlite3.tar")
    assert f"Cópia gravada e verificada: {copia}" in saida
    assert "com o banco e 0 arquivo(s) de fatura" in saida
    assert "Cópias antigas removidas: 0." in saida


def test_backup_que_falha_sai_com_codigo_1(tmp_path):
    (tmp_path / "arquivo").write_text("não é uma pasta")

    with pytest.raises(CommandError) as erro:
        _rodar("backup_dados", "--pasta", str(tmp_path / "arquivo" / "copias"))

    assert erro.value.returncode == 1
    assert "Não foi possível criar a pasta dos backups" in str(erro.value)


def test_limpar_logs_apaga_e_resume():
    ExecucaoLogFactory(quando=timezone.now() - dt.timedelta(days=11))
    ExecucaoLogFactory(quando=timezone.now() - dt.timedelta(days=9))

    saida = _rodar("limpar_logs", "--dias-retencao", "10")

    assert ExecucaoLog.objects.count() == 1
    assert "1 linhas de log e 0 execuções de agendamentos; 0 tokens da API expirados" in saida


def test_enviar_relatorios_manda_o_resumo_do_mes(settings):
    ProcessoFactory.create_batch(2, competencia=timezone.localdate().replace(day=1))

    saida = _rodar("enviar_relatorios", "--destinatario", "a@brm.test", "--destinatario", "b@brm.test")

    (mensagem,) = mail.outbox
    assert mensagem.to == ["a@brm.test", "b@brm.test"]
    assert mensagem.attachments
    assert f"Resumo de {timezone.localdate():%m/%Y} (2 processos) enviado a 2 destinatário(s)" in saida
