"""Agendamento → PeriodicTask, one way: the beat task says exactly what the schedule says, after every change."""

import datetime as dt
import json

import pytest
import time_machine
from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, PeriodicTask, PeriodicTasks

from agendamentos.models import Agendamento, AgendamentoExecucao
from agendamentos.services import (
    TAREFA_BEAT,
    agendamento_ativar,
    agendamento_atualizar,
    agendamento_criar,
    agendamento_desativar,
    agendamento_excluir,
    agendamentos_criar_padrao,
)
from brm.common.errors import ErroDeNegocio
from brm.local.demo import demo_criar

from ..factories import AgendamentoExecucaoFactory

pytestmark = pytest.mark.django_db

T = Agendamento.Tipo
# Wednesday 25 November 2026, 12:00 in São Paulo.
AGORA = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def relogio():
    with time_machine.travel(AGORA, tick=False):
        yield


def criar(**campos) -> Agendamento:
    dados = {
        "por": None,
        "nome": "Downloads da madrugada",
        "tipo": T.EXECUTAR_DOWNLOADS,
        "expressao_cron": "0 2 * * *",
        "fuso_horario": "America/Sao_Paulo",
        "parametros": {"limite_execucoes_simultaneas": 3},
        "ativo": True,
    }
    return agendamento_criar(**{**dados, **campos})


def tarefa_de(agendamento: Agendamento) -> PeriodicTask:
    return PeriodicTask.objects.select_related("crontab").get(pk=agendamento.periodic_task_id)


def cron_de(tarefa: PeriodicTask) -> str:
    c = tarefa.crontab
    return f"{c.minute} {c.hour} {c.day_of_month} {c.month_of_year} {c.day_of_week}"


def ultima_mudanca():
    return PeriodicTasks.last_change()


def assert_tarefa_espelha(agendamento: Agendamento) -> None:
    agendamento.refresh_from_db()
    tarefa = tarefa_de(agendamento)
    assert tarefa.name == f"agendamento:{agendamento.pk}"
    assert tarefa.task == TAREFA_BEAT == "agendamentos.executar_agendamento"
    assert json.loads(tarefa.kwargs) == {"agendamento_id": str(agendamento.pk)}
    assert json.loads(tarefa.args) == []
    assert tarefa.enabled is agendamento.ativo
    assert tarefa.description == agendamento.nome
    assert tarefa.interval_id is None and tarefa.clocked_id is None and tarefa.solar_id is None
    assert cron_de(tarefa) == agendamento.expressao_cron
    assert str(tarefa.crontab.timezone) == agendamento.fuso_horario


def test_criar_escreve_a_tarefa_do_beat_com_os_campos_do_cron_e_o_fuso():
    agendamento = criar()

    assert_tarefa_espelha(agendamento)
    assert agendamento.parametros == {
        "apenas_processos_pendentes": True,
        "limite_execucoes_simultaneas": 3,
        "operadoras": [],
    }
    # 02:00 of 26/11 in São Paulo, stored in UTC.
    assert agendamento.proxima_execucao == dt.datetime(2026, 11, 26, 5, 0, tzinfo=dt.UTC)
    assert PeriodicTask.objects.filter(task=TAREFA_BEAT).count() == 1


def test_editar_expressao_troca_o_crontab_e_apaga_o_antigo_sem_uso():
    agendamento = criar()
    antigo = tarefa_de(agendamento).crontab_id
    antes = ultima_mudanca()

    with time_machine.travel(AGORA + dt.timedelta(seconds=5), tick=False):
        agendamento_atualizar(agendamento=agendamento, por=None, expressao_cron="15 */6 * * 1-5")

    assert_tarefa_espelha(agendamento)
    assert agendamento.expressao_cron == "15 */6 * * 1-5"
    assert not CrontabSchedule.objects.filter(pk=antigo).exists()
    # Beat notices changes through this timestamp.
    assert ultima_mudanca() > antes
    assert agendamento.proxima_execucao == dt.datetime(2026, 11, 25, 15, 15, tzinfo=dt.UTC)


