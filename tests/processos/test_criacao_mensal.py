"""Monthly creation of processes: the service and the `criar_processos_mensais` command."""

import datetime as dt
import io
import os
import subprocess
import sys
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from processos.models import Processo
from processos.services import processos_criar_mensais
from tests.factories import ClienteFactory, OperadoraFactory

NOVEMBRO = dt.date(2026, 11, 1)
DEZEMBRO = dt.date(2026, 12, 1)


@pytest.fixture
def carteira(db):
    """Three clients that get a process, and the two kinds that never do."""
    ativa = OperadoraFactory()
    inativa = OperadoraFactory(ativa=False)
    return {
        "elegiveis": ClienteFactory.create_batch(3, operadora=ativa),
        "cliente_inativo": ClienteFactory(operadora=ativa, ativo=False),
        "operadora_inativa": ClienteFactory(operadora=inativa),
    }


def _clientes_com_processo(competencia: dt.date) -> set:
    return set(Processo.objects.filter(competencia=competencia).values_list("cliente_id", flat=True))


def test_cria_um_processo_por_cliente_ativo_de_operadora_ativa(carteira):
    resultado = processos_criar_mensais(competencia=NOVEMBRO)

    assert (resultado.competencia, resultado.elegiveis, resultado.criados, resultado.existentes) == (NOVEMBRO, 3, 3, 0)
    assert not resultado.dry_run
    assert _clientes_com_processo(NOVEMBRO) == {c.pk for c in carteira["elegiveis"]}
    processos = Processo.objects.all()
    assert {p.status for p in processos} == {Processo.Status.AGUARDANDO_DOWNLOAD}
    assert all(p.fatura.name == "" and p.created_at is not None for p in processos)


def test_cliente_inativo_e_operadora_inativa_ficam_sem_processo(carteira):
    processos_criar_mensais(competencia=NOVEMBRO)

    assert not Processo.objects.filter(cliente=carteira["cliente_inativo"]).exists()
    assert not Processo.objects.filter(cliente=carteira["operadora_inativa"]).exists()


def test_competencia_no_meio_do_mes_vira_o_primeiro_dia(carteira):
    resultado = processos_criar_mensais(competencia=dt.date(2026, 11, 17))

    assert resultado.competencia == NOVEMBRO
    assert set(Processo.objects.values_list("competencia", flat=True)) == {NOVEMBRO}


def test_rodar_duas_vezes_nao_cria_nada_na_segunda(carteira):
    processos_criar_mensais(competencia=NOVEMBRO)
    ids_antes = set(Processo.objects.values_list("pk", flat=True))

    segunda = processos_criar_mensais(competencia=NOVEMBRO)

    assert (segunda.elegiveis, segunda.criados, segunda.existentes) == (3, 0, 3)
    assert set(Processo.objects.values_list("pk", flat=True)) == ids_antes


def test_cliente_novo_entre_duas_rodadas_ganha_so_o_seu_processo(carteira):
    processos_criar_mensais(competencia=NOVEMBRO)
    novo = ClienteFactory(operadora=carteira["elegiveis"][0].operadora)

    resultado = processos_criar_mensais(competencia=NOVEMBRO)

    assert (resultado.elegiveis, resultado.criados, resultado.existentes) == (4, 1, 3)
    assert novo.pk in _clientes_com_processo(NOVEMBRO)


def test_simulacao_nao_grava_nada_e_conta_certo(carteira):
    resultado = processos_criar_mensais(competencia=NOVEMBRO, dry_run=True)

    assert resultado.dry_run
    assert (resultado.elegiveis, resultado.criados, resultado.existentes) == (3, 3, 0)
    assert not Processo.objects.exists()


def test_simulacao_depois_de_criar_parte_conta_os_existentes(carteira):
    processos_criar_mensais(competencia=NOVEMBRO, cliente_ids=[carteira["elegiveis"][0].pk])

    resultado = processos_criar_mensais(competencia=NOVEMBRO, dry_run=True)

    assert (resultado.elegiveis, resultado.criados, resultado.existentes) == (3, 2, 1)
    assert Processo.objects.count() == 1


def test_processo_de_outro_mes_nao_conta_como_existente(carteira):
    processos_criar_mensais(competencia=NOVEMBRO)

    resultado = processos_criar_mensais(competencia=DEZEMBRO, dry_run=True)

    assert (resultado.criados, resultado.existentes) == (3, 0)


def test_cliente_ids_limita_a_criacao(carteira):
    escolhido = carteira["elegiveis"][1]

    resultado = processos_criar_mensais(competencia=NOVEMBRO, cliente_ids=[escolhido.pk])

    assert (resultado.elegiveis, resultado.criados) == (1, 1)
    assert _clientes_com_processo(NOVEMBRO) == {escolhido.pk}


def test_cliente_ids_nao_cria_para_cliente_inativo_escolhido(carteira):
    resultado = processos_criar_mensais(
        competencia=NOVEMBRO, cliente_ids=[carteira["cliente_inativo"].pk, carteira["operadora_inativa"].pk]
    )

    assert (resultado.elegiveis, resultado.criados) == (0, 0)
    assert not Processo.objects.exists()


def test_cliente_ids_vazio_nao_cria_nada(carteira):
    resultado = processos_criar_mensais(competencia=NOVEMBRO, cliente_ids=[])

    assert (resultado.elegiveis, resultado.criados) == (0, 0)
    assert not Processo.objects.exists()


