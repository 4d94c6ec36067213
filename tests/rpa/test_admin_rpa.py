"""The robot configuration in the admin: one row for admins only, its secret token, and the connection test."""

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.messages import constants
from django.urls import reverse

from brm.rpa.models import ConfiguracaoRPA
from brm.rpa.selectors import api_robos_obter, configuracao_rpa_obter
from brm.rpa.services import configuracao_rpa_testar_conexao
from tests.conftest import mensagens, porta_fechada

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:rpa_configuracaorpa_changelist")
TESTAR = reverse("admin:rpa_configuracaorpa_testar_conexao")


def url_da_configuracao(configuracao: ConfiguracaoRPA, acao: str = "change") -> str:
    return reverse(f"admin:rpa_configuracaorpa_{acao}", args=[configuracao.pk])


def dados_do_formulario(configuracao: ConfiguracaoRPA, **extra) -> dict:
    campos = (
        "url_base",
        "robo_sat",
        "intervalo_polling_ms",
        "timeout_execucao_segundos",
        "timeout_http_segundos",
        "limite_global",
        "max_tentativas_envio",
        "backoff_base_segundos",
        "backoff_max_segundos",
        "reexecucoes_automaticas",
        "intervalo_reexecucao_minutos",
        "teto_ocupacao_minutos",
        "endpoint_cancelamento",
    )
    return {**{campo: getattr(configuracao, campo) for campo in campos}, "token": "", **extra}


