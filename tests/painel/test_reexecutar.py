"""The painel's "Reexecutar": a new job linked to the failed one, for those who command the robots only."""

import pytest
from django.contrib import messages
from django.urls import reverse

from processos.models import Execucao, ExecucaoEvento
from tests.conftest import mensagens
from tests.factories import ExecucaoFactory

pytestmark = pytest.mark.django_db

E = Execucao.Status


@pytest.fixture
def falha(relogio):
    return ExecucaoFactory(status=E.FALHA, erro="O portal recusou o login.")


def _reexecutar(client, execucao, competencia="2026-11"):
    return client.post(reverse("painel_reexecutar", args=[execucao.pk]), {"competencia": competencia})


def test_operador_reexecuta_a_falha_pelo_painel(client, operador, falha, tarefas, django_capture_on_commit_callbacks):
    client.force_login(operador)

    with django_capture_on_commit_callbacks(execute=True):
        resposta = _reexecutar(client, falha, competencia="2026-10")

    assert resposta.status_code == 302
    assert resposta.url == "/?competencia=2026-10"
    nova = Execucao.objects.exclude(pk=falha.pk).get()
    assert (nova.anterior, nova.tentativa, nova.origem, nova.status) == (falha, 2, "REEXECUCAO", E.PENDENTE)
    assert nova.solicitado_por == operador
    assert ExecucaoEvento.objects.filter(execucao=nova, para=E.PENDENTE, por=operador).exists()
    assert [t.nome for t in tarefas] == ["despachar_execucoes"]
    assert mensagens(resposta) == [
        (
            messages.SUCCESS,
            f"Reexecução de “{falha}” enfileirada (tentativa 2): o robô começa assim que houver vaga.",
        )
    ]


def test_falha_reexecutada_sai_das_falhas_do_painel(client, operador, falha, tarefas):
    client.force_login(operador)

    resposta = _reexecutar(client, falha)
    painel = client.get(resposta.url)

    assert 'data-contagem="falhas" data-valor="0"' in painel.content.decode()
    assert 'data-contagem="execucoes-ativas" data-valor="1"' in painel.content.decode()
    # The message is shown on the painel it returns to.
    assert "Reexecução de" in painel.content.decode()


@pytest.mark.parametrize("papel", ["leitor", "aprovador"])
def test_quem_nao_comanda_robos_e_recusado_sem_efeitos(client, request, papel, falha, tarefas):
    client.force_login(request.getfixturevalue(papel))

    resposta = _reexecutar(client, falha)

    assert resposta.status_code == 302
    assert resposta.url == "/?competencia=2026-11"
    assert list(Execucao.objects.all()) == [falha]
    assert tarefas == []
    assert mensagens(resposta) == [(messages.ERROR, "Você não tem permissão para reexecutar trabalhos do robô.")]


def test_botao_so_aparece_para_quem_pode(client, operador, leitor, falha):
    client.force_login(leitor)
    do_leitor = client.get("/").content.decode()
    client.force_login(operador)
    do_operador = client.get("/").content.decode()

    assert "data-reexecutar" not in do_leitor
    assert f'data-reexecutar="{falha.pk}"' in do_operador
    assert f'action="{reverse("painel_reexecutar", args=[falha.pk])}"' in do_operador
    assert 'name="csrfmiddlewaretoken"' in do_operador


def test_execucao_que_nao_falhou_nao_e_reexecutada_e_diz_por_que(client, operador, relogio, tarefas):
    rodando = ExecucaoFactory(status=E.EM_EXECUCAO)
    client.force_login(operador)

    resposta = _reexecutar(client, rodando)

    assert list(Execucao.objects.all()) == [rodando]
    assert mensagens(resposta) == [
        (
            messages.ERROR,
            f"Não foi possível reexecutar “{rodando}”: Só execuções com falha ou canceladas podem ser "
            "reexecutadas; esta está “Em execução”.",
        )
    ]


def test_processo_que_ja_seguiu_recusa_a_reexecucao(client, operador, falha, tarefas):
    falha.processo.status = "AGUARDANDO_APROVACAO"
    falha.processo.save()
    client.force_login(operador)

    resposta = _reexecutar(client, falha)

    assert list(Execucao.objects.all()) == [falha]
    [(nivel, texto)] = mensagens(resposta)
    assert nivel == messages.ERROR
    assert "Não é possível baixar a fatura de um processo em “Aguardando aprovação”." in texto


def test_reexecutar_so_aceita_post(client, operador, falha):
    client.force_login(operador)

    assert client.get(reverse("painel_reexecutar", args=[falha.pk])).status_code == 405


def test_reexecutar_execucao_inexistente_da_404(client, operador, falha):
    client.force_login(operador)

    resposta = client.post(reverse("painel_reexecutar", args=["00000000-0000-4000-8000-000000000000"]))

    assert resposta.status_code == 404


def test_anonimo_vai_ao_login(client, falha):
    resposta = _reexecutar(client, falha)

    assert resposta.status_code == 302
    assert resposta.url.startswith("/admin/login/")
    assert list(Execucao.objects.all()) == [falha]


def test_mes_invalido_no_formulario_volta_ao_mes_atual(client, operador, falha, tarefas):
    client.force_login(operador)

    resposta = _reexecutar(client, falha, competencia="2026-99")

    assert resposta.url == "/?competencia=2026-11"
