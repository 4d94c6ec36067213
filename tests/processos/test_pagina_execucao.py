"""The page of one robot job: the log tail it renders, the hooks its script and browser tests use, the chain of
attempts, and the JSON view that brings older lines and the lines a dropped stream missed."""

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from processos.admin.pagina_execucao import LINHAS_NA_PAGINA, formatar_duracao
from processos.models import Execucao, ExecucaoEvento
from tests.factories import ExecucaoFactory, ExecucaoLogFactory, ProcessoFactory, UsuarioFactory

pytestmark = pytest.mark.django_db

E = Execucao.Status
T = Execucao.Tipo
UTC = dt.UTC


def url(nome: str, execucao: Execucao) -> str:
    return reverse(f"admin:processos_execucao_{nome}", args=[execucao.pk])


def com_linhas(execucao: Execucao, quantidade: int, *, inicio: int = 1) -> None:
    base = dt.datetime(2026, 11, 20, 15, 0, 0, tzinfo=UTC)
    for seq in range(inicio, inicio + quantidade):
        ExecucaoLogFactory(execucao=execucao, seq=seq, quando=base + dt.timedelta(seconds=seq), mensagem=f"passo {seq}")


def linhas(client, execucao: Execucao, **parametros):
    return client.get(url("linhas", execucao), parametros)


def seqs(resposta) -> list[int]:
    return [linha["seq"] for linha in resposta.json()["linhas"]]


@pytest.fixture
def sem_papel(db):
    usuario = UsuarioFactory()
    usuario.groups.clear()
    return usuario


# The log tail -------------------------------------------------------------------------------------------------


def test_pagina_mostra_as_ultimas_200_linhas_como_log_no_horario_de_sao_paulo(client, leitor):
    execucao = ExecucaoFactory(status=E.EM_EXECUCAO, job_id="job-1", iniciado_em=dt.datetime.now(UTC))
    com_linhas(execucao, LINHAS_NA_PAGINA + 5)
    ExecucaoLogFactory(
        execucao=execucao,
        seq=LINHAS_NA_PAGINA + 6,
        nivel="ERROR",
        quando=dt.datetime(2026, 11, 20, 15, 4, 5, tzinfo=UTC),
        mensagem="Portal recusou",
    )
    client.force_login(leitor)

    resposta = client.get(url("change", execucao))

    assert LINHAS_NA_PAGINA == 200
    assert [linha.seq for linha in resposta.context["log_linhas"]] == list(range(7, LINHAS_NA_PAGINA + 7))
    conteudo = resposta.content.decode()
    assert 'id="execucao-log" class="brm-log" role="log"' in conteudo
    assert 'data-primeiro-seq="7"' in conteudo
    assert f'data-ultimo-seq="{LINHAS_NA_PAGINA + 6}"' in conteudo
    # 15:04:05 UTC is 12:04:05 in São Paulo; the level is a class the stylesheet colours.
    assert (
        f'<div class="brm-log-linha brm-log-error" data-seq="{LINHAS_NA_PAGINA + 6}">'
        '<time class="brm-log-quando" datetime="2026-11-20T15:04:05+00:00">20/11 12:04:05</time> '
        '<span class="brm-log-nivel">ERROR</span> <span class="brm-log-mensagem">Portal recusou</span></div>'
    ) in conteudo
    assert "passo 6<" not in conteudo
    # Older lines exist: the button that fetches them is shown.
    assert re.search(r'<button type="button" id="execucao-log-anteriores" class="button">', conteudo)
    lista = reverse("admin:processos_execucaolog_changelist")
    assert f'<a href="{lista}?execucao__id__exact={execucao.pk}">Ver o log inteiro na lista de linhas</a>' in conteudo


def test_log_curto_nao_oferece_linhas_anteriores(client, leitor):
    execucao = ExecucaoFactory(status=E.EM_EXECUCAO)
    com_linhas(execucao, 3)
    client.force_login(leitor)

    conteudo = client.get(url("change", execucao)).content.decode()

    assert re.search(r'id="execucao-log-anteriores" class="button" hidden>', conteudo)
    assert re.search(r'id="execucao-log-vazio" class="brm-discreto" hidden>', conteudo)


def test_html_numa_linha_de_log_aparece_como_texto(client, leitor):
    execucao = ExecucaoFactory(status=E.EM_EXECUCAO)
    ExecucaoLogFactory(execucao=execucao, seq=1, mensagem='<script>alert("x")</script><b>negrito</b>')
    client.force_login(leitor)

    conteudo = client.get(url("change", execucao)).content.decode()

    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;negrito&lt;/b&gt;" in conteudo
    assert '<script>alert("x")' not in conteudo