@pytest.mark.parametrize(
    ("local", "competencia"),
    [
        # 23:30 on the last day in São Paulo is already 02:30 of the next month in UTC.
        (dt.datetime(2026, 11, 30, 23, 30), NOVEMBRO),
        (dt.datetime(2026, 12, 1, 0, 30), DEZEMBRO),
        (dt.datetime(2026, 12, 31, 22, 0), DEZEMBRO),
    ],
)
def test_competencia_padrao_e_o_mes_atual_em_sao_paulo(local, competencia, carteira):
    instante = local.replace(tzinfo=ZoneInfo("America/Sao_Paulo"))

    with time_machine.travel(instante, tick=False):
        resultado = processos_criar_mensais()

    assert resultado.competencia == competencia
    assert _clientes_com_processo(competencia) == {c.pk for c in carteira["elegiveis"]}


def test_meia_noite_e_meia_utc_do_dia_primeiro_ainda_e_o_mes_anterior(carteira):
    instante = dt.datetime(2026, 12, 1, 2, 30, tzinfo=dt.UTC)

    with time_machine.travel(instante, tick=False):
        resultado = processos_criar_mensais()

    assert resultado.competencia == NOVEMBRO


@pytest.mark.django_db
def test_numero_de_consultas_nao_cresce_com_os_clientes():
    operadora = OperadoraFactory()
    ClienteFactory.create_batch(3, operadora=operadora)
    with CaptureQueriesContext(connection) as poucos:
        processos_criar_mensais(competencia=NOVEMBRO)
    ClienteFactory.create_batch(27, operadora=operadora)
    with CaptureQueriesContext(connection) as muitos:
        resultado = processos_criar_mensais(competencia=DEZEMBRO)

    assert resultado.criados == 30
    assert len(muitos) == len(poucos)
    assert len(muitos) <= 4, [q["sql"] for q in muitos.captured_queries]


@pytest.mark.django_db
def test_numero_de_consultas_da_simulacao_nao_cresce_com_os_clientes():
    operadora = OperadoraFactory()
    ClienteFactory.create_batch(3, operadora=operadora)
    with CaptureQueriesContext(connection) as poucos:
        processos_criar_mensais(competencia=NOVEMBRO, dry_run=True)
    ClienteFactory.create_batch(27, operadora=operadora)
    with CaptureQueriesContext(connection) as muitos:
        processos_criar_mensais(competencia=NOVEMBRO, dry_run=True)

    assert len(muitos) == len(poucos)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_duas_rodadas_ao_mesmo_tempo_criam_cada_processo_uma_vez():
    operadora = OperadoraFactory()
    clientes = ClienteFactory.create_batch(20, operadora=operadora)
    barreira = threading.Barrier(2)
    resultados: list = []

    def criar() -> None:
        try:
            barreira.wait(timeout=10)
            resultados.append(processos_criar_mensais(competencia=NOVEMBRO))
        except BaseException as exc:  # a lock timeout or a duplicate must fail the assertions below
            resultados.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=criar) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(resultados) == 2
    assert all(not isinstance(r, BaseException) for r in resultados), resultados
    assert sum(r.criados for r in resultados) == 20
    assert Processo.objects.count() == 20
    assert _clientes_com_processo(NOVEMBRO) == {c.pk for c in clientes}


# The command ---------------------------------------------------------------------------------------------------


def _comando(*args: str) -> str:
    saida = io.StringIO()
    call_command("criar_processos_mensais", *args, stdout=saida)
    return saida.getvalue()


def test_comando_cria_e_mostra_o_resumo(carteira):
    saida = _comando("--competencia", "2026-11")

    assert saida.strip() == "Competência 11/2026: 3 processos criados, 0 já existiam."
    assert Processo.objects.filter(competencia=NOVEMBRO).count() == 3


def test_comando_rodado_de_novo_diz_que_ja_existiam(carteira):
    _comando("--competencia", "2026-11")

    saida = _comando("--competencia", "2026-11")

    assert saida.strip() == "Competência 11/2026: 0 processos criados, 3 já existiam."
    assert Processo.objects.count() == 3


def test_comando_em_simulacao_nao_grava_e_diz_o_que_faria(carteira):
    saida = _comando("--competencia", "2026-11", "--dry-run")

    assert saida.strip() == "Competência 11/2026 (simulação, nada gravado): 3 seriam criados, 0 já existem."
    assert not Processo.objects.exists()


def test_comando_sem_competencia_usa_o_mes_atual_em_sao_paulo(carteira):
    with time_machine.travel(dt.datetime(2026, 12, 1, 2, 30, tzinfo=dt.UTC), tick=False):
        saida = _comando()

    assert saida.strip() == "Competência 11/2026: 3 processos criados, 0 já existiam."


@pytest.mark.parametrize("competencia", ["2026-13", "2026/11", "2026-00", "11-2026", "novembro", "1999-12"])
def test_comando_com_competencia_invalida_falha_com_codigo_2(competencia, db):
    with pytest.raises(CommandError) as info:
        _comando("--competencia", competencia)

    assert info.value.returncode == 2
    assert "Competência inválida" in str(info.value)
    assert "AAAA-MM" in str(info.value)
    assert not Processo.objects.exists()


@pytest.mark.parametrize("competencia", ["2026-13", "2026/11"])
def test_comando_de_verdade_com_competencia_invalida_sai_com_codigo_2_e_mensagem_em_portugues(competencia):
    ambiente = {**os.environ, "DJANGO_SETTINGS_MODULE": "brm.settings.test"}

    processo = subprocess.run(
        [sys.executable, "manage.py", "criar_processos_mensais", "--competencia", competencia],
        cwd=django_settings.BASE_DIR,
        env=ambiente,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert processo.returncode == 2, processo.stderr
    assert f"Competência inválida: '{competencia}'. Use o formato AAAA-MM" in processo.stderr
    assert processo.stdout == ""
