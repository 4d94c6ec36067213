"""/api/v1/agendamentos/: the admin's validation field by field, run now, next runs in the schedule's zone, history."""

import datetime as dt

import pytest
import time_machine
from django_celery_beat.models import PeriodicTask

from agendamentos.models import Agendamento, AgendamentoExecucao
from agendamentos.services import agendamento_criar
from tests.api.conftest import assert_erro, cliente_jwt
from tests.factories import AgendamentoExecucaoFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/agendamentos/"
T = Agendamento.Tipo


def criar(**campos) -> Agendamento:
    padrao = {"nome": "Processos do mês", "tipo": T.CRIAR_PROCESSOS_MENSAIS, "expressao_cron": "0 6 1 * *"}
    return agendamento_criar(por=None, **{**padrao, **campos})


def test_leitor_e_operador_veem_a_lista_com_a_ultima_situacao(api_leitor, api_operador):
    agendamento = criar()
    AgendamentoExecucaoFactory(agendamento=agendamento, status=AgendamentoExecucao.Status.FALHA)

    for api in (api_leitor, api_operador):
        corpo = api.get(URL).json()
        item = corpo["resultados"][0]
        assert item["nome"] == "Processos do mês"
        assert item["ultima_situacao"] == "FALHA"
        assert item["descricao_cron"]
        assert item["proxima_execucao"]


def test_aprovador_nao_ve_agendamentos(api_aprovador):
    assert_erro(api_aprovador.get(URL), 403, "permissao")


def test_admin_cria_e_a_tarefa_do_agendador_e_sincronizada(api_admin):
    resposta = api_admin.post(
        URL,
        {"nome": "Downloads", "tipo": T.EXECUTAR_DOWNLOADS, "expressao_cron": "0 3 * * 1-5", "parametros": {}},
        format="json",
    )

    assert resposta.status_code == 201, resposta.content
    corpo = resposta.json()
    assert corpo["parametros"]["limite_execucoes_simultaneas"] == 5
    assert corpo["ultima_situacao"] is None
    agendamento = Agendamento.objects.get(pk=corpo["id"])
    tarefa = PeriodicTask.objects.get(pk=agendamento.periodic_task_id)
    assert tarefa.enabled is True
    assert (tarefa.crontab.hour, tarefa.crontab.day_of_week) == ("3", "1-5")


@pytest.mark.parametrize(
    ("campos", "campo"),
    [
        ({"expressao_cron": "0 9 * * 7"}, "expressao_cron"),
        ({"expressao_cron": "0 9 * *"}, "expressao_cron"),
        ({"fuso_horario": "Marte/Olympus"}, "fuso_horario"),
        ({"tipo": T.ENVIAR_RELATORIOS, "parametros": {}}, "parametros"),
        ({"parametros": [1, 2]}, "parametros"),
    ],
)
def test_validacao_do_admin_vira_erro_no_campo_e_nada_e_criado(api_admin, campos, campo):
    dados = {"nome": "Novo", "tipo": T.CRIAR_PROCESSOS_MENSAIS, "expressao_cron": "0 6 1 * *", **campos}

    corpo = assert_erro(api_admin.post(URL, dados, format="json"), 400, "invalido")

    assert list(corpo["campos"]) == [campo], corpo
    assert not Agendamento.objects.exists()
    assert not PeriodicTask.objects.filter(name__startswith="agendamento:").exists()


def test_nome_repetido_e_recusado(api_admin):
    criar(nome="Backup diario")

    corpo = assert_erro(
        api_admin.post(
            URL, {"nome": "backup DIARIO", "tipo": T.LIMPEZA_LOGS, "expressao_cron": "0 1 * * *"}, format="json"
        ),
        400,
        "invalido",
    )

    assert "nome" in corpo["campos"]
    assert Agendamento.objects.count() == 1


def test_alterar_o_horario_ressincroniza_e_erro_nao_muda_nada(api_admin):
    agendamento = criar()

    resposta = api_admin.patch(f"{URL}{agendamento.pk}/", {"expressao_cron": "30 2 * * *"}, format="json")
    assert resposta.status_code == 200, resposta.content
    assert PeriodicTask.objects.get(pk=agendamento.periodic_task_id).crontab.minute == "30"

    assert_erro(
        api_admin.patch(f"{URL}{agendamento.pk}/", {"expressao_cron": "99 * * * *"}, format="json"), 400, "invalido"
    )
    agendamento.refresh_from_db()
    assert agendamento.expressao_cron == "30 2 * * *"


@pytest.mark.parametrize("api_sem_escrita", ["api_leitor", "api_operador"])
def test_so_administrador_escreve(request, api_sem_escrita):
    api = request.getfixturevalue(api_sem_escrita)
    agendamento = criar()
    dados = {"nome": "Outro", "tipo": T.LIMPEZA_LOGS, "expressao_cron": "0 1 * * *"}

    assert_erro(api.post(URL, dados, format="json"), 403, "permissao")
    assert_erro(api.patch(f"{URL}{agendamento.pk}/", {"nome": "X"}, format="json"), 403, "permissao")
    assert_erro(api.delete(f"{URL}{agendamento.pk}/"), 403, "permissao")
    for acao in ("executar-agora", "ativar", "desativar"):
        assert_erro(api.post(f"{URL}{agendamento.pk}/{acao}/"), 403, "permissao")
    agendamento.refresh_from_db()
    assert agendamento.nome == "Processos do mês" and agendamento.ativo
    assert Agendamento.objects.count() == 1


