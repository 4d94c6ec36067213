"""The painel: who sees it, what it counts, where each number leads, the month picker and its fragment."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agendamentos.models import Agendamento
from processos.models import Execucao, Processo
from tests.factories import (
    AgendamentoFactory,
    ClienteFactory,
    ExecucaoFactory,
    OperadoraFactory,
    ProcessoFactory,
    UsuarioFactory,
)

from .conftest import NOVEMBRO, contagens, valores

pytestmark = pytest.mark.django_db

S = Processo.Status
E = Execucao.Status
T = Execucao.Tipo
OUTUBRO = dt.date(2026, 10, 1)
PAINEL = "/"


def _processo(operadora, *, dia_cliente=None, competencia=NOVEMBRO, status=S.AGUARDANDO_DOWNLOAD, **campos):
    cliente = ClienteFactory(operadora=operadora, dia_emissao=dia_cliente)
    return ProcessoFactory(cliente=cliente, competencia=competencia, status=status, **campos)


@pytest.fixture
def mes(relogio):
    """November 2026 seen on the 15th: two operators, every status, late and near-due invoices, jobs and schedules."""
    vivo = OperadoraFactory(nome="Vivo", codigo="vivo", dia_emissao=10)
    claro = OperadoraFactory(nome="Claro", codigo="claro", dia_emissao=None)
    m = {
        # Vivo: invoices expected on the 10th unless the client says otherwise.
        "atrasada": _processo(vivo),
        "no_prazo": _processo(vivo, dia_cliente=20),
        "vence_logo": _processo(vivo, status=S.AGUARDANDO_APROVACAO, vencimento=dt.date(2026, 11, 18)),
        "enviada": _processo(vivo, status=S.UPLOAD_REALIZADO),
        # Claro: no day known, so nothing of it is late.
        "sem_dia": _processo(claro),
        "vence_depois": _processo(claro, status=S.AGUARDANDO_APROVACAO, vencimento=dt.date(2026, 11, 30)),
        "aprovada": _processo(claro, status=S.AGUARDANDO_ENVIO_SAT),
        # October: late and overdue, but another month; only the due date counts on November's painel.
        "outubro_vencida": _processo(
            vivo, competencia=OUTUBRO, status=S.AGUARDANDO_APROVACAO, vencimento=dt.date(2026, 11, 10)
        ),
        "outubro_atrasada": _processo(vivo, competencia=OUTUBRO, dia_cliente=5),
    }
    m["falha"] = ExecucaoFactory(processo=m["atrasada"], status=E.FALHA, erro="O portal recusou o login.")
    m["rodando"] = ExecucaoFactory(processo=m["no_prazo"], status=E.EM_EXECUCAO)
    m["na_fila"] = ExecucaoFactory(processo=m["aprovada"], tipo=T.UPLOAD_SAT, status=E.PENDENTE)
    # Its process got its invoice afterwards: nobody needs to re-run it.
    m["falha_resolvida"] = ExecucaoFactory(processo=m["vence_logo"], status=E.FALHA)
    ExecucaoFactory(processo=m["enviada"], tipo=T.UPLOAD_SAT, status=E.SUCESSO)
    m["noturno"] = AgendamentoFactory(nome="Downloads noturnos", expressao_cron="0 2 * * *")
    m["mensal"] = AgendamentoFactory(nome="Processos do mês", expressao_cron="0 0 1 * *")
    m["desligado"] = AgendamentoFactory(nome="Relatório desligado", expressao_cron="0 9 * * 1", ativo=False)
    return m


@pytest.fixture
def admin_logado(client, admin_user):
    client.force_login(admin_user)
    return client


# Who sees it


def test_anonimo_vai_para_o_login_do_admin_com_next(client):
    resposta = client.get(PAINEL)

    assert resposta.status_code == 302
    assert resposta.url == "/admin/login/?next=/"


def test_anonimo_pedindo_o_fragmento_tambem_vai_para_o_login(client):
    resposta = client.get(PAINEL, {"competencia": "2026-10", "parcial": "1"})

    assert resposta.status_code == 302
    assert resposta.url.startswith("/admin/login/?next=/%3Fcompetencia%3D2026-10%26parcial%3D1")
    assert "X-Painel-Parcial" not in resposta.headers


def test_usuario_sem_permissao_de_ver_processos_e_recusado(client, leitor):
    leitor.groups.clear()
    client.force_login(leitor)

    assert client.get(PAINEL).status_code == 403


@pytest.mark.parametrize("papel", ["admin_user", "operador", "aprovador", "leitor"])
def test_todo_papel_ve_o_painel(client, request, papel, relogio):
    client.force_login(request.getfixturevalue(papel))

    resposta = client.get(PAINEL)

    assert resposta.status_code == 200
    conteudo = resposta.content.decode()
    # Inside the admin's look: its header, and the user's links to change the password and sign out.
    assert "BRM · Gestão de faturas" in conteudo
    assert 'id="logout-form"' in conteudo
    assert re.search(r"<h1>Painel <span", conteudo)


def test_login_com_next_volta_ao_painel(client, relogio):
    UsuarioFactory(email="pessoa@brm.test")

    resposta = client.post(
        "/admin/login/", {"username": "pessoa@brm.test", "password": "senha-teste-123", "next": PAINEL}
    )

    assert resposta.status_code == 302
    assert resposta.url == PAINEL


def test_login_do_admin_sem_next_leva_ao_painel(client, relogio):
    UsuarioFactory(email="pessoa@brm.test")

    pagina = client.get("/admin/login/")
    resposta = client.post("/admin/login/", {"username": "pessoa@brm.test", "password": "senha-teste-123"})

    assert re.search(r'name="next" value="/"', pagina.content.decode())
    assert resposta.status_code == 302
    assert resposta.url == reverse("painel") == PAINEL


def test_login_do_admin_com_outro_next_respeita_o_next(client):
    pagina = client.get("/admin/login/", {"next": "/admin/processos/processo/"})

    assert re.search(r'name="next" value="/admin/processos/processo/"', pagina.content.decode())


def test_quem_ja_entrou_e_abre_o_login_vai_ao_painel(client, leitor):
    client.force_login(leitor)

    resposta = client.get("/admin/login/")

    assert resposta.status_code == 302
    assert resposta.url == PAINEL


def test_indice_do_admin_continua_em_admin_e_leva_ao_painel(admin_logado):
    resposta = admin_logado.get(reverse("admin:index"))

    assert resposta.status_code == 200
    # The admin's "Ver o site" link is the painel.
    assert '<a href="/">' in resposta.content.decode()


# What it counts


def test_contagens_do_mes(admin_logado, mes):
    resposta = admin_logado.get(PAINEL)

    assert resposta.status_code == 200
    numeros = valores(resposta)
    assert {chave: numeros[chave] for chave in (*S.values, "TOTAL")} == {
        "AGUARDANDO_DOWNLOAD": 3,
        "AGUARDANDO_APROVACAO": 2,
        "AGUARDANDO_ENVIO_SAT": 1,
        "UPLOAD_REALIZADO": 1,
        "TOTAL": 7,
    }
    assert {chave: n for chave, n in numeros.items() if chave.startswith("operadora:")} == {
        "operadora:claro:AGUARDANDO_DOWNLOAD": 1,
        "operadora:claro:AGUARDANDO_APROVACAO": 1,
        "operadora:claro:AGUARDANDO_ENVIO_SAT": 1,
        "operadora:claro:UPLOAD_REALIZADO": 0,
        "operadora:claro:TOTAL": 3,
        "operadora:vivo:AGUARDANDO_DOWNLOAD": 2,
        "operadora:vivo:AGUARDANDO_APROVACAO": 1,
        "operadora:vivo:AGUARDANDO_ENVIO_SAT": 0,
        "operadora:vivo:UPLOAD_REALIZADO": 1,
        "operadora:vivo:TOTAL": 4,
    }
    assert numeros["atrasadas"] == 1
    assert numeros["vencimento-proximo"] == 2
    assert numeros["execucoes-ativas"] == 2
    assert (numeros["execucoes:PENDENTE"], numeros["execucoes:ENVIANDO"], numeros["execucoes:EM_EXECUCAO"]) == (1, 0, 1)
    assert numeros["falhas"] == 1
    assert numeros["agendamentos-ativos"] == 2


def test_numeros_tem_ids_estaveis(admin_logado, mes):
    por_chave = contagens(admin_logado.get(PAINEL))

    assert por_chave["AGUARDANDO_APROVACAO"].id == "contagem-AGUARDANDO_APROVACAO"
    assert por_chave["operadora:vivo:TOTAL"].id == "contagem-operadora-vivo-TOTAL"
    assert por_chave["execucoes-ativas"].id == "contagem-execucoes-ativas"
    assert por_chave["AGUARDANDO_DOWNLOAD"].texto == "3 Aguardando download"


def test_barra_da_operadora_mostra_o_progresso(admin_logado, mes):
    conteudo = admin_logado.get(PAINEL).content.decode()

    # Vivo: 1 of 4 sent to the SAT; the bar starts with what is done.
    linha = conteudo[conteudo.index('data-operadora="vivo"') :]
    linha = linha[: linha.index("</tr>")]
    assert "25% enviado ao SAT" in linha
    assert re.findall(r'style="width: ([\d.]+%)', linha) == ["25.00%", "25.00%", "50.00%"]


# Where each number leads


def _ids_da_lista(client, url: str) -> set:
    resposta = client.get(url)
    assert resposta.status_code == 200, url
    return set(resposta.context["cl"].queryset.values_list("pk", flat=True))


def test_cada_numero_leva_a_lista_exata_do_que_conta(admin_logado, mes):
    do_mes = Processo.objects.filter(competencia=NOVEMBRO)
    esperado = {
        "TOTAL": set(do_mes.values_list("pk", flat=True)),
        **{status: set(do_mes.filter(status=status).values_list("pk", flat=True)) for status in S.values},
        "atrasadas": {mes["atrasada"].pk},
        "vencimento-proximo": {mes["vence_logo"].pk, mes["outubro_vencida"].pk},
        "execucoes-ativas": {mes["rodando"].pk, mes["na_fila"].pk},
        "execucoes:PENDENTE": {mes["na_fila"].pk},
        "execucoes:ENVIANDO": set(),
        "execucoes:EM_EXECUCAO": {mes["rodando"].pk},
        "falhas": {mes["falha"].pk},
        "agendamentos-ativos": {mes["noturno"].pk, mes["mensal"].pk},
    }
    for codigo in ("vivo", "claro"):
        da_operadora = do_mes.filter(cliente__operadora__codigo=codigo)
        esperado[f"operadora:{codigo}:TOTAL"] = set(da_operadora.values_list("pk", flat=True))
        for status in S.values:
            esperado[f"operadora:{codigo}:{status}"] = set(
                da_operadora.filter(status=status).values_list("pk", flat=True)
            )

    numeros = contagens(admin_logado.get(PAINEL))

    assert set(numeros) == set(esperado)
    for chave, numero in numeros.items():
        listados = _ids_da_lista(admin_logado, numero.url)
        assert listados == esperado[chave], chave
        assert numero.valor == len(listados), chave


def test_links_do_mes_usam_os_filtros_do_admin(admin_logado, mes):
    numeros = contagens(admin_logado.get(PAINEL))

    assert numeros["AGUARDANDO_APROVACAO"].url == (
        "/admin/processos/processo/?competencia=2026-11-01&status__exact=AGUARDANDO_APROVACAO"
    )
    assert numeros["atrasadas"].url == "/admin/processos/processo/?competencia=2026-11-01&atrasada=sim"
    assert numeros["vencimento-proximo"].url == (
        "/admin/processos/processo/?status__exact=AGUARDANDO_APROVACAO&vencimento__lte=2026-11-20"
    )
    assert numeros["falhas"].url == "/admin/processos/execucao/?status__exact=FALHA&a_reexecutar=sim"


def test_trabalhos_de_agora_e_falhas_levam_a_pagina_de_cada_execucao(admin_logado, mes):
    conteudo = admin_logado.get(PAINEL).content.decode()

    for execucao in (mes["rodando"], mes["na_fila"], mes["falha"]):
        assert f'href="{reverse("admin:processos_execucao_change", args=[execucao.pk])}"' in conteudo
    assert reverse("admin:processos_execucao_change", args=[mes["falha_resolvida"].pk]) not in conteudo
    assert "O portal recusou o login." in conteudo


def test_texto_do_erro_aparece_como_texto(admin_logado, relogio):
    ExecucaoFactory(status=E.FALHA, erro='<script>alert("x")</script>')

    conteudo = admin_logado.get(PAINEL).content.decode()

    assert '<script>alert("x")</script>' not in conteudo
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in conteudo


def test_atrasadas_listam_a_data_esperada_e_de_quem_e_o_dia(admin_logado, mes):
    conteudo = admin_logado.get(PAINEL).content.decode()

    assert "esperada em 10/11/2026 · 5 dias de atraso" in conteudo


def test_vencimento_proximo_lista_valor_e_prazo(admin_logado, mes):
    Processo.objects.filter(pk=mes["vence_logo"].pk).update(valor_total="1234.5")

    conteudo = admin_logado.get(PAINEL).content.decode()

    assert "R$ 1.234,50 · vencimento 18/11/2026 ·" in conteudo
    assert "vence em 3 dias" in conteudo
    assert "venceu há 5 dias" in conteudo


def test_dias_do_vencimento_proximo_vem_da_configuracao(admin_logado, mes, settings):
    settings.BRM_PAINEL_VENCIMENTO_DIAS = 2

    numeros = contagens(admin_logado.get(PAINEL))

    assert numeros["vencimento-proximo"].valor == 1
    assert numeros["vencimento-proximo"].url.endswith("vencimento__lte=2026-11-17")


def test_proximos_agendamentos_com_data_hora_e_fuso(admin_logado, mes):
    AgendamentoFactory(nome="Em Lisboa", expressao_cron="0 16 * * *", fuso_horario="Europe/Lisbon")

    conteudo = admin_logado.get(PAINEL).content.decode()

    # One clock for every schedule, whatever its own zone: Lisbon's 16:00 is 13:00 in São Paulo.
    lisboa = conteudo.index("dom 15/11/2026 13:00 (UTC−03:00, America/Sao_Paulo)")
    noturno = conteudo.index("seg 16/11/2026 02:00 (UTC−03:00, America/Sao_Paulo)")
    mensal = conteudo.index("ter 01/12/2026 00:00 (UTC−03:00, America/Sao_Paulo)")
    assert lisboa < noturno < mensal
    assert "Relatório desligado" not in conteudo
    assert f'href="{reverse("admin:agendamentos_agendamento_change", args=[mes["noturno"].pk])}"' in conteudo
    assert (
        Agendamento.objects.filter(ativo=True).count()
        == contagens(admin_logado.get(PAINEL))["agendamentos-ativos"].valor
    )


# Late invoices at the edges of days and months, in São Paulo


def test_dia_esperado_so_passa_a_meia_noite_de_sao_paulo(admin_logado):
    vivo = OperadoraFactory(dia_emissao=10)
    _processo(vivo)

    # 22:00 on the 10th in São Paulo is already the 11th in UTC: not late yet.
    with time_machine.travel(dt.datetime(2026, 11, 11, 1, 0, tzinfo=dt.UTC), tick=False):
        antes = valores(admin_logado.get(PAINEL))["atrasadas"]
    with time_machine.travel(dt.datetime(2026, 11, 11, 3, 0, tzinfo=dt.UTC), tick=False):
        depois = contagens(admin_logado.get(PAINEL))["atrasadas"]
        listados = _ids_da_lista(admin_logado, depois.url)

    assert antes == 0
    assert depois.valor == 1
    assert len(listados) == 1


def test_dia_do_cliente_substitui_o_da_operadora_no_painel(admin_logado, relogio):
    vivo = OperadoraFactory(dia_emissao=5)
    pela_operadora = _processo(vivo)
    _processo(vivo, dia_cliente=20)
    pelo_cliente = _processo(OperadoraFactory(dia_emissao=None), dia_cliente=14)

    numero = contagens(admin_logado.get(PAINEL))["atrasadas"]

    assert numero.valor == 2
    assert _ids_da_lista(admin_logado, numero.url) == {pela_operadora.pk, pelo_cliente.pk}
    assert "esperada em 14/11/2026 (dia do cliente)" in admin_logado.get(PAINEL).content.decode()


def test_virada_do_mes_em_sao_paulo(admin_logado):
    _processo(OperadoraFactory(), dia_cliente=31)

    # 23:00 on 30/11 in São Paulo (already December in UTC): November is current, its last day not over.
    with time_machine.travel(dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC), tick=False):
        resposta = admin_logado.get(PAINEL)
        assert "Processos de 11/2026" in resposta.content.decode()
        assert valores(resposta)["atrasadas"] == 0
    # Midnight in São Paulo: December is current, and November's invoice is late since its 30th.
    with time_machine.travel(dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC), tick=False):
        assert "Processos de 12/2026" in admin_logado.get(PAINEL).content.decode()
        novembro = admin_logado.get(PAINEL, {"competencia": "2026-11"})
        assert valores(novembro)["atrasadas"] == 1
        assert "esperada em 30/11/2026 (dia do cliente) · 1 dia de atraso" in novembro.content.decode()


# The month picker


def test_mes_escolhido_muda_as_contagens_do_mes(admin_logado, mes):
    resposta = admin_logado.get(PAINEL, {"competencia": "2026-10"})

    numeros = valores(resposta)
    assert resposta.status_code == 200
    assert (numeros["TOTAL"], numeros["AGUARDANDO_APROVACAO"], numeros["atrasadas"]) == (2, 1, 1)
    # What is not of a month stays the same.
    assert (numeros["vencimento-proximo"], numeros["falhas"]) == (2, 1)
    conteudo = resposta.content.decode()
    assert 'value="2026-10"' in conteudo
    assert 'href="/?competencia=2026-09"' in conteudo
    assert 'href="/?competencia=2026-11"' in conteudo
    assert 'id="painel-mes-atual" href="/"' in conteudo
    assert 'data-url-parcial="/?competencia=2026-10&amp;parcial=1"' in conteudo


@pytest.mark.parametrize("valor", ["2026-13", "novembro", "26-11", "2026-11-01x"])
def test_mes_invalido_explica_e_mostra_o_mes_atual(admin_logado, mes, valor):
    resposta = admin_logado.get(PAINEL, {"competencia": valor})

    assert resposta.status_code == 200
    conteudo = resposta.content.decode()
    erro = re.search(r'<p class="errornote" role="alert" id="painel-erro-competencia">(.*?)</p>', conteudo, re.S)
    assert erro, conteudo
    assert "Competência inválida" in erro.group(1)
    assert "Use o formato AAAA-MM" in erro.group(1)
    assert "Mostrando a competência atual, 11/2026." in erro.group(1)
    assert valores(resposta)["TOTAL"] == 7
    assert 'value="2026-11"' in conteudo


def test_mes_atual_nao_mostra_erro(admin_logado, mes):
    conteudo = admin_logado.get(PAINEL).content.decode()

    assert "painel-erro-competencia" not in conteudo
    assert 'id="painel-mes-atual"' not in conteudo


# The fragment


def test_fragmento_traz_so_o_conteudo_com_as_mesmas_contagens(admin_logado, mes):
    pagina = admin_logado.get(PAINEL, {"competencia": "2026-11"})
    fragmento = admin_logado.get(PAINEL, {"competencia": "2026-11", "parcial": "1"})

    assert fragmento.status_code == 200
    assert fragmento.headers["X-Painel-Parcial"] == "1"
    assert "no-store" in fragmento.headers["Cache-Control"]
    texto = fragmento.content.decode()
    assert "<html" not in texto
    assert 'id="painel-ao-vivo"' not in texto
    assert 'id="painel-mes-form"' not in texto
    assert texto.lstrip().startswith('<div class="painel-grade"')
    assert contagens(fragmento) == contagens(pagina)


def test_fragmento_segue_a_mudanca_de_situacao(admin_logado, mes):
    antes = valores(admin_logado.get(PAINEL, {"parcial": "1"}))
    Processo.objects.filter(pk=mes["vence_depois"].pk).update(status=S.AGUARDANDO_ENVIO_SAT)

    depois = valores(admin_logado.get(PAINEL, {"parcial": "1"}))

    assert (antes["AGUARDANDO_APROVACAO"], depois["AGUARDANDO_APROVACAO"]) == (2, 1)
    assert (antes["AGUARDANDO_ENVIO_SAT"], depois["AGUARDANDO_ENVIO_SAT"]) == (1, 2)


def test_pagina_carrega_o_script_e_aponta_o_canal_do_painel(admin_logado, relogio):
    conteudo = admin_logado.get(PAINEL).content.decode()

    assert 'src="/static/brm/painel.js"' in conteudo
    assert 'data-url-eventos="/eventos/painel/"' in conteudo
    assert re.search(r'<span id="painel-ao-vivo"[^>]*role="status"[^>]*hidden>', conteudo)
    # Only the project's own static files: nothing from another host.
    assert not re.search(r'(src|href)="(https?:)?//', conteudo)


# Queries


def _carteira(n: int):
    """`n` processes of November over two operators, in every status, with late and near-due ones, and jobs."""
    operadoras = [OperadoraFactory(dia_emissao=10), OperadoraFactory(dia_emissao=None)]
    for i in range(n):
        status = S.values[i % 4]
        vencimento = dt.date(2026, 11, 16) if status == S.AGUARDANDO_APROVACAO else None
        processo = _processo(operadoras[i % 2], status=status, vencimento=vencimento)
        if status == S.AGUARDANDO_DOWNLOAD:
            ExecucaoFactory(processo=processo, status=E.FALHA if i % 8 == 0 else E.EM_EXECUCAO)
    AgendamentoFactory.create_batch(2)


def _consultas(client) -> int:
    with CaptureQueriesContext(connection) as consultas:
        resposta = client.get(PAINEL)
    assert resposta.status_code == 200
    return len(consultas)


def test_consultas_nao_crescem_com_os_processos(client, admin_user, relogio):
    client.force_login(admin_user)
    _carteira(5)
    com_5 = _consultas(client)
    _carteira(45)

    com_50 = _consultas(client)

    assert valores(client.get(PAINEL))["TOTAL"] == 50
    assert com_50 == com_5


def test_quem_aprova_tem_o_caminho_da_fila_de_aprovacao_no_painel(client, aprovador, operador):
    client.force_login(aprovador)
    assert reverse("processos:fila_aprovacao") in client.get(PAINEL).content.decode()

    client.force_login(operador)
    assert reverse("processos:fila_aprovacao") not in client.get(PAINEL).content.decode()
