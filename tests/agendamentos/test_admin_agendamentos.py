"""Schedules in the admin: created and edited through the services, errors on their fields, buttons, history."""

import datetime as dt
import json

import pytest
import time_machine
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from agendamentos.models import Agendamento, AgendamentoExecucao
from agendamentos.services import agendamento_criar

from ..conftest import campo_somente_leitura, linhas_da_lista, textos
from ..factories import AgendamentoExecucaoFactory, AgendamentoFactory

pytestmark = pytest.mark.django_db

T = Agendamento.Tipo
S = AgendamentoExecucao.Status
LISTA = reverse("admin:agendamentos_agendamento_changelist")
INCLUIR = reverse("admin:agendamentos_agendamento_add")
# Wednesday 25 November 2026, 12:00 in São Paulo.
AGORA = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def relogio():
    with time_machine.travel(AGORA, tick=False):
        yield


def url(nome: str, agendamento: Agendamento) -> str:
    return reverse(f"admin:agendamentos_agendamento_{nome}", args=[agendamento.pk])


def formulario(**campos) -> dict:
    dados = {
        "nome": "Downloads da madrugada",
        "tipo": T.EXECUTAR_DOWNLOADS,
        "ativo": "on",
        "expressao_cron": "0 2 * * *",
        "fuso_horario": "America/Sao_Paulo",
        "parametros": json.dumps({"limite_execucoes_simultaneas": 3}),
        # The run-history inline's management form.
        "execucoes-TOTAL_FORMS": "0",
        "execucoes-INITIAL_FORMS": "0",
        "execucoes-MIN_NUM_FORMS": "0",
        "execucoes-MAX_NUM_FORMS": "0",
    }
    dados.update(campos)
    return {chave: valor for chave, valor in dados.items() if valor is not None}


def criar(**campos) -> Agendamento:
    dados = {
        "por": None,
        "nome": "Criar processos do mês",
        "tipo": T.CRIAR_PROCESSOS_MENSAIS,
        "expressao_cron": "0 0 1 * *",
        "fuso_horario": "America/Sao_Paulo",
        "parametros": {},
        "ativo": True,
    }
    return agendamento_criar(**{**dados, **campos})