def test_editar_expressao_zera_a_ultima_execucao_do_beat_para_nao_disparar_atrasado():
    agendamento = criar()
    PeriodicTask.objects.filter(pk=agendamento.periodic_task_id).update(last_run_at=AGORA - dt.timedelta(days=20))

    agendamento_atualizar(agendamento=agendamento, por=None, expressao_cron="0 3 * * *")

    assert tarefa_de(agendamento).last_run_at is None


def test_editar_fuso_muda_o_fuso_do_crontab_e_a_proxima_execucao():
    agendamento = criar()

    agendamento_atualizar(agendamento=agendamento, por=None, fuso_horario="Europe/Lisbon")

    assert_tarefa_espelha(agendamento)
    assert str(tarefa_de(agendamento).crontab.timezone) == "Europe/Lisbon"
    # 02:00 in Lisbon (UTC+0 in November).
    assert agendamento.proxima_execucao == dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)


def test_editar_parametros_e_nome():
    agendamento = criar()
    tarefa_antes = tarefa_de(agendamento)

    agendamento_atualizar(
        agendamento=agendamento,
        por=None,
        nome="Downloads noturnos",
        parametros={"apenas_processos_pendentes": False},
    )

    assert_tarefa_espelha(agendamento)
    tarefa = tarefa_de(agendamento)
    assert tarefa.pk == tarefa_antes.pk and tarefa.crontab_id == tarefa_antes.crontab_id
    assert tarefa.description == "Downloads noturnos"
    assert agendamento.parametros == {
        "apenas_processos_pendentes": False,
        "limite_execucoes_simultaneas": 5,
        "operadoras": [],
    }


def test_editar_tipo_valida_os_parametros_do_novo_tipo():
    agendamento = criar()

    with pytest.raises(ErroDeNegocio) as info:
        agendamento_atualizar(agendamento=agendamento, por=None, tipo=T.LIMPEZA_LOGS)

    assert info.value.dados["campo"] == "parametros"
    assert "Parâmetro desconhecido" in info.value.mensagem
    agendamento.refresh_from_db()
    assert agendamento.tipo == T.EXECUTAR_DOWNLOADS


def test_desativar_desliga_a_tarefa_e_ativar_religa():
    agendamento = criar()
    antes = ultima_mudanca()

    with time_machine.travel(AGORA + dt.timedelta(seconds=5), tick=False):
        agendamento_desativar(agendamento=agendamento, por=None)

    assert_tarefa_espelha(agendamento)
    assert tarefa_de(agendamento).enabled is False
    assert agendamento.proxima_execucao is None
    assert ultima_mudanca() > antes

    agendamento_ativar(agendamento=agendamento, por=None)

    assert_tarefa_espelha(agendamento)
    assert tarefa_de(agendamento).enabled is True
    assert agendamento.proxima_execucao == dt.datetime(2026, 11, 26, 5, 0, tzinfo=dt.UTC)


def test_excluir_apaga_a_tarefa_o_crontab_e_o_historico():
    agendamento = criar()
    AgendamentoExecucaoFactory(agendamento=agendamento, status=AgendamentoExecucao.Status.SUCESSO)
    tarefa = tarefa_de(agendamento)
    antes = ultima_mudanca()

    with time_machine.travel(AGORA + dt.timedelta(seconds=5), tick=False):
        agendamento_excluir(agendamento=agendamento, por=None)

    assert not Agendamento.objects.exists()
    assert not AgendamentoExecucao.objects.exists()
    assert not PeriodicTask.objects.filter(pk=tarefa.pk).exists()
    assert not CrontabSchedule.objects.filter(pk=tarefa.crontab_id).exists()
    assert ultima_mudanca() > antes


