"""`manage.py executar_downloads`: parses its options, queues the downloads through the service, says what it did."""

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from processos.models import Execucao, Processo
from tests.factories import ExecucaoFactory, OperadoraFactory, ProcessoFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tarefas")]

E = Execucao.Status
RAIZ = Path(__file__).resolve().parents[2]


def executar(*args) -> str:
    saida = io.StringIO()
    call_command("executar_downloads", *args, stdout=saida)
    return saida.getvalue().strip()


def test_enfileira_os_processos_da_competencia_e_resume_o_que_fez(tarefas, django_capture_on_commit_callbacks):
    aguardando = [ProcessoFactory() for _ in range(2)]
    em_andamento = ExecucaoFactory(status=E.EM_EXECUCAO)
    ProcessoFactory(competencia=dt.date(2026, 10, 1))
    ProcessoFactory(status=Processo.Status.AGUARDANDO_APROVACAO)

    with django_capture_on_commit_callbacks(execute=True):
        saida = executar("--competencia", "2026-11")

    assert saida == (
        "Competência 11/2026: 2 downloads enfileirados, 1 processos aguardando ficaram de fora "
        "(já em andamento, falha anterior ou limite)."
    )
    novas = Execucao.objects.filter(status=E.PENDENTE)
    assert {e.processo_id for e in novas} == {p.pk for p in aguardando}
    assert {(e.origem, e.solicitado_por_id, e.tipo) for e in novas} == {
        (Execucao.Origem.MANUAL, None, Execucao.Tipo.DOWNLOAD_FATURA)
    }
    assert Execucao.objects.filter(processo=em_andamento.processo).count() == 1
    assert tarefas == [("despachar_execucoes", (), {})]


def test_sem_competencia_usa_o_mes_corrente_em_sao_paulo(tarefas):
    novembro = ProcessoFactory(competencia=dt.date(2026, 11, 1))
    ProcessoFactory(competencia=dt.date(2026, 12, 1))

    # 01:30 UTC on December 1st is still November 30th in São Paulo.
    with time_machine.travel(dt.datetime(2026, 12, 1, 1, 30, tzinfo=dt.UTC), tick=False):
        saida = executar()

    assert saida.startswith("Competência 11/2026: 1 downloads enfileirados")
    assert Execucao.objects.get().processo_id == novembro.pk


def test_filtra_por_operadora_e_limite():
    vivo = OperadoraFactory(codigo="vivo")
    claro = OperadoraFactory(codigo="claro")
    tim = OperadoraFactory(codigo="tim")
    for operadora in (vivo, claro, tim):
        ProcessoFactory.create_batch(2, cliente__operadora=operadora)

    saida = executar("--competencia", "2026-11", "--operadora", "vivo", "--operadora", "claro", "--limite", "3")

    assert saida.startswith("Competência 11/2026: 3 downloads enfileirados, 1 processos aguardando ficaram de fora")
    codigos = Execucao.objects.values_list("processo__cliente__operadora__codigo", flat=True)
    assert len(codigos) == 3 and set(codigos) <= {"vivo", "claro"}


def test_todos_inclui_os_que_falharam_como_reexecucao():
    falhou = ExecucaoFactory(status=E.FALHA)

    assert executar("--competencia", "2026-11").startswith("Competência 11/2026: 0 downloads enfileirados, 1 ")
    saida = executar("--competencia", "2026-11", "--todos")

    assert saida.startswith("Competência 11/2026: 1 downloads enfileirados, 0 ")
    nova = Execucao.objects.get(status=E.PENDENTE)
    assert (nova.origem, nova.anterior, nova.tentativa) == (Execucao.Origem.REEXECUCAO, falhou, 2)


@pytest.mark.parametrize(
    "args, mensagem",
    [
        (
            ["--competencia", "2026-13"],
            "Competência inválida: '2026-13'. Use o formato AAAA-MM, com mês de 01 a 12 (por exemplo 2026-11).",
        ),
        (
            ["--competencia", "2026-11", "--operadora", "vivo", "--operadora", "nextel"],
            "Operadora desconhecida: nextel.",
        ),
        (["--competencia", "2026-11", "--limite", "0"], "O limite precisa ser um número positivo."),
    ],
    ids=["competencia_invalida", "operadora_desconhecida", "limite_zero"],
)
def test_opcao_invalida_para_com_codigo_2_sem_enfileirar_nada(tarefas, args, mensagem):
    OperadoraFactory(codigo="vivo")
    ProcessoFactory(cliente__operadora__codigo="claro")

    with pytest.raises(CommandError) as erro:
        executar(*args)

    assert str(erro.value) == mensagem
    assert erro.value.returncode == 2
    assert not Execucao.objects.exists()
    assert tarefas == []


def test_competencia_invalida_pela_linha_de_comando_sai_com_codigo_2():
    # The parse fails before any database access, so the real command line can be checked without one.
    ambiente = {**os.environ, "DJANGO_SETTINGS_MODULE": "brm.settings.test"}
    processo = subprocess.run(
        [sys.executable, "manage.py", "executar_downloads", "--competencia", "2026-13"],
        cwd=RAIZ,
        env=ambiente,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert processo.returncode == 2
    assert "Competência inválida: '2026-13'" in processo.stderr