@pytest.fixture
def admin_logado(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize(
    ("cron", "trecho"),
    [
        ("0 2 * * 7", "Use 0 para domingo: o Celery não aceita 7."),
        ("0 2 * *", "exatamente 5 campos"),
        ("0 25 * * *", "Hora inválida: “25”"),
    ],
)
def test_incluir_com_cron_invalido_mostra_o_erro_no_campo(admin_logado, cron, trecho):
    resposta = admin_logado.post(INCLUIR, formulario(expressao_cron=cron))

    assert resposta.status_code == 200
    erros = resposta.context["adminform"].form.errors
    assert list(erros) == ["expressao_cron"]
    assert trecho in erros["expressao_cron"][0]
    assert not Agendamento.objects.exists() and not PeriodicTask.objects.exists()


def test_incluir_com_parametros_invalidos_mostra_o_erro_nos_parametros(admin_logado):
    resposta = admin_logado.post(
        INCLUIR, formulario(tipo=T.ENVIAR_RELATORIOS, parametros=json.dumps({"destinatarios": []}))
    )

    erros = resposta.context["adminform"].form.errors
    assert list(erros) == ["parametros"]
    assert "Informe ao menos um destinatário." in erros["parametros"][0]
    assert not Agendamento.objects.exists()


def test_incluir_com_varios_erros_mostra_cada_um_no_seu_campo(admin_logado):
    criar(nome="Repetido")

    resposta = admin_logado.post(
        INCLUIR, formulario(nome="repetido", expressao_cron="0 2 * * 7", fuso_horario="Marte/Olimpo")
    )

    erros = resposta.context["adminform"].form.errors
    assert set(erros) == {"nome", "expressao_cron", "fuso_horario"}
    assert "Já existe um agendamento chamado" in erros["nome"][0]


def test_incluir_valido_grava_pelo_servico_e_sincroniza_o_beat(admin_logado):
    resposta = admin_logado.post(INCLUIR, formulario())

    agendamento = Agendamento.objects.get()
    assert resposta.status_code == 302
    assert agendamento.parametros == {
        "apenas_processos_pendentes": True,
        "limite_execucoes_simultaneas": 3,
        "operadoras": [],
    }
    tarefa = PeriodicTask.objects.get(pk=agendamento.periodic_task_id)
    assert tarefa.name == f"agendamento:{agendamento.pk}" and tarefa.enabled
    assert (tarefa.crontab.minute, tarefa.crontab.hour, str(tarefa.crontab.timezone)) == ("0", "2", "America/Sao_Paulo")
    assert agendamento.proxima_execucao == dt.datetime(2026, 11, 26, 5, 0, tzinfo=dt.UTC)


def test_pagina_mostra_as_proximas_cinco_no_fuso_do_sistema_e_no_relogio_do_agendamento(admin_logado):
    agendamento = criar(nome="Relatório", expressao_cron="30 2 * * *", fuso_horario="America/New_York")

    # Friday 6 March 2026, 07:00 in New York.
    with time_machine.travel(dt.datetime(2026, 3, 6, 12, tzinfo=dt.UTC), tick=False):
        resposta = admin_logado.get(url("change", agendamento))

    conteudo = resposta.content.decode()
    assert "Às 02:30" in conteudo
    # The spring-forward gap of 8 March: 02:30 does not exist and beat fires at 03:30 EDT. São Paulo, the
    # system's zone, has no daylight saving: there the runs move from 04:30 to 03:30.
    proximas = [
        ("sáb 07/03/2026 04:30", "02:30", "05"),
        ("dom 08/03/2026 04:30", "03:30", "04"),
        ("seg 09/03/2026 03:30", "02:30", "04"),
        ("ter 10/03/2026 03:30", "02:30", "04"),
        ("qua 11/03/2026 03:30", "02:30", "04"),
    ]
    posicoes = [
        conteudo.index(
            f"<li>{sistema} (UTC−03:00, America/Sao_Paulo) "
            f'<span class="brm-discreto">· {nova_york} em America/New_York (UTC−{horas}:00)</span></li>'
        )
        for sistema, nova_york, horas in proximas
    ]
    assert posicoes == sorted(posicoes)
    assert "A expressão cron vale no fuso America/New_York." in conteudo


def test_proximas_de_um_agendamento_no_fuso_do_sistema_nao_repetem_o_horario(admin_logado):
    agendamento = criar(expressao_cron="0 9 * * *")

    conteudo = admin_logado.get(url("change", agendamento)).content.decode()

    assert "<li>qui 26/11/2026 09:00 (UTC−03:00, America/Sao_Paulo)</li>" in conteudo
    assert " em America/Sao_Paulo (" not in conteudo


def test_historico_de_agendamentos_em_fusos_diferentes_fica_num_fuso_so(admin_logado, settings):
    # A system zone with daylight saving: each instant carries the offset in force at that instant.
    settings.TIME_ZONE = "America/New_York"
    lisboa = criar(nome="Lisboa", expressao_cron="0 9 * * *", fuso_horario="Europe/Lisbon")
    toquio = criar(nome="Tóquio", expressao_cron="0 9 * * *", fuso_horario="Asia/Tokyo")
    AgendamentoExecucaoFactory(
        agendamento=lisboa, status=S.SUCESSO, inicio=dt.datetime(2026, 3, 7, 9, tzinfo=dt.UTC), fim=None
    )
    de_toquio = AgendamentoExecucaoFactory(
        agendamento=toquio,
        status=S.SUCESSO,
        inicio=dt.datetime(2026, 3, 9, 0, tzinfo=dt.UTC),
        fim=dt.datetime(2026, 3, 9, 0, 5, tzinfo=dt.UTC),
    )

    lista = linhas_da_lista(admin_logado.get(reverse("admin:agendamentos_agendamentoexecucao_changelist")))
    pagina_lisboa = admin_logado.get(url("change", lisboa)).content.decode()

    assert sorted((linha["agendamento"], linha["inicio_formatado"]) for linha in lista) == [
        ("Lisboa", "07/03/2026 04:00 (UTC−05:00, America/New_York)"),
        ("Tóquio", "08/03/2026 20:00 (UTC−04:00, America/New_York)"),
    ]
    assert "07/03/2026 04:00 (UTC−05:00, America/New_York)" in pagina_lisboa
    execucao = admin_logado.get(reverse("admin:agendamentos_agendamentoexecucao_change", args=[de_toquio.pk]))
    assert campo_somente_leitura(execucao, "inicio_formatado") == "08/03/2026 20:00 (UTC−04:00, America/New_York)"
    assert campo_somente_leitura(execucao, "fim_formatado") == "08/03/2026 20:05 (UTC−04:00, America/New_York)"


def test_pagina_avisa_da_regra_e_quando_dia_e_semana_estao_preenchidos(admin_logado):
    agendamento = criar(expressao_cron="0 9 1 * 1")

    conteudo = admin_logado.get(url("change", agendamento)).content.decode()

    assert "(somente quando o dia do mês e o dia da semana coincidem)" in conteudo
    assert "seg 01/02/2027 09:00 (UTC−03:00, America/Sao_Paulo)" in conteudo


def test_lista_mostra_descricao_proxima_execucao_e_situacao_da_ultima(admin_logado):
    agendamento = criar()
    AgendamentoExecucaoFactory(agendamento=agendamento, status=S.FALHA, inicio=AGORA - dt.timedelta(days=3))
    AgendamentoExecucaoFactory(agendamento=agendamento, status=S.SUCESSO, inicio=AGORA - dt.timedelta(days=1))

    resposta = admin_logado.get(LISTA)

    conteudo = resposta.content.decode()
    assert "<code>0 0 1 * *</code>" in conteudo
    assert "Às 00:00, no dia 1 do mês" in conteudo
    assert "01/12/2026 00:00 (UTC−03:00, America/Sao_Paulo)" in conteudo
    assert ">Sucesso</span>" in conteudo
    [linha] = linhas_da_lista(resposta)
    assert (linha["proxima"], linha["ultima_situacao_badge"]) == (
        "01/12/2026 00:00 (UTC−03:00, America/Sao_Paulo)",
        "Sucesso",
    )


def test_historico_aparece_na_pagina_do_agendamento_mais_recente_primeiro(admin_logado):
    agendamento = criar()
    AgendamentoExecucaoFactory(
        agendamento=agendamento, status=S.FALHA, erro="Pasta sem permissão.", inicio=AGORA - dt.timedelta(days=2)
    )
    AgendamentoExecucaoFactory(agendamento=agendamento, status=S.SUCESSO, inicio=AGORA - dt.timedelta(days=1))

    conteudo = admin_logado.get(url("change", agendamento)).content.decode()

    assert conteudo.index("24/11/2026 12:00") < conteudo.index("23/11/2026 12:00")
    assert "Pasta sem permissão." in conteudo


def test_editar_cron_pelo_formulario_atualiza_a_tarefa_do_beat(admin_logado):
    agendamento = criar()

    resposta = admin_logado.post(
        url("change", agendamento),
        formulario(
            nome=agendamento.nome,
            tipo=agendamento.tipo,
            expressao_cron="15 6 * * 1-5",
            fuso_horario="Europe/Lisbon",
            parametros="{}",
        ),
    )

    assert resposta.status_code == 302
    agendamento.refresh_from_db()
    tarefa = PeriodicTask.objects.get(pk=agendamento.periodic_task_id)
    assert (tarefa.crontab.minute, tarefa.crontab.hour, tarefa.crontab.day_of_week) == ("15", "6", "1-5")
    assert str(tarefa.crontab.timezone) == "Europe/Lisbon"
    assert PeriodicTask.objects.filter(task="agendamentos.executar_agendamento").count() == 1


def test_editar_agendamento_excluido_durante_a_edicao_avisa_sem_gravar(admin_logado, monkeypatch):
    agendamento = criar()
    # Someone else deletes it between the page loading the row and the save reading it again.
    monkeypatch.setattr("agendamentos.admin.agendamento_por_id", lambda pk: None)

    resposta = admin_logado.post(
        url("change", agendamento),
        formulario(nome="Outro nome", tipo=agendamento.tipo, expressao_cron="0 0 1 * *", parametros="{}"),
    )

    assert resposta.status_code == 302
    assert "Este agendamento foi excluído enquanto você o editava." in textos(resposta)
    agendamento.refresh_from_db()
    assert agendamento.nome == "Criar processos do mês"


def test_desmarcar_ativo_no_formulario_desliga_a_tarefa(admin_logado):
    agendamento = criar()

    admin_logado.post(
        url("change", agendamento),
        formulario(
            nome=agendamento.nome, tipo=agendamento.tipo, expressao_cron="0 0 1 * *", parametros="{}", ativo=None
        ),
    )

    agendamento.refresh_from_db()
    assert agendamento.ativo is False
    assert PeriodicTask.objects.get(pk=agendamento.periodic_task_id).enabled is False


def test_executar_agora_enfileira_depois_do_commit(
    admin_logado, admin_user, tarefas, django_capture_on_commit_callbacks
):
    agendamento = criar()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        resposta = admin_logado.post(url("executar", agendamento))

    assert resposta.status_code == 302 and resposta.url == url("change", agendamento)
    assert any(texto.startswith("Execução enfileirada") for texto in textos(resposta))
    assert len(callbacks) == 1 and tarefas == []
    callbacks[0]()
    assert tarefas == [("executar_agendamento", (str(agendamento.pk), str(admin_user.pk)), {})]


def test_executar_agora_em_lote(admin_logado, tarefas, django_capture_on_commit_callbacks):
    agendamentos = [criar(), criar(nome="Outro")]

    with django_capture_on_commit_callbacks(execute=True):
        resposta = admin_logado.post(
            LISTA,
            {"action": "executar_agora_selecionados", "_selected_action": [str(a.pk) for a in agendamentos]},
        )

    assert "2 execuções enfileiradas." in textos(resposta)
    assert {tarefa.nome for tarefa in tarefas} == {"executar_agendamento"}
    assert sorted(tarefa.args[0] for tarefa in tarefas) == sorted(str(a.pk) for a in agendamentos)


def test_botao_executar_agora_so_aparece_para_quem_pode(client, admin_user, leitor):
    agendamento = criar()
    client.force_login(admin_user)
    assert "Executar agora" in client.get(url("change", agendamento)).content.decode()

    client.force_login(leitor)
    conteudo = client.get(url("change", agendamento)).content.decode()
    assert "Executar agora" not in conteudo and "Desativar</button>" not in conteudo


def test_desativar_e_ativar_pelos_botoes(admin_logado):
    agendamento = criar()

    resposta = admin_logado.post(url("desativar", agendamento))
    agendamento.refresh_from_db()
    assert resposta.status_code == 302
    assert not agendamento.ativo and not PeriodicTask.objects.get(pk=agendamento.periodic_task_id).enabled
    assert f"“{agendamento}” desativado." in textos(resposta)

    admin_logado.post(url("ativar", agendamento))
    agendamento.refresh_from_db()
    assert agendamento.ativo and PeriodicTask.objects.get(pk=agendamento.periodic_task_id).enabled


def test_ativar_sem_parametros_completos_mostra_o_motivo(admin_logado):
    relatorio = criar(nome="Relatório semanal", tipo=T.ENVIAR_RELATORIOS, expressao_cron="0 9 * * 1", ativo=False)

    resposta = admin_logado.post(url("ativar", relatorio))

    assert "Relatório semanal: Informe ao menos um destinatário." in textos(resposta)
    relatorio.refresh_from_db()
    assert relatorio.ativo is False


def test_ativar_e_desativar_em_lote(admin_logado):
    agendamentos = [criar(), criar(nome="Outro")]

    resposta = admin_logado.post(
        LISTA, {"action": "desativar_selecionados", "_selected_action": [str(a.pk) for a in agendamentos]}
    )

    assert "2 agendamentos desativados." in textos(resposta)
    assert not PeriodicTask.objects.filter(enabled=True, task="agendamentos.executar_agendamento").exists()


def test_excluir_pelo_admin_apaga_a_tarefa_do_beat(admin_logado):
    agendamento = criar()

    resposta = admin_logado.post(url("delete", agendamento), {"post": "yes"})

    assert resposta.status_code == 302
    assert not Agendamento.objects.exists()
    assert not PeriodicTask.objects.filter(task="agendamentos.executar_agendamento").exists()


def test_excluir_em_lote_pelo_admin_apaga_as_tarefas(admin_logado):
    agendamentos = [criar(), criar(nome="Outro")]

    admin_logado.post(
        LISTA, {"action": "delete_selected", "_selected_action": [str(a.pk) for a in agendamentos], "post": "yes"}
    )

    assert not Agendamento.objects.exists()
    assert not PeriodicTask.objects.filter(task="agendamentos.executar_agendamento").exists()


@pytest.mark.parametrize("papel", ["leitor", "operador", "aprovador"])
def test_quem_nao_administra_nao_executa_nem_ativa_nem_desativa(
    client, request, papel, django_capture_on_commit_callbacks
):
    agendamento = criar()
    client.force_login(request.getfixturevalue(papel))

    with django_capture_on_commit_callbacks() as callbacks:
        for acao in ("executar", "ativar", "desativar"):
            assert client.post(url(acao, agendamento)).status_code == 403
        em_lote = client.post(LISTA, {"action": "desativar_selecionados", "_selected_action": [str(agendamento.pk)]})
        # Who may read the list gets it back with the action ignored; who may not, a refusal.
        assert em_lote.status_code == (403 if papel == "aprovador" else 200)

    assert callbacks == []
    agendamento.refresh_from_db()
    assert agendamento.ativo and PeriodicTask.objects.get(pk=agendamento.periodic_task_id).enabled
    assert not AgendamentoExecucao.objects.exists()


def test_botoes_so_aceitam_post(admin_logado):
    agendamento = criar()

    assert admin_logado.get(url("executar", agendamento)).status_code == 405
    assert admin_logado.get(url("desativar", agendamento)).status_code == 405
    agendamento.refresh_from_db()
    assert agendamento.ativo


def test_agendamento_mostra_ultimas_execucoes_somente_leitura(client, admin_user):
    agendamento = AgendamentoFactory()
    AgendamentoExecucaoFactory.create_batch(25, agendamento=agendamento, erro="falhou no passo 2")
    client.force_login(admin_user)

    resposta = client.get(url("change", agendamento))

    assert resposta.status_code == 200
    inline = next(f for f in resposta.context["inline_admin_formsets"] if f.opts.model is AgendamentoExecucao)
    assert len(inline.formset.forms) == 20
    assert not inline.has_change_permission
    assert 'name="periodic_task"' not in resposta.content.decode()