def test_execucao_sem_linhas_diz_que_o_robo_ainda_nao_escreveu(client, leitor):
    execucao = ExecucaoFactory()
    client.force_login(leitor)

    conteudo = client.get(url("change", execucao)).content.decode()

    assert 'data-primeiro-seq="" data-ultimo-seq=""' in conteudo
    assert re.search(r'id="execucao-log-vazio" class="brm-discreto">O robô ainda não escreveu', conteudo)


# The live parts: status, duration, buttons, connection -------------------------------------------------------


def configuracao_da_pagina(resposta) -> dict:
    bloco = re.search(r'<script id="execucao-config" type="application/json">(.*?)</script>', resposta.content.decode())
    return json.loads(bloco.group(1))


def test_pagina_em_andamento_traz_o_que_o_script_precisa_para_seguir_o_canal(client, operador):
    inicio = dt.datetime(2026, 11, 20, 15, 0, 0, tzinfo=UTC)
    execucao = ExecucaoFactory(status=E.EM_EXECUCAO, job_id="job-7", iniciado_em=inicio)
    client.force_login(operador)

    resposta = client.get(url("change", execucao))

    conteudo = resposta.content.decode()
    config = configuracao_da_pagina(resposta)
    assert config["canal"] == f"/eventos/execucao-{execucao.pk}/"
    assert config["linhas"] == url("linhas", execucao)
    assert config["fuso"] == "America/Sao_Paulo"
    assert config["situacao"]["status"] == E.EM_EXECUCAO
    assert config["situacao"]["iniciado_em"] == inicio.isoformat()
    assert set(config["ativos"]) == {E.PENDENTE, E.ENVIANDO, E.EM_EXECUCAO}
    assert set(config["reexecutaveis"]) == {E.FALHA, E.CANCELADA}
    assert config["cores"][E.FALHA] == Execucao.CORES[E.FALHA]
    assert f'id="execucao-situacao" class="brm-badge" data-status="{E.EM_EXECUCAO}"' in conteudo
    assert f'id="execucao-duracao" data-iniciado-em="{inicio.isoformat()}" data-finalizado-em=""' in conteudo
    assert 'id="execucao-conexao" class="brm-conexao" data-estado="conectando" role="status"' in conteudo
    assert "brm/execucao.js" in conteudo
    # Running: cancel is offered; re-run is on the page, hidden until the job fails or is cancelled.
    assert re.search(r'<form id="execucao-cancelar" method="post" action="[^"]+/cancelar/">', conteudo)
    assert re.search(r'<form id="execucao-reexecutar" method="post" action="[^"]+/reexecutar/" hidden>', conteudo)
    assert 'id="execucao-botao-cancelar"' in conteudo and 'id="execucao-botao-reexecutar"' in conteudo


def test_pagina_de_execucao_com_falha_mostra_erro_duracao_final_e_so_reexecutar(client, operador):
    inicio = dt.datetime(2026, 11, 20, 15, 0, 0, tzinfo=UTC)
    execucao = ExecucaoFactory(
        status=E.FALHA,
        iniciado_em=inicio,
        finalizado_em=inicio + dt.timedelta(minutes=2, seconds=5),
        erro="O portal recusou o login do cliente.",
    )
    client.force_login(operador)

    resposta = client.get(url("change", execucao))

    conteudo = resposta.content.decode()
    assert resposta.context["duracao"] == "2 min 05 s"
    assert '<div id="execucao-erro" class="brm-erro" role="alert" data-status="FALHA">' in conteudo
    assert "O portal recusou o login do cliente." in conteudo
    assert 'data-estado="encerrado" role="status">execução encerrada<' in conteudo
    assert re.search(r'<form id="execucao-reexecutar" method="post" action="[^"]+">', conteudo)
    assert 'id="execucao-cancelar"' not in conteudo


def test_execucao_cancelada_mostra_a_frase_como_nota_e_nao_como_erro(client, operador):
    execucao = ExecucaoFactory(status=E.CANCELADA, erro="Cancelado: a fatura foi enviada manualmente por Ana.")
    client.force_login(operador)

    conteudo = client.get(url("change", execucao)).content.decode()

    assert '<div id="execucao-erro" class="brm-nota" role="alert" data-status="CANCELADA">' in conteudo
    assert '<strong id="execucao-erro-titulo" hidden>Erro:</strong>' in conteudo
    assert "Cancelado: a fatura foi enviada manualmente por Ana." in conteudo
    assert 'class="brm-erro"' not in conteudo