def test_horarios_iguais_compartilham_um_crontab_que_so_some_com_o_ultimo():
    primeiro = criar()
    segundo = criar(nome="Outro", tipo=T.LIMPEZA_LOGS, parametros={})

    assert tarefa_de(primeiro).crontab_id == tarefa_de(segundo).crontab_id
    assert CrontabSchedule.objects.count() == 1

    agendamento_excluir(agendamento=primeiro, por=None)
    assert CrontabSchedule.objects.count() == 1
    agendamento_excluir(agendamento=segundo, por=None)
    assert CrontabSchedule.objects.count() == 0


def test_sincronizar_recria_a_tarefa_apagada_por_fora():
    agendamento = criar()
    PeriodicTask.objects.filter(pk=agendamento.periodic_task_id).delete()
    agendamento.refresh_from_db()

    agendamento_atualizar(agendamento=agendamento, por=None, nome="Recriado")

    assert_tarefa_espelha(agendamento)


@pytest.mark.parametrize(
    ("campos", "campo", "trecho"),
    [
        ({"expressao_cron": "0 2 * * 7"}, "expressao_cron", "Use 0 para domingo"),
        ({"expressao_cron": "0 2 * *"}, "expressao_cron", "exatamente 5 campos"),
        ({"fuso_horario": "America/Sao Paulo"}, "fuso_horario", "Fuso horário desconhecido"),
        ({"fuso_horario": ""}, "fuso_horario", "Fuso horário desconhecido"),
        ({"parametros": {"limite_execucoes_simultaneas": 0}}, "parametros", "limite_execucoes_simultaneas"),
        ({"parametros": []}, "parametros", "objeto JSON"),
        ({"tipo": "OUTRO"}, "tipo", "Tipo de agendamento desconhecido"),
        ({"nome": "  "}, "nome", "Informe um nome"),
    ],
)
def test_criar_invalido_nao_grava_nada(campos, campo, trecho):
    with pytest.raises(ErroDeNegocio) as info:
        criar(**campos)

    assert info.value.codigo == ErroDeNegocio.INVALIDO
    assert info.value.dados["campo"] == campo
    assert trecho in info.value.mensagem
    assert not Agendamento.objects.exists()
    assert not PeriodicTask.objects.exists()
    assert not CrontabSchedule.objects.exists()


def test_nome_repetido_e_recusado_sem_diferenciar_maiusculas():
    criar()

    with pytest.raises(ErroDeNegocio) as info:
        criar(nome="DOWNLOADS DA MADRUGADA")

    assert info.value.dados["campo"] == "nome"
    assert Agendamento.objects.count() == 1


def test_editar_invalido_nao_muda_nem_o_agendamento_nem_a_tarefa():
    agendamento = criar()
    tarefa_antes = PeriodicTask.objects.filter(pk=agendamento.periodic_task_id).values().get()

    with pytest.raises(ErroDeNegocio):
        agendamento_atualizar(
            agendamento=Agendamento.objects.get(pk=agendamento.pk), por=None, expressao_cron="61 * * * *"
        )

    assert Agendamento.objects.get(pk=agendamento.pk).expressao_cron == "0 2 * * *"
    assert PeriodicTask.objects.filter(pk=agendamento.periodic_task_id).values().get() == tarefa_antes


def test_desativado_guarda_parametros_incompletos_e_ativar_os_confere():
    relatorio = criar(
        nome="Relatório", tipo=T.ENVIAR_RELATORIOS, expressao_cron="0 9 * * 1", parametros={}, ativo=False
    )

    assert relatorio.parametros["destinatarios"] == []
    assert tarefa_de(relatorio).enabled is False

    with pytest.raises(ErroDeNegocio) as info:
        agendamento_ativar(agendamento=relatorio, por=None)

    assert info.value.dados["campo"] == "parametros"
    assert "destinatário" in info.value.mensagem
    assert Agendamento.objects.get(pk=relatorio.pk).ativo is False
    assert tarefa_de(relatorio).enabled is False

    agendamento_atualizar(
        agendamento=Agendamento.objects.get(pk=relatorio.pk),
        por=None,
        ativo=True,
        parametros={"destinatarios": ["diretoria@brm.test"]},
    )
    relatorio.refresh_from_db()
    assert relatorio.ativo and tarefa_de(relatorio).enabled


