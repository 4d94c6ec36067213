"""/metrics: refused without the token, and with it the numbers of the data in the database, in Prometheus' format."""

import datetime as dt

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from processos.models import Execucao, Processo
from tests.factories import AgendamentoFactory, ConfiguracaoRPAFactory, ExecucaoFactory, ProcessoFactory

TOKEN = "token-das-metricas-de-teste"
FAMILIAS = {
    "brm_processos",
    "brm_execucoes_ativas",
    "brm_execucoes_falhas_24h",
    "brm_agendamento_atraso_segundos",
    "brm_pronto",
    "brm_prontidao_parte_ok",
    "brm_prontidao_parte_segundos",
    "brm_api_robos_acessivel",
    "brm_api_robos_latencia_segundos",
}
# Processes of a month long gone: their executions must not count among this month's processes.
MES_ANTIGO = dt.date(2020, 1, 1)

S = Processo.Status
E = Execucao.Status


@pytest.fixture
def com_token(settings):
    settings.BRM_METRICAS_TOKEN = TOKEN


def _amostras(resposta) -> dict[tuple[str, frozenset], float]:
    return {
        (amostra.name, frozenset(amostra.labels.items())): amostra.value
        for familia in text_string_to_metric_families(resposta.content.decode())
        for amostra in familia.samples
    }


def _familias(resposta) -> dict[str, str]:
    return {
        familia.name: familia.documentation for familia in text_string_to_metric_families(resposta.content.decode())
    }


def _ler(client):
    return client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")


# Who may read them ------------------------------------------------------------------------------------------------


def test_sem_token_configurado_as_metricas_estao_desligadas(client, settings):
    settings.BRM_METRICAS_TOKEN = ""

    resposta = client.get("/metrics", HTTP_AUTHORIZATION="Bearer qualquer-coisa")

    assert resposta.status_code == 404
    assert "defina BRM_METRICAS_TOKEN" in resposta.content.decode()


def test_sem_o_cabecalho_authorization_responde_401(client, com_token):
    resposta = client.get("/metrics")

    assert resposta.status_code == 401
    assert resposta["WWW-Authenticate"] == 'Bearer realm="metricas"'
    assert "Authorization: Bearer" in resposta.content.decode()