def test_quem_so_le_nao_recebe_botoes_nem_escondidos(client, leitor):
    execucao = ExecucaoFactory(status=E.EM_EXECUCAO)
    client.force_login(leitor)

    conteudo = client.get(url("change", execucao)).content.decode()

    assert 'id="execucao-reexecutar"' not in conteudo
    assert 'id="execucao-cancelar"' not in conteudo
    assert 'id="execucao-log"' in conteudo


@pytest.mark.parametrize(
    ("segundos", "texto"),
    [(None, "—"), (0, "0 s"), (45.9, "45 s"), (125, "2 min 05 s"), (3723, "1 h 02 min 03 s"), (-3, "0 s")],
)
def test_duracao_legivel(segundos, texto):
    assert formatar_duracao(segundos) == texto


# The chain of attempts and the history ------------------------------------------------------------------------


def test_cadeia_mostra_anterior_reexecucoes_e_outras_execucoes_do_processo_com_links(client, leitor):
    processo = ProcessoFactory()
    primeira = ExecucaoFactory(processo=processo, status=E.FALHA, erro="Portal fora do ar.")
    segunda = ExecucaoFactory(processo=processo, status=E.FALHA, anterior=primeira, tentativa=2)
    terceira = ExecucaoFactory(processo=processo, status=E.SUCESSO, anterior=segunda, tentativa=3)
    sat = ExecucaoFactory(processo=processo, tipo=T.UPLOAD_SAT, status=E.PENDENTE)
    de_outro_processo = ExecucaoFactory()
    ExecucaoEvento.objects.create(execucao=segunda, de=E.EM_EXECUCAO, para=E.FALHA, motivo="Portal fora do ar.")
    client.force_login(leitor)

    resposta = client.get(url("change", segunda))

    cadeia = resposta.context["cadeia"]
    assert [item["execucao"] for item in cadeia] == [primeira, segunda, terceira, sat]
    assert [item["relacao"] for item in cadeia] == [
        "tentativa anterior (esta a reexecuta)",
        "esta execução",
        "reexecução desta",
        "",
    ]
    conteudo = resposta.content.decode()
    for outra in (primeira, terceira, sat):
        assert f'<a href="{url("change", outra)}">#{outra.tentativa}</a>' in conteudo
    assert f'<tr data-execucao-id="{segunda.pk}" class="brm-cadeia-atual" aria-current="page">' in conteudo
    assert url("change", de_outro_processo) not in conteudo
    # The execution's own history stays on the page.
    historico = next(f for f in resposta.context["inline_admin_formsets"] if f.opts.model is ExecucaoEvento)
    assert [form.instance.para for form in historico.formset.forms][-1] == E.FALHA


def test_pagina_faz_as_mesmas_consultas_com_poucas_ou_muitas_linhas_e_tentativas(client, admin_user):
    poucas, muitas = ExecucaoFactory(), ExecucaoFactory()
    com_linhas(poucas, 1)
    com_linhas(muitas, LINHAS_NA_PAGINA + 50)
    anterior = muitas
    for tentativa in range(2, 8):
        anterior = ExecucaoFactory(processo=muitas.processo, status=E.FALHA, anterior=anterior, tentativa=tentativa)
    client.force_login(admin_user)
    client.get(url("change", poucas))

    contagens = []
    for execucao in (poucas, muitas):
        with CaptureQueriesContext(connection) as capturadas:
            client.get(url("change", execucao))
        contagens.append(len(capturadas))

    assert contagens[0] == contagens[1]


# The JSON view of the lines ------------------------------------------------------------------------------------


def test_linhas_anteriores_vem_em_ordem_e_dizem_se_ha_mais(client, leitor):
    execucao = ExecucaoFactory(status=E.EM_EXECUCAO)
    com_linhas(execucao, 250)
    client.force_login(leitor)

    resposta = linhas(client, execucao, antes=51)
    primeiras = linhas(client, execucao, antes=11, limite=10)

    assert resposta.status_code == 200
    assert resposta["Content-Type"] == "application/json"
    assert "no-store" in resposta["Cache-Control"]
    dados = resposta.json()
    assert seqs(resposta) == list(range(1, 51))
    assert dados["mais"] is False
    assert dados["linhas"][0] == {
        "seq": 1,
        "quando": "2026-11-20T15:00:01+00:00",
        "nivel": "INFO",
        "mensagem": "passo 1",
    }
    assert seqs(primeiras) == list(range(1, 11)) and primeiras.json()["mais"] is False
    assert linhas(client, execucao, antes=201, limite=100).json()["mais"] is True