def test_excluir_apaga_o_agendamento_e_a_tarefa(api_admin):
    agendamento = criar()

    assert api_admin.delete(f"{URL}{agendamento.pk}/").status_code == 204
    assert not Agendamento.objects.exists()
    assert not PeriodicTask.objects.filter(pk=agendamento.periodic_task_id).exists()


def test_executar_agora_enfileira_depois_do_commit(api_admin, admin_user, tarefas, django_capture_on_commit_callbacks):
    agendamento = criar()

    with django_capture_on_commit_callbacks(execute=True):
        resposta = api_admin.post(f"{URL}{agendamento.pk}/executar-agora/")

    assert resposta.status_code == 202
    assert resposta.json()["mensagem"].startswith("Execução enfileirada")
    assert tarefas == [("executar_agendamento", (str(agendamento.pk), str(admin_user.pk)), {})]


def test_desativar_e_ativar(api_admin):
    agendamento = criar()

    corpo = api_admin.post(f"{URL}{agendamento.pk}/desativar/").json()
    assert corpo["ativo"] is False and corpo["proxima_execucao"] is None
    assert PeriodicTask.objects.get(pk=agendamento.periodic_task_id).enabled is False

    corpo = api_admin.post(f"{URL}{agendamento.pk}/ativar/").json()
    assert corpo["ativo"] is True
    assert PeriodicTask.objects.get(pk=agendamento.periodic_task_id).enabled is True


def test_ativar_com_parametros_incompletos_e_recusado_no_campo(api_admin):
    agendamento = criar(nome="Relatório", tipo=T.ENVIAR_RELATORIOS, parametros={}, ativo=False)

    corpo = assert_erro(api_admin.post(f"{URL}{agendamento.pk}/ativar/"), 400, "invalido")

    assert "parametros" in corpo["campos"]
    agendamento.refresh_from_db()
    assert agendamento.ativo is False


def test_proximas_no_fuso_do_agendamento_e_em_utc_atravessando_o_horario_de_verao(admin_user):
    agendamento = criar(expressao_cron="0 9 * * *", fuso_horario="America/New_York")

    with time_machine.travel(dt.datetime(2026, 3, 7, 12, 0, tzinfo=dt.UTC), tick=False):
        resposta = cliente_jwt(admin_user).get(f"{URL}{agendamento.pk}/proximas/", {"quantidade": 2})

    assert resposta.status_code == 200, resposta.content
    assert resposta.json() == {
        "fuso_horario": "America/New_York",
        "ativo": True,
        "proximas": [
            {"no_fuso": "2026-03-07T09:00:00-05:00", "utc": "2026-03-07T14:00:00+00:00"},
            {"no_fuso": "2026-03-08T09:00:00-04:00", "utc": "2026-03-08T13:00:00+00:00"},
        ],
    }


def test_proximas_padrao_cinco_e_quantidade_fora_do_limite_recusada(api_leitor):
    agendamento = criar()

    assert len(api_leitor.get(f"{URL}{agendamento.pk}/proximas/").json()["proximas"]) == 5
    corpo = assert_erro(api_leitor.get(f"{URL}{agendamento.pk}/proximas/", {"quantidade": 0}), 400, "invalido")
    assert "quantidade" in corpo["campos"]


def test_historico_da_mais_recente_para_a_mais_antiga_paginado(api_leitor, admin_user):
    agendamento = criar()
    outro = criar(nome="Outro")
    inicio = dt.datetime(2026, 11, 1, 6, 0, tzinfo=dt.UTC)
    for dia in range(3):
        AgendamentoExecucaoFactory(
            agendamento=agendamento, inicio=inicio + dt.timedelta(days=dia), solicitado_por=admin_user
        )
    AgendamentoExecucaoFactory(agendamento=outro)

    primeira = api_leitor.get(f"{URL}{agendamento.pk}/historico/", {"tamanho": 2}).json()
    segunda = api_leitor.get(primeira["proxima"]).json()

    inicios = [item["inicio"] for item in primeira["resultados"] + segunda["resultados"]]
    assert inicios == ["2026-11-03T03:00:00-03:00", "2026-11-02T03:00:00-03:00", "2026-11-01T03:00:00-03:00"]
    assert primeira["resultados"][0]["solicitado_por"]["email"] == admin_user.email
    assert segunda["proxima"] is None


def test_lista_custa_as_mesmas_consultas_com_5_ou_50_por_pagina(api_leitor, django_assert_max_num_queries):
    for indice in range(50):
        agendamento = criar(nome=f"Agendamento {indice:02d}")
        AgendamentoExecucaoFactory(agendamento=agendamento)

    # The caller and their permissions, the count, the page: the same few queries whatever the page size.
    for tamanho in (5, 50):
        with django_assert_max_num_queries(5):
            corpo = api_leitor.get(URL, {"tamanho": tamanho}).json()
        assert len(corpo["resultados"]) == tamanho


def test_agendamento_inexistente_responde_404(api_leitor):
    assert_erro(api_leitor.get(f"{URL}00000000-0000-0000-0000-000000000000/proximas/"), 404, "nao_encontrado")
