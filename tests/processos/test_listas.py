"""The lists and pages of processes, jobs and logs: what their selectors find, in what order, with how many queries."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from stdnum.br import cnpj as stdnum_cnpj

from brm.common.busca import termo_interpretar
from brm.common.fields import cnpj_formatar
from brm.common.paginacao import PaginadorEstimado
from clientes.models import Cliente
from processos.admin.pagina_execucao import LINHAS_NA_PAGINA
from processos.models import Execucao, Processo, ProcessoEvento
from processos.selectors import (
    eventos_buscar,
    execucao_log_ultimas,
    execucao_logs_buscar,
    execucao_logs_lista,
    execucoes_buscar,
    execucoes_lista,
    processos_buscar,
    processos_competencias,
    processos_lista,
)
from tests.factories import (
    ClienteFactory,
    ExecucaoFactory,
    ExecucaoLogFactory,
    ProcessoEventoFactory,
    ProcessoFactory,
)

pytestmark = pytest.mark.django_db

LISTA_PROCESSOS = reverse("admin:processos_processo_changelist")
LISTA_EXECUCOES = reverse("admin:processos_execucao_changelist")
LISTA_LOGS = reverse("admin:processos_execucaolog_changelist")
so_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="índices só do PostgreSQL")


def cnpj(raiz: str, filial: str = "0001") -> str:
    base = raiz + filial
    return base + stdnum_cnpj.calc_check_digits(base)


def buscar(termo: str) -> list[Processo]:
    return list(processos_buscar(queryset=processos_lista(), termo=termo))


def resultado(resposta) -> list:
    return list(resposta.context["cl"].result_list)


# How a typed term is read


@pytest.mark.parametrize(
    ("texto", "inteiro", "prefixo"),
    [
        ("11.222.333/0001-81", "11222333000181", None),
        (" 11222333000181 ", "11222333000181", None),
        ("12.ABC.345/01DE-35", "12ABC34501DE35", None),
        ("11.222.333", None, "11222333"),
        ("11.222.333/0001", None, "112223330001"),
        # Digits without punctuation may be an account or an invoice number; a wrong check digit is no CNPJ.
        ("11222333", None, None),
        ("11.222.333/0001-82", None, "11222333000182"),
        ("Souza S.A.", None, None),
        ("", None, None),
    ],
)
def test_termo_de_busca_reconhece_cnpj_inteiro_e_comeco_de_cnpj(texto, inteiro, prefixo):
    termo = termo_interpretar(texto)

    assert termo.texto == texto.strip()
    assert termo.cnpj == inteiro
    assert termo.prefixo_cnpj == prefixo


# Searching processes


def test_busca_por_cnpj_com_ou_sem_pontuacao_acha_so_os_processos_daquele_cliente():
    achado = ClienteFactory(cnpj=cnpj("11222333"))
    # Same company, another branch: a whole CNPJ is one account, not a prefix.
    filial = ClienteFactory(cnpj=cnpj("11222333", "0002"))
    processos = [ProcessoFactory(cliente=achado, competencia=dt.date(2026, mes, 1)) for mes in (10, 11)]
    ProcessoFactory(cliente=filial)

    for termo in (achado.cnpj, cnpj_formatar(achado.cnpj), f"  {cnpj_formatar(achado.cnpj)} "):
        assert buscar(termo) == processos[::-1], termo


def test_busca_pelo_comeco_do_cnpj_com_pontuacao_acha_todas_as_filiais():
    matriz = ProcessoFactory(cliente=ClienteFactory(cnpj=cnpj("11222333")))
    filial = ProcessoFactory(cliente=ClienteFactory(cnpj=cnpj("11222333", "0002")))
    ProcessoFactory(cliente=ClienteFactory(cnpj=cnpj("44555666")))

    assert set(buscar("11.222.333")) == {matriz, filial}
    assert buscar("11.222.333/0002") == [filial]


def test_busca_por_nome_acha_parte_da_razao_social_sem_diferenciar_maiusculas():
    souza = ProcessoFactory(cliente=ClienteFactory(razao_social="Supermercado Souza Paulista Ltda"))
    ProcessoFactory(cliente=ClienteFactory(razao_social="Supermercado Silva Ltda"))

    assert buscar("souza paulista") == [souza]
    assert buscar("SUPERMERCADO SOUZA") == [souza]


def test_busca_pela_conta_e_pelo_numero_da_fatura_e_exata():
    pela_conta = ProcessoFactory(cliente=ClienteFactory(conta="98765-4"))
    pela_fatura = ProcessoFactory(numero_fatura="FAT-2026-0042")
    ProcessoFactory(cliente=ClienteFactory(conta="98765-40"), numero_fatura="FAT-2026-00421")

    assert buscar("98765-4") == [pela_conta]
    assert buscar("FAT-2026-0042") == [pela_fatura]


def test_busca_vazia_devolve_a_lista_inteira():
    processos = ProcessoFactory.create_batch(3)

    assert set(buscar("   ")) == set(processos)


def test_busca_respeita_os_filtros_ja_aplicados():
    cliente = ClienteFactory(razao_social="Padaria Lima Ltda")
    novembro = ProcessoFactory(cliente=cliente, competencia=dt.date(2026, 11, 1))
    ProcessoFactory(cliente=cliente, competencia=dt.date(2026, 10, 1))

    achados = processos_buscar(queryset=processos_lista().filter(competencia=dt.date(2026, 11, 1)), termo="lima")

    assert list(achados) == [novembro]


# Order and months


def test_lista_de_processos_comeca_pelo_mes_mais_recente_e_tem_ordem_total():
    antigos = ProcessoFactory.create_batch(2, competencia=dt.date(2026, 9, 1))
    recentes = ProcessoFactory.create_batch(3, competencia=dt.date(2026, 11, 1))

    lista = list(processos_lista())

    assert set(lista[:3]) == set(recentes)
    assert set(lista[3:]) == set(antigos)
    assert lista == sorted(lista, key=lambda p: (p.competencia, p.cliente_id.hex), reverse=True)


def test_competencias_sao_os_meses_com_processos_do_mais_recente_ao_mais_antigo():
    for mes in (dt.date(2026, 1, 1), dt.date(2026, 3, 1), dt.date(2026, 3, 1), dt.date(2025, 12, 1)):
        ProcessoFactory(competencia=mes)

    assert processos_competencias() == [dt.date(2026, 3, 1), dt.date(2026, 1, 1), dt.date(2025, 12, 1)]
    assert processos_competencias(limite=2) == [dt.date(2026, 3, 1), dt.date(2026, 1, 1)]


def test_competencias_sem_processos_e_uma_lista_vazia():
    assert processos_competencias() == []


# Jobs, logs and the timeline


def test_busca_de_execucoes_por_cnpj_nome_e_id_do_trabalho():
    cliente = ClienteFactory(razao_social="Farmácia Rocha Ltda")
    da_farmacia = ExecucaoFactory(processo=ProcessoFactory(cliente=cliente))
    pelo_job = ExecucaoFactory(job_id="job-77")
    ExecucaoFactory()

    def achar(termo):
        return list(execucoes_buscar(queryset=execucoes_lista(), termo=termo))

    assert achar(cnpj_formatar(cliente.cnpj)) == [da_farmacia]
    assert achar("farmácia rocha") == [da_farmacia]
    assert achar("job-77") == [pelo_job]


def test_busca_de_eventos_por_cliente_e_por_motivo():
    cliente = ClienteFactory(razao_social="Hotel Dias Ltda")
    do_hotel = ProcessoEventoFactory(processo=ProcessoFactory(cliente=cliente))
    rejeitado = ProcessoEventoFactory(motivo="Valor divergente do contrato")
    ProcessoEventoFactory()

    def achar(termo):
        return set(eventos_buscar(queryset=ProcessoEvento.objects.all(), termo=termo))

    assert achar(cliente.cnpj) == {do_hotel}
    assert achar("hotel dias") == {do_hotel}
    assert achar("valor DIVERGENTE") == {rejeitado}


def test_busca_no_log_procura_a_mensagem_numa_execucao_e_o_trabalho_em_todas():
    execucao = ExecucaoFactory(job_id="job-9")
    erro = ExecucaoLogFactory(execucao=execucao, mensagem="Portal recusou o login")
    ExecucaoLogFactory(execucao=execucao, mensagem="Abrindo o portal")
    ExecucaoLogFactory(mensagem="Portal recusou o login")

    na_execucao = execucao_logs_buscar(queryset=execucao_logs_lista(), termo="recusou", execucao_id=execucao.pk)
    em_todas = execucao_logs_buscar(queryset=execucao_logs_lista(), termo="job-9")

    assert list(na_execucao) == [erro]
    assert set(em_todas) == set(execucao.logs.all())


def test_ultimas_linhas_do_log_vem_na_ordem_em_que_foram_escritas():
    execucao = ExecucaoFactory()
    for seq in range(1, 8):
        ExecucaoLogFactory(execucao=execucao, seq=seq)

    assert [linha.seq for linha in execucao_log_ultimas(execucao=execucao, limite=3)] == [5, 6, 7]


# Paging


def test_pagina_depois_da_primeira_traz_as_mesmas_linhas_que_a_ordem_da_lista():
    ProcessoFactory.create_batch(7)
    lista = list(processos_lista())

    paginador = PaginadorEstimado(processos_lista(), 3)

    assert [list(paginador.page(n).object_list) for n in (1, 2, 3)] == [lista[:3], lista[3:6], lista[6:]]


def test_contagem_e_exata_ate_o_limite(monkeypatch):
    ProcessoFactory.create_batch(4)
    monkeypatch.setattr(PaginadorEstimado, "limite_exato", 4)

    paginador = PaginadorEstimado(processos_lista(), 2)

    assert paginador.count == 4
    assert not paginador.estimado


def test_contagem_acima_do_limite_e_estimada_no_postgresql_e_a_lista_diz_cerca_de(client, leitor, monkeypatch):
    ProcessoFactory.create_batch(6)
    monkeypatch.setattr(PaginadorEstimado, "limite_exato", 4)
    client.force_login(leitor)

    resposta = client.get(LISTA_PROCESSOS)

    paginador = resposta.context["cl"].paginator
    if connection.vendor == "postgresql":
        assert paginador.estimado
        assert paginador.count >= 5
        assert "cerca de" in resposta.content.decode()
    else:
        assert not paginador.estimado
        assert paginador.count == 6
        assert "cerca de" not in resposta.content.decode()


# The admin's pages


def test_lista_de_processos_busca_por_cnpj_e_por_nome(client, leitor):
    achado = ProcessoFactory(cliente=ClienteFactory(razao_social="Construtora Moura Capital Ltda"))
    outro = ProcessoFactory(cliente=ClienteFactory(razao_social="Construtora Pinto Ltda"))
    client.force_login(leitor)

    assert resultado(client.get(LISTA_PROCESSOS, {"q": cnpj_formatar(achado.cliente.cnpj)})) == [achado]
    assert resultado(client.get(LISTA_PROCESSOS, {"q": "moura capital"})) == [achado]
    assert set(resultado(client.get(LISTA_PROCESSOS, {"q": "construtora"}))) == {achado, outro}


def test_lista_de_processos_filtra_pelos_meses_que_existem(client, leitor):
    ProcessoFactory(competencia=dt.date(2026, 11, 1))
    ProcessoFactory(competencia=dt.date(2026, 8, 1))
    client.force_login(leitor)

    resposta = client.get(LISTA_PROCESSOS)

    filtro = next(f for f in resposta.context["cl"].filter_specs if getattr(f, "parameter_name", "") == "competencia")
    assert [valor for valor, _ in filtro.lookup_choices] == ["2026-11-01", "2026-08-01"]
    assert resposta.context["cl"].date_hierarchy is None


@pytest.mark.parametrize(
    ("lista", "fabrica"),
    [(LISTA_PROCESSOS, ProcessoFactory), (LISTA_EXECUCOES, ExecucaoFactory), (LISTA_LOGS, ExecucaoLogFactory)],
    ids=["processos", "execucoes", "logs"],
)
def test_listas_fazem_as_mesmas_consultas_com_mais_linhas(client, admin_user, lista, fabrica):
    client.force_login(admin_user)
    fabrica.create_batch(2)
    client.get(lista)
    with CaptureQueriesContext(connection) as poucas:
        client.get(lista)
    fabrica.create_batch(12)

    with CaptureQueriesContext(connection) as muitas:
        resposta = client.get(lista)

    assert len(resposta.context["cl"].result_list) == 14
    assert len(muitas) == len(poucas)


def test_pagina_do_processo_faz_as_mesmas_consultas_com_2_ou_20_execucoes(client, admin_user):
    com_2, com_20 = ProcessoFactory(), ProcessoFactory()
    for processo, quantidade in ((com_2, 2), (com_20, 20)):
        for tentativa in range(1, quantidade + 1):
            ExecucaoFactory(processo=processo, status=Execucao.Status.FALHA, tentativa=tentativa, erro="Portal fora")
        ProcessoEventoFactory(processo=processo)
    client.force_login(admin_user)
    client.get(reverse("admin:processos_processo_change", args=[com_2.pk]))

    consultas = {}
    for processo in (com_2, com_20):
        with CaptureQueriesContext(connection) as capturadas:
            resposta = client.get(reverse("admin:processos_processo_change", args=[processo.pk]))
        assert resposta.status_code == 200
        consultas[processo] = len(capturadas)

    assert consultas[com_20] == consultas[com_2]


def test_pagina_da_execucao_mostra_as_ultimas_linhas_e_leva_ao_log_inteiro(client, admin_user):
    execucao = ExecucaoFactory()
    total = LINHAS_NA_PAGINA + 10
    for seq in range(1, total + 1):
        ExecucaoLogFactory(execucao=execucao, seq=seq, mensagem=f"passo {seq}")
    client.force_login(admin_user)

    resposta = client.get(reverse("admin:processos_execucao_change", args=[execucao.pk]))

    assert [linha.seq for linha in resposta.context["log_linhas"]] == list(range(11, total + 1))
    conteudo = resposta.content.decode()
    assert f"{LISTA_LOGS}?execucao__id__exact={execucao.pk}" in conteudo
    assert f"{total} linhas" in conteudo
    assert "passo 10<" not in conteudo


def test_pagina_da_execucao_faz_as_mesmas_consultas_com_poucas_ou_muitas_linhas(client, admin_user):
    poucas, muitas = ExecucaoFactory(), ExecucaoFactory()
    ExecucaoLogFactory(execucao=poucas, seq=1)
    for seq in range(1, LINHAS_NA_PAGINA + 20):
        ExecucaoLogFactory(execucao=muitas, seq=seq)
    client.force_login(admin_user)
    client.get(reverse("admin:processos_execucao_change", args=[poucas.pk]))

    contagens = []
    for execucao in (poucas, muitas):
        with CaptureQueriesContext(connection) as capturadas:
            client.get(reverse("admin:processos_execucao_change", args=[execucao.pk]))
        contagens.append(len(capturadas))

    assert contagens[0] == contagens[1]


def test_log_de_uma_execucao_vem_na_ordem_das_linhas(client, leitor):
    execucao = ExecucaoFactory()
    for seq in (3, 1, 2):
        ExecucaoLogFactory(execucao=execucao, seq=seq)
    ExecucaoLogFactory()
    client.force_login(leitor)

    resposta = client.get(LISTA_LOGS, {"execucao__id__exact": str(execucao.pk)})

    assert [linha.seq for linha in resultado(resposta)] == [1, 2, 3]


# The indexes behind the searches (PostgreSQL): the lookups the selectors make are answered by them, which
# holds only while each index's expression is exactly the SQL Django writes for the lookup.


def plano(queryset, *desligados: str) -> str:
    """The plan of `queryset` with some ways of reading a table switched off (`seqscan`, `indexscan`, `sort`).

    Test tables are tiny: left alone the planner rightly reads them whole, or walks any index and filters.
    """
    with connection.cursor() as cursor:
        # Statistics left by earlier tests (rows inserted and rolled back) would steer the planner: fresh ones.
        for tabela in ("processos_processo", "clientes_cliente", "operadoras_operadora", "processos_execucao"):
            cursor.execute(f"ANALYZE {tabela}")
        for opcao in desligados:
            cursor.execute(f"SET LOCAL enable_{opcao} = off")
        texto = json.dumps(json.loads(queryset.explain(format="json")))
        for opcao in desligados:
            cursor.execute(f"RESET enable_{opcao}")
    return texto


# Only bitmap scans are left, and those need a condition an index answers.
SO_POR_CONDICAO = ("seqscan", "indexscan")


@so_postgresql
def test_indice_de_trigramas_responde_a_busca_por_parte_do_nome():
    ClienteFactory.create_batch(3)

    consulta = Cliente.objects.filter(razao_social__icontains="souza").order_by()

    assert "cliente_razao_social_trgm_idx" in plano(consulta, *SO_POR_CONDICAO)


@so_postgresql
def test_indice_do_cnpj_responde_a_busca_pelo_comeco():
    ClienteFactory.create_batch(3)

    consulta = Cliente.objects.filter(cnpj__startswith=termo_interpretar("11.222.333").prefixo_cnpj).order_by()

    assert "cliente_cnpj_prefixo_idx" in plano(consulta, *SO_POR_CONDICAO)


@so_postgresql
def test_indice_da_conta_responde_a_busca_exata():
    ClienteFactory.create_batch(3)

    assert "cliente_conta_idx" in plano(Cliente.objects.filter(conta="98765-4").order_by(), *SO_POR_CONDICAO)


@so_postgresql
def test_indice_de_trigramas_responde_a_busca_no_motivo():
    ProcessoEventoFactory.create_batch(3, motivo="Valor divergente")

    consulta = ProcessoEvento.objects.filter(motivo__icontains="divergente").order_by()

    assert "processoevento_motivo_trgm_idx" in plano(consulta, *SO_POR_CONDICAO)


@so_postgresql
def test_lista_de_processos_le_a_ordem_do_indice():
    ProcessoFactory.create_batch(3)

    # Incremental sort too: on top of the (competencia, status) index it is a cheap way around any order.
    assert "processo_comp_cliente_idx" in plano(processos_lista()[:100], "seqscan", "sort", "incremental_sort")