def test_linhas_seguintes_preenchem_o_que_o_fluxo_perdeu_e_trazem_a_situacao(client, leitor):
    inicio = dt.datetime(2026, 11, 20, 15, 0, 0, tzinfo=UTC)
    execucao = ExecucaoFactory(status=E.FALHA, erro="Portal fora do ar.", iniciado_em=inicio, finalizado_em=inicio)
    com_linhas(execucao, 30)
    client.force_login(leitor)

    resposta = linhas(client, execucao, depois=10, limite=15)
    resto = linhas(client, execucao, depois=25)
    nada = linhas(client, execucao, depois=30)

    assert seqs(resposta) == list(range(11, 26)) and resposta.json()["mais"] is True
    assert seqs(resto) == list(range(26, 31)) and resto.json()["mais"] is False
    assert nada.json()["linhas"] == [] and nada.json()["mais"] is False
    assert resposta.json()["execucao"] == {
        "id": str(execucao.pk),
        "processo_id": str(execucao.processo_id),
        "tipo": T.DOWNLOAD_FATURA,
        "status": E.FALHA,
        "status_rotulo": "Falha",
        "iniciado_em": inicio.isoformat(),
        "finalizado_em": inicio.isoformat(),
        "erro": "Portal fora do ar.",
    }


def test_linhas_sao_so_da_execucao_pedida(client, leitor):
    execucao, outra = ExecucaoFactory(), ExecucaoFactory()
    com_linhas(execucao, 3)
    com_linhas(outra, 3)
    client.force_login(leitor)

    assert seqs(linhas(client, execucao, depois=0)) == [1, 2, 3]
    assert all(linha["mensagem"].startswith("passo") for linha in linhas(client, execucao, depois=0).json()["linhas"])
    assert len(linhas(client, outra, antes=100).json()["linhas"]) == 3


@pytest.mark.parametrize(
    ("parametros", "trecho"),
    [
        ({}, "Informe “antes”"),
        ({"antes": 5, "depois": 1}, "e só um deles"),
        ({"antes": "abc"}, "“antes” precisa ser um número inteiro"),
        ({"depois": "1.5"}, "“depois” precisa ser um número inteiro"),
        ({"antes": 0}, "“antes” precisa estar a partir de 1"),
        ({"depois": -1}, "“depois” precisa estar a partir de 0"),
        ({"depois": 0, "limite": 0}, "“limite” precisa estar entre 1 e 1000"),
        ({"depois": 0, "limite": 1001}, "“limite” precisa estar entre 1 e 1000"),
    ],
)
def test_pedido_de_linhas_invalido_responde_400_com_a_frase(client, leitor, parametros, trecho):
    execucao = ExecucaoFactory()
    client.force_login(leitor)

    resposta = linhas(client, execucao, **parametros)

    assert resposta.status_code == 400
    assert trecho in resposta.json()["erro"]


def test_linhas_de_execucao_inexistente_da_404(client, leitor):
    client.force_login(leitor)
    execucao = ExecucaoFactory()
    outra_url = url("linhas", execucao).replace(str(execucao.pk), "00000000-0000-0000-0000-000000000000")

    assert client.get(outra_url, {"depois": 0}).status_code == 404
    assert client.get(url("linhas", execucao).replace(str(execucao.pk), "nao-e-uuid"), {"depois": 0}).status_code == 404


def test_linhas_recusam_quem_nao_pode_ver_execucoes_e_quem_nao_entrou(client, sem_papel):
    execucao = ExecucaoFactory()
    com_linhas(execucao, 2)

    anonimo = linhas(client, execucao, depois=0)
    client.force_login(sem_papel)
    sem_permissao = linhas(client, execucao, depois=0)

    assert anonimo.status_code == 302 and "/login/" in anonimo.url
    assert sem_permissao.status_code == 403
    assert sem_permissao.json() == {"erro": "Você não tem permissão para ver esta execução."}
    assert "passo" not in sem_permissao.content.decode()


def test_linhas_so_respondem_a_get(client, leitor):
    execucao = ExecucaoFactory()
    client.force_login(leitor)

    assert client.post(url("linhas", execucao), {"depois": 0}).status_code == 405