class ServidorQualquer(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def configuracao(configuracao_rpa):
    # The row the admin's button tests, pointing at the simulator.
    return configuracao_rpa


# The single row


def test_configuracao_dos_robos_esta_no_admin(client, admin_user, operador):
    client.force_login(admin_user)
    assert CHANGELIST in client.get(reverse("admin:index")).content.decode()

    client.force_login(operador)
    assert CHANGELIST not in client.get(reverse("admin:index")).content.decode()


@pytest.mark.parametrize("papel", ["admin_user", "superusuario"])
def test_lista_leva_a_unica_configuracao_criada_com_os_valores_do_ambiente(client, request, settings, papel):
    settings.RPA_API_URL = "http://robos.exemplo.test:8000"
    settings.RPA_API_TOKEN = "token-do-ambiente"
    client.force_login(request.getfixturevalue(papel))

    primeira = client.get(CHANGELIST)
    segunda = client.get(CHANGELIST)

    configuracao = ConfiguracaoRPA.objects.get()
    assert primeira.status_code == segunda.status_code == 302
    assert primeira.url == segunda.url == url_da_configuracao(configuracao)
    assert configuracao.url_base == "http://robos.exemplo.test:8000"
    assert configuracao.token == "token-do-ambiente"
    assert client.get(primeira.url).status_code == 200


@pytest.mark.parametrize("papel", ["admin_user", "superusuario"])
def test_configuracao_nao_se_inclui_nem_se_exclui(client, request, papel):
    configuracao = configuracao_rpa_obter()
    client.force_login(request.getfixturevalue(papel))

    assert client.get(reverse("admin:rpa_configuracaorpa_add")).status_code == 403
    assert client.post(reverse("admin:rpa_configuracaorpa_add"), dados_do_formulario(configuracao)).status_code == 403
    assert client.get(url_da_configuracao(configuracao, "delete")).status_code == 403
    assert client.post(url_da_configuracao(configuracao, "delete"), {"post": "yes"}).status_code == 403
    pagina = client.get(url_da_configuracao(configuracao)).content.decode()

    assert ConfiguracaoRPA.objects.count() == 1
    assert url_da_configuracao(configuracao, "delete") not in pagina
    assert 'name="_addanother"' not in pagina


@pytest.mark.parametrize("papel", ["operador", "aprovador", "leitor"])
def test_quem_nao_e_administrador_nao_abre_a_configuracao(client, request, papel):
    client.force_login(request.getfixturevalue(papel))

    assert client.get(CHANGELIST).status_code == 403
    # Refused before the row is created: opening the list is no way to write to the database.
    assert not ConfiguracaoRPA.objects.exists()

    configuracao = configuracao_rpa_obter()
    antes = ConfiguracaoRPA.objects.values().get()
    assert client.get(url_da_configuracao(configuracao)).status_code == 403
    resposta = client.post(url_da_configuracao(configuracao), dados_do_formulario(configuracao, limite_global=99))
    assert resposta.status_code == 403
    assert client.post(TESTAR).status_code == 403
    assert ConfiguracaoRPA.objects.values().get() == antes


@pytest.mark.parametrize("caminho", ["jobs/{job_id}/cancelar", "/jobs/cancelar"])
def test_endereco_de_cancelamento_sem_barra_ou_sem_job_id_e_recusado(client, admin_user, caminho):
    configuracao = configuracao_rpa_obter()
    client.force_login(admin_user)

    resposta = client.post(
        url_da_configuracao(configuracao), dados_do_formulario(configuracao, endpoint_cancelamento=caminho)
    )

    assert resposta.status_code == 200
    assert resposta.context["adminform"].form.errors["endpoint_cancelamento"] == [
        "Informe um caminho que comece com / e contenha {job_id}."
    ]
    configuracao.refresh_from_db()
    assert configuracao.endpoint_cancelamento == ""


def test_pagina_agrupa_os_campos_e_so_diz_se_o_token_esta_definido(client, admin_user):
    configuracao = configuracao_rpa_obter()
    configuracao.token = "jwt-ultra-secreto"
    configuracao.save()
    client.force_login(admin_user)

    conteudo = client.get(url_da_configuracao(configuracao)).content.decode()

    assert "jwt-ultra-secreto" not in conteudo
    assert "Definido" in conteudo
    for grupo in ("API", "Ritmo", "Limites", "Política de novas tentativas"):
        assert f">{grupo}</h2>" in conteudo
    assert "Testar conexão" in conteudo
    assert TESTAR in conteudo


def test_admin_altera_a_configuracao_e_token_em_branco_e_mantido(client, admin_user):
    configuracao = configuracao_rpa_obter()
    configuracao.token = "jwt-antigo"
    configuracao.save()
    client.force_login(admin_user)

    resposta = client.post(
        url_da_configuracao(configuracao),
        dados_do_formulario(configuracao, url_base="http://10.0.0.5:8000", limite_global=9, backoff_max_segundos=600),
    )

    assert resposta.status_code == 302
    configuracao.refresh_from_db()
    assert configuracao.url_base == "http://10.0.0.5:8000"
    assert configuracao.limite_global == 9
    assert configuracao.backoff_max_segundos == 600
    assert configuracao.token == "jwt-antigo"
    assert client.get(resposta.url, follow=True).redirect_chain[-1][0] == url_da_configuracao(configuracao)


def test_admin_troca_o_token_e_ele_continua_escondido(client, admin_user):
    configuracao = configuracao_rpa_obter()
    client.force_login(admin_user)

    client.post(url_da_configuracao(configuracao), dados_do_formulario(configuracao, token="jwt-novo"))

    configuracao.refresh_from_db()
    assert configuracao.token == "jwt-novo"
    assert "jwt-novo" not in client.get(url_da_configuracao(configuracao)).content.decode()


def test_valor_invalido_e_recusado_sem_mudar_nada(client, admin_user):
    configuracao = configuracao_rpa_obter()
    antes = ConfiguracaoRPA.objects.values().get()
    client.force_login(admin_user)

    resposta = client.post(
        url_da_configuracao(configuracao), dados_do_formulario(configuracao, url_base="não é url", limite_global=0)
    )

    assert resposta.status_code == 200
    assert set(resposta.context["adminform"].form.errors) == {"url_base", "limite_global"}
    assert ConfiguracaoRPA.objects.values().get() == antes


# Testing the connection against the real simulator


def test_testar_conexao_com_a_api_e_o_token_certos_diz_que_funcionou(client, admin_user, configuracao):
    client.force_login(admin_user)

    assert client.get(TESTAR).status_code == 405
    resposta = client.post(TESTAR)

    assert resposta.status_code == 302
    assert resposta.url == url_da_configuracao(configuracao)
    [(nivel, texto)] = mensagens(resposta)
    assert nivel == constants.SUCCESS
    assert "aceitou o token" in texto
    assert configuracao.url_base in texto
    assert " ms" in texto


def test_testar_conexao_nao_inicia_trabalho_no_robo(configuracao, simulador):
    resultado = configuracao_rpa_testar_conexao(configuracao=configuracao)

    assert resultado.ok
    assert isinstance(resultado.tempo_ms, int)
    assert resultado.tempo_ms >= 0
    estatisticas = simulador.estatisticas()
    assert estatisticas["requisicoes"] == 1
    assert estatisticas["posts"] == 0
    assert estatisticas["jobs"] == 0


def test_testar_conexao_nao_deixa_rastro_na_sessao_dos_outros_chamados(configuracao):
    compartilhada = api_robos_obter(configuracao=configuracao).sessao

    configuracao_rpa_testar_conexao(configuracao=configuracao)

    assert api_robos_obter(configuracao=configuracao).sessao is compartilhada
    assert compartilhada.hooks["response"] == []


def test_testar_conexao_com_token_recusado_mostra_erro(client, admin_user, configuracao, simulador):
    simulador.configurar(token_rejeitado=True)
    client.force_login(admin_user)

    [(nivel, texto)] = mensagens(client.post(TESTAR))

    assert nivel == constants.ERROR
    assert "recusou o token" in texto
    assert "HTTP 401" in texto


def test_testar_conexao_com_token_errado_mostra_erro(configuracao):
    configuracao.token = "outro-token"
    configuracao.save()

    resultado = configuracao_rpa_testar_conexao(configuracao=configuracao)

    assert not resultado.ok
    assert "recusou o token" in resultado.mensagem
    assert "outro-token" not in resultado.mensagem


def test_testar_conexao_sem_token_diz_que_nao_ha_token(configuracao):
    configuracao.token = ""
    configuracao.save()

    resultado = configuracao_rpa_testar_conexao(configuracao=configuracao)

    assert not resultado.ok
    assert "Nenhum token global está definido" in resultado.mensagem


def test_testar_conexao_em_porta_fechada_diz_que_nao_conectou(client, admin_user):
    configuracao = configuracao_rpa_obter()
    configuracao.url_base = f"http://127.0.0.1:{porta_fechada()}"
    configuracao.save()
    client.force_login(admin_user)

    [(nivel, texto)] = mensagens(client.post(TESTAR))

    assert nivel == constants.ERROR
    assert f"Não foi possível conectar em {configuracao.url_base}" in texto
    assert "recusada" in texto


def test_testar_conexao_com_api_que_nao_responde_a_tempo(configuracao, simulador):
    configuracao.timeout_http_segundos = 1
    configuracao.save()
    simulador.configurar(travar_proximas=1, tempo_travamento=3.0)

    resultado = configuracao_rpa_testar_conexao(configuracao=configuracao)

    assert not resultado.ok
    assert f"Não foi possível conectar em {configuracao.url_base}" in resultado.mensagem
    assert "não respondeu a tempo" in resultado.mensagem


@pytest.mark.parametrize(
    ("falha", "esperado"),
    [
        ({"corpo_invalido_proximas": 1}, "não é JSON"),
        ({"json_incompleto_proximas": 1}, "JSON sem os campos de um trabalho"),
        ({"erro_503_proximas": 1}, "ocupada ou com erro (HTTP 503)"),
        ({"erro_500_proximas": 1}, "ocupada ou com erro (HTTP 500)"),
    ],
)
def test_testar_conexao_explica_respostas_estranhas(configuracao, simulador, falha, esperado):
    simulador.configurar(**falha)

    resultado = configuracao_rpa_testar_conexao(configuracao=configuracao)

    assert not resultado.ok
    assert esperado in resultado.mensagem
    assert "será tentado de novo" not in resultado.mensagem


def test_testar_conexao_em_servidor_que_nao_e_a_api_de_robos(tmp_path):
    # Any web server answers 404 for /jobs/<id>; only the robot API answers it in JSON.
    servidor = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(ServidorQualquer, directory=str(tmp_path)))
    threading.Thread(target=servidor.serve_forever, daemon=True).start()
    try:
        configuracao = configuracao_rpa_obter()
        configuracao.url_base = f"http://127.0.0.1:{servidor.server_address[1]}"
        configuracao.token = "qualquer"
        configuracao.save()

        resultado = configuracao_rpa_testar_conexao(configuracao=configuracao)
    finally:
        servidor.shutdown()
        servidor.server_close()

    assert not resultado.ok
    assert "não parece ser a API de robôs" in resultado.mensagem