@pytest.mark.parametrize("cabecalho", [f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", "Bearer "])
def test_com_token_errado_recusa(client, com_token, cabecalho):
    resposta = client.get("/metrics", HTTP_AUTHORIZATION=cabecalho)

    assert resposta.status_code in (401, 403)
    assert "brm_" not in resposta.content.decode()


def test_com_token_certo_e_o_formato_de_texto_do_prometheus(client, com_token, db):
    resposta = _ler(client)

    assert resposta.status_code == 200
    assert resposta["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    familias = _familias(resposta)
    assert set(familias) >= FAMILIAS
    assert all(familias[nome] for nome in FAMILIAS), "toda família tem um texto de ajuda"


def test_pedido_de_openmetrics_recebe_openmetrics(client, com_token, db):
    resposta = client.get(
        "/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", HTTP_ACCEPT="application/openmetrics-text; version=1.0.0"
    )

    assert resposta.status_code == 200
    assert resposta["Content-Type"].startswith("application/openmetrics-text")
    assert resposta.content.decode().rstrip().endswith("# EOF")


# What they count ------------------------------------------------------------------------------------------------


def test_metricas_contam_os_dados_do_banco(client, com_token, db):
    agora = timezone.now()
    competencia = timezone.localdate().replace(day=1)
    for status, quantos in ((S.AGUARDANDO_DOWNLOAD, 3), (S.AGUARDANDO_APROVACAO, 2), (S.UPLOAD_REALIZADO, 1)):
        ProcessoFactory.create_batch(quantos, competencia=competencia, status=status)
    # Another month: not the current one.
    ProcessoFactory.create_batch(4, competencia=MES_ANTIGO, status=S.AGUARDANDO_APROVACAO)

    def execucao(status, **campos):
        return ExecucaoFactory(processo=ProcessoFactory(competencia=MES_ANTIGO), status=status, **campos)

    for _ in range(2):
        execucao(E.PENDENTE)
    execucao(E.EM_EXECUCAO)
    execucao(E.SUCESSO, finalizado_em=agora)
    for _ in range(2):
        execucao(E.FALHA, finalizado_em=agora - dt.timedelta(hours=1), resultado={"codigo": "LOGIN_INVALIDO"})
    execucao(
        E.FALHA,
        tipo=Execucao.Tipo.UPLOAD_SAT,
        finalizado_em=agora - dt.timedelta(hours=3),
        resultado={"codigo": "TEMPO_ESGOTADO"},
    )
    execucao(E.FALHA, finalizado_em=agora - dt.timedelta(minutes=5))
    # Outside the 24 hours.
    execucao(E.FALHA, finalizado_em=agora - dt.timedelta(hours=30), resultado={"codigo": "LOGIN_INVALIDO"})

    AgendamentoFactory(nome="Atrasado", proxima_execucao=agora - dt.timedelta(seconds=300))
    AgendamentoFactory(nome="Em dia", proxima_execucao=agora + dt.timedelta(hours=1))
    # Due, and its run started since: it is running, not late.
    AgendamentoFactory(
        nome="Rodando",
        tipo="BACKUP_DADOS",
        proxima_execucao=agora - dt.timedelta(seconds=600),
        ultima_execucao=agora - dt.timedelta(seconds=60),
    )
    AgendamentoFactory(nome="Desligado", ativo=False, proxima_execucao=agora - dt.timedelta(days=3))

    resposta = _ler(client)

    assert resposta.status_code == 200
    amostras = _amostras(resposta)
    mes = competencia.strftime("%Y-%m")

    def valor(nome, **rotulos):
        return amostras.get((nome, frozenset(rotulos.items())))

    assert valor("brm_processos", competencia=mes, status="AGUARDANDO_DOWNLOAD") == 3
    assert valor("brm_processos", competencia=mes, status="AGUARDANDO_APROVACAO") == 2
    assert valor("brm_processos", competencia=mes, status="AGUARDANDO_ENVIO_SAT") == 0
    assert valor("brm_processos", competencia=mes, status="UPLOAD_REALIZADO") == 1
    assert valor("brm_execucoes_ativas", status="PENDENTE") == 2
    assert valor("brm_execucoes_ativas", status="ENVIANDO") == 0
    assert valor("brm_execucoes_ativas", status="EM_EXECUCAO") == 1
    falhas = {
        dict(rotulos)["codigo"]: v for (nome, rotulos), v in amostras.items() if nome == "brm_execucoes_falhas_24h"
    }
    assert falhas == {"LOGIN_INVALIDO": 2, "TEMPO_ESGOTADO": 1, "SEM_CODIGO": 1}
    assert valor("brm_execucoes_falhas_24h", tipo="UPLOAD_SAT", codigo="TEMPO_ESGOTADO") == 1
    atraso = valor("brm_agendamento_atraso_segundos", agendamento="Atrasado", tipo="CRIAR_PROCESSOS_MENSAIS")
    assert 300 <= atraso < 360
    assert valor("brm_agendamento_atraso_segundos", agendamento="Em dia", tipo="CRIAR_PROCESSOS_MENSAIS") == 0
    assert valor("brm_agendamento_atraso_segundos", agendamento="Rodando", tipo="BACKUP_DADOS") == 0
    assert not any(dict(rotulos).get("agendamento") == "Desligado" for _, rotulos in amostras)


def test_metricas_dizem_quais_partes_da_prontidao_falham(client, com_token, db, settings):
    settings.RPA_API_URL = "http://127.0.0.1:9"

    amostras = _amostras(_ler(client))

    assert amostras[("brm_prontidao_parte_ok", frozenset({("parte", "banco")}))] == 1
    assert amostras[("brm_prontidao_parte_ok", frozenset({("parte", "redis")}))] == 1
    # No worker, no beat, no robot API in this test.
    assert amostras[("brm_prontidao_parte_ok", frozenset({("parte", "api_robos")}))] == 0
    assert amostras[("brm_pronto", frozenset())] == 0
    assert amostras[("brm_api_robos_acessivel", frozenset())] == 0
    assert ("brm_api_robos_latencia_segundos", frozenset()) not in amostras


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_latencia_da_api_de_robos_vem_da_verificacao(client, com_token, simulador):
    ConfiguracaoRPAFactory(url_base=simulador.url, token=simulador.token)

    amostras = _amostras(_ler(client))

    assert amostras[("brm_api_robos_acessivel", frozenset())] == 1
    assert 0 <= amostras[("brm_api_robos_latencia_segundos", frozenset())] < 2