def test_quem_so_le_nao_cria_nem_altera_nem_exclui(leitor, operador):
    agendamento = criar()
    for pessoa in (leitor, operador):
        with pytest.raises(ErroDeNegocio) as info:
            criar(por=pessoa, nome="Outro")
        assert info.value.codigo == ErroDeNegocio.PERMISSAO
        with pytest.raises(ErroDeNegocio):
            agendamento_desativar(agendamento=agendamento, por=pessoa)
        with pytest.raises(ErroDeNegocio):
            agendamento_excluir(agendamento=agendamento, por=pessoa)

    assert Agendamento.objects.count() == 1
    assert Agendamento.objects.get().ativo is True
    assert tarefa_de(agendamento).enabled is True


def test_administrador_cria_altera_e_exclui(admin_user):
    agendamento = criar(por=admin_user)
    agendamento_desativar(agendamento=agendamento, por=admin_user)
    agendamento_excluir(agendamento=agendamento, por=admin_user)

    assert not Agendamento.objects.exists()


# The usual schedules

PADRAO = {
    "Criar processos do mês": ("0 0 1 * *", T.CRIAR_PROCESSOS_MENSAIS, True),
    "Downloads diários": ("0 2 * * *", T.EXECUTAR_DOWNLOADS, True),
    "Relatório semanal": ("0 9 * * 1", T.ENVIAR_RELATORIOS, False),
    "Limpeza de logs": ("30 3 * * *", T.LIMPEZA_LOGS, True),
    "Backup diário": ("0 4 * * *", T.BACKUP_DADOS, True),
}


def test_agendamentos_padrao_sao_criados_sincronizados_e_uma_vez_so():
    criados = agendamentos_criar_padrao()

    assert {a.nome: (a.expressao_cron, a.tipo, a.ativo) for a in criados} == PADRAO
    for agendamento in criados:
        assert agendamento.fuso_horario == "America/Sao_Paulo"
        assert_tarefa_espelha(agendamento)
    downloads = Agendamento.objects.get(nome="Downloads diários")
    assert downloads.parametros["apenas_processos_pendentes"] is True
    assert downloads.parametros["limite_execucoes_simultaneas"] == 5
    assert Agendamento.objects.get(nome="Limpeza de logs").parametros == {"dias_retencao": 90}
    assert Agendamento.objects.get(nome="Backup diário").parametros["manter"] == 7

    assert agendamentos_criar_padrao() == []
    assert Agendamento.objects.count() == 5
    assert PeriodicTask.objects.filter(task=TAREFA_BEAT).count() == 5


def test_agendamentos_padrao_respeitam_o_que_o_administrador_mudou():
    agendamentos_criar_padrao()
    backup = Agendamento.objects.get(nome="Backup diário")
    agendamento_atualizar(agendamento=backup, por=None, expressao_cron="0 5 * * *", ativo=False)

    assert agendamentos_criar_padrao() == []
    backup.refresh_from_db()
    assert (backup.expressao_cron, backup.ativo) == ("0 5 * * *", False)


def test_comando_criar_agendamentos_padrao(capsys):
    call_command("criar_agendamentos_padrao")
    call_command("criar_agendamentos_padrao")

    saida = capsys.readouterr().out
    assert "Agendamentos padrão: 5 criados, 0 já existiam." in saida
    assert "Agendamentos padrão: 0 criados, 5 já existiam." in saida
    assert "criado: Relatório semanal · 0 9 * * 1 (America/Sao_Paulo) · desativado" in saida


def test_demonstracao_cria_os_agendamentos_padrao():
    demo_criar()

    assert set(Agendamento.objects.values_list("nome", flat=True)) == set(PADRAO)
