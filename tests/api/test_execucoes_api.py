"""The robot jobs in the API: the list by cursor and its filters, one job, its log lines by `seq`, its history,
re-running and cancelling."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.utils import timezone

from processos.models import Execucao, ExecucaoEvento, ExecucaoLog, Processo
from processos.selectors import ORDEM_EXECUCOES
from processos.services import execucao_mudar_status
from tests.api.conftest import assert_erro, cliente_jwt
from tests.factories import (
    ClienteFactory,
    ExecucaoFactory,
    ExecucaoLogFactory,
    OperadoraFactory,
    ProcessoFactory,
    UsuarioFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/execucoes/"
E = Execucao.Status
NENHUMA = "00000000-0000-0000-0000-000000000000"


def _criar(quantidade: int, **campos) -> list[Execucao]:
    """Jobs of distinct processes, created one second apart (the last one is the newest)."""
    inicio = timezone.now() - dt.timedelta(hours=1)
    execucoes = []
    for i in range(quantidade):
        execucao = ExecucaoFactory(**campos)
        Execucao.objects.filter(pk=execucao.pk).update(criado_em=inicio + dt.timedelta(seconds=i))
        execucoes.append(execucao)
    return execucoes


def _ids(corpo) -> list[str]:
    return [item["id"] for item in corpo["resultados"]]


def _caminho(url: str) -> str:
    partes = urlsplit(url)
    return f"{partes.path}?{partes.query}"


# The list -------------------------------------------------------------------------------------------------------


def test_lista_da_mais_nova_para_a_mais_antiga_com_o_resumo_do_processo(api_leitor, operador):
    vivo = OperadoraFactory(codigo="vivo")
    cliente = ClienteFactory(razao_social="BEG Telecomunicações Ltda", operadora=vivo)
    processo = ProcessoFactory(cliente=cliente, competencia=dt.date(2026, 11, 1))
    antiga, nova = _criar(2, processo=processo, solicitado_por=operador, status=E.FALHA)
    Execucao.objects.filter(pk=nova.pk).update(
        status=E.PENDENTE, anterior=antiga, tentativa=2, origem=Execucao.Origem.REEXECUCAO
    )

    corpo = api_leitor.get(URL).json()

    assert _ids(corpo) == [str(nova.pk), str(antiga.pk)]
    assert corpo["proxima"] is None and corpo["anterior"] is None
    item = corpo["resultados"][0]
    assert item["processo"] == {
        "id": str(processo.pk),
        "cliente_razao_social": "BEG Telecomunicações Ltda",
        "competencia": "2026-11-01",
        "operadora_codigo": "vivo",
    }
    assert (item["tipo"], item["tipo_rotulo"]) == ("DOWNLOAD_FATURA", "Download da fatura")
    assert (item["status"], item["status_rotulo"]) == ("PENDENTE", "Pendente")
    assert (item["origem"], item["origem_rotulo"], item["tentativa"]) == ("REEXECUCAO", "Reexecução", 2)
    assert item["anterior"] == str(antiga.pk)
    assert item["solicitado_por"] == {"id": str(operador.pk), "email": operador.email}
    assert (item["pode_cancelar"], item["pode_reexecutar"]) == (True, False)
    assert corpo["resultados"][1]["pode_reexecutar"] is True
    assert item["canal_ao_vivo"] == f"execucao-{nova.pk}"
    assert item["url_ao_vivo"] == f"http://testserver/eventos/execucao-{nova.pk}/"
    # Nothing of the client's portal access travels with a job.
    assert "senha" not in str(corpo) and cliente.login_portal not in str(corpo)


def test_cursor_percorre_todas_sem_repetir_nem_pular_mesmo_com_novas_chegando(api_leitor):
    execucoes = _criar(5)
    esperadas = [str(e.pk) for e in reversed(execucoes)]

    primeira = api_leitor.get(URL, {"tamanho": 2}).json()
    # A job created while the client pages does not shift the pages it still has to read.
    ExecucaoFactory()
    vistas = _ids(primeira)
    proxima = primeira["proxima"]
    while proxima:
        pagina = api_leitor.get(_caminho(proxima)).json()
        vistas += _ids(pagina)
        proxima = pagina["proxima"]

    assert vistas == esperadas


def test_cursor_invalido_responde_404_na_forma_unica(api_leitor):
    assert_erro(api_leitor.get(URL, {"cursor": "lixo"}), 404, "nao_encontrado")


def test_filtros_por_situacao_tipo_origem_processo_cliente_operadora_e_competencia(api_leitor):
    claro = OperadoraFactory(codigo="claro")
    cliente = ClienteFactory(operadora=claro)
    outubro = ProcessoFactory(cliente=cliente, competencia=dt.date(2026, 10, 1))
    falha = ExecucaoFactory(processo=outubro, status=E.FALHA)
    cancelada = ExecucaoFactory(processo=outubro, status=E.CANCELADA, tipo=Execucao.Tipo.UPLOAD_SAT)
    sucesso = ExecucaoFactory(status=E.SUCESSO, origem=Execucao.Origem.AGENDAMENTO)

    def ids(**filtros) -> set[str]:
        resposta = api_leitor.get(URL, filtros)
        assert resposta.status_code == 200, resposta.content
        return set(_ids(resposta.json()))

    assert ids(status=["FALHA", "CANCELADA"]) == {str(falha.pk), str(cancelada.pk)}
    assert ids(tipo="UPLOAD_SAT") == {str(cancelada.pk)}
    assert ids(origem="AGENDAMENTO") == {str(sucesso.pk)}
    assert ids(processo=str(outubro.pk)) == {str(falha.pk), str(cancelada.pk)}
    assert ids(cliente=str(cliente.pk), status="FALHA") == {str(falha.pk)}
    assert ids(operadora="claro") == ids(operadora=str(claro.pk)) == {str(falha.pk), str(cancelada.pk)}
    assert ids(competencia="2026-10") == {str(falha.pk), str(cancelada.pk)}
    assert ids(competencia="2026-11") == {str(sucesso.pk)}


def test_filtro_de_criacao_por_dia_ou_instante_no_fuso_do_sistema(api_leitor):
    fuso = timezone.get_current_timezone()
    # 23:30 on the 27th in São Paulo is already the 28th in UTC.
    noite = ExecucaoFactory()
    manha = ExecucaoFactory()
    Execucao.objects.filter(pk=noite.pk).update(criado_em=dt.datetime(2026, 11, 27, 23, 30, tzinfo=fuso))
    Execucao.objects.filter(pk=manha.pk).update(criado_em=dt.datetime(2026, 11, 28, 9, 0, tzinfo=fuso))

    def ids(**filtros) -> set[str]:
        return set(_ids(api_leitor.get(URL, filtros).json()))

    assert ids(criado_de="2026-11-28") == {str(manha.pk)}
    assert ids(criado_ate="2026-11-27") == {str(noite.pk)}
    assert ids(criado_de="2026-11-27", criado_ate="2026-11-27") == {str(noite.pk)}
    assert ids(criado_de="2026-11-28T03:00:00Z") == {str(manha.pk)}
    assert ids(criado_de="2026-11-28T02:00:00Z") == {str(noite.pk), str(manha.pk)}
    assert ids(criado_ate="2026-11-28T08:59:59-03:00") == {str(noite.pk)}


def test_busca_por_cnpj_razao_social_ou_id_do_trabalho(api_leitor):
    cliente = ClienteFactory(razao_social="Transportes Andorinha SA")
    da_andorinha = ExecucaoFactory(processo=ProcessoFactory(cliente=cliente))
    com_job = ExecucaoFactory(job_id="job-77aa")
    ExecucaoFactory()

    def ids(termo: str) -> set[str]:
        return set(_ids(api_leitor.get(URL, {"busca": termo}).json()))

    assert ids("andorinha") == {str(da_andorinha.pk)}
    assert ids(cliente.cnpj) == {str(da_andorinha.pk)}
    assert ids("job-77aa") == {str(com_job.pk)}


@pytest.mark.parametrize(
    ("filtros", "campo"),
    [
        ({"competencia": "2026-13"}, "competencia"),
        ({"criado_de": "ontem"}, "criado_de"),
        ({"status": "TALVEZ"}, "status"),
        ({"processo": "nao-e-uuid"}, "processo"),
    ],
)
def test_filtro_invalido_responde_400_com_o_campo(api_leitor, filtros, campo):
    corpo = assert_erro(api_leitor.get(URL, filtros), 400, "invalido")

    assert campo in corpo["campos"]


@pytest.mark.parametrize("tamanho", [5, 50])
def test_lista_custa_as_mesmas_consultas_qualquer_que_seja_o_tamanho(
    api_leitor, django_assert_max_num_queries, tamanho
):
    usuarios = UsuarioFactory.create_batch(3)
    for i in range(60):
        ExecucaoFactory(solicitado_por=usuarios[i % 3], status=E.FALHA if i % 2 else E.PENDENTE)

    # The token's user (with its sign-in's state), the role's permissions (two), the page with its joins.
    with django_assert_max_num_queries(4):
        corpo = api_leitor.get(URL, {"tamanho": tamanho, "status": ["FALHA", "PENDENTE"]}).json()

    assert len(corpo["resultados"]) == tamanho


def test_sem_token_responde_401_e_sem_permissao_403(anonimo):
    sem_papel = UsuarioFactory()
    sem_papel.groups.clear()

    assert_erro(anonimo.get(URL), 401, "nao_autenticado")
    assert_erro(cliente_jwt(sem_papel).get(URL), 403, "permissao")


# One job ---------------------------------------------------------------------------------------------------------


def test_ver_uma_execucao_e_404_para_id_desconhecido(api_leitor):
    execucao = ExecucaoFactory(status=E.FALHA, erro="O portal recusou o login.", resultado={"codigo": "LOGIN_INVALIDO"})

    corpo = api_leitor.get(f"{URL}{execucao.pk}/").json()

    assert corpo["id"] == str(execucao.pk)
    assert corpo["erro"] == "O portal recusou o login."
    assert corpo["resultado"] == {"codigo": "LOGIN_INVALIDO"}
    assert corpo["solicitado_por"] is None and corpo["anterior"] is None
    assert_erro(api_leitor.get(f"{URL}{NENHUMA}/"), 404, "nao_encontrado")


# Log lines -------------------------------------------------------------------------------------------------------


def _linhas(execucao: Execucao, seqs, nivel: str = "INFO") -> None:
    for seq in seqs:
        ExecucaoLogFactory(execucao=execucao, seq=seq, nivel=nivel, mensagem=f"linha {seq}")


def test_linhas_de_log_pela_seq_seguindo_proxima_ate_acabar(api_leitor):
    execucao = ExecucaoFactory(status=E.EM_EXECUCAO)
    _linhas(execucao, range(1, 6))
    _linhas(ExecucaoFactory(), range(1, 3))  # another job's lines never come along

    primeira = api_leitor.get(f"{URL}{execucao.pk}/logs/", {"limite": 2}).json()
    assert [linha["seq"] for linha in primeira["linhas"]] == [1, 2]
    assert primeira["linhas"][0]["mensagem"] == "linha 1" and primeira["linhas"][0]["nivel"] == "INFO"
    assert primeira["ultimo_seq"] == 2 and primeira["em_andamento"] is True and primeira["status"] == "EM_EXECUCAO"
    assert parse_qs(urlsplit(primeira["proxima"]).query) == {"depois": ["2"], "limite": ["2"]}

    seqs, pagina = [1, 2], primeira
    while pagina["proxima"]:
        pagina = api_leitor.get(_caminho(pagina["proxima"])).json()
        seqs += [linha["seq"] for linha in pagina["linhas"]]
    assert seqs == [1, 2, 3, 4, 5]
    assert pagina["ultimo_seq"] == 5

    # Nothing more now; a line the robot writes later comes with the same `depois`.
    vazia = api_leitor.get(f"{URL}{execucao.pk}/logs/", {"depois": 5}).json()
    assert (vazia["linhas"], vazia["ultimo_seq"], vazia["proxima"]) == ([], 5, None)
    _linhas(execucao, [6])
    seguinte = api_leitor.get(f"{URL}{execucao.pk}/logs/", {"depois": 5}).json()
    assert [linha["seq"] for linha in seguinte["linhas"]] == [6]


def test_linhas_de_log_so_de_um_nivel_e_execucao_terminada(api_leitor):
    execucao = ExecucaoFactory(status=E.FALHA)
    _linhas(execucao, [1, 2], nivel=ExecucaoLog.Nivel.INFO)
    _linhas(execucao, [3], nivel=ExecucaoLog.Nivel.ERROR)
    _linhas(execucao, [4], nivel=ExecucaoLog.Nivel.WARNING)

    corpo = api_leitor.get(f"{URL}{execucao.pk}/logs/", {"nivel": ["ERROR", "WARNING"], "limite": 1}).json()

    assert [linha["seq"] for linha in corpo["linhas"]] == [3]
    assert parse_qs(urlsplit(corpo["proxima"]).query)["nivel"] == ["ERROR", "WARNING"]
    assert corpo["em_andamento"] is False


@pytest.mark.parametrize(
    ("parametros", "campo"),
    [({"limite": 1001}, "limite"), ({"limite": 0}, "limite"), ({"depois": -1}, "depois"), ({"nivel": "X"}, "nivel")],
)
def test_linhas_de_log_com_parametro_invalido_respondem_400(api_leitor, parametros, campo):
    execucao = ExecucaoFactory()

    corpo = assert_erro(api_leitor.get(f"{URL}{execucao.pk}/logs/", parametros), 400, "invalido")

    assert campo in corpo["campos"]


def test_linhas_de_log_de_execucao_desconhecida_respondem_404(api_leitor):
    assert_erro(api_leitor.get(f"{URL}{NENHUMA}/logs/"), 404, "nao_encontrado")


def test_linhas_de_log_custam_as_mesmas_consultas_qualquer_que_seja_o_limite(api_leitor, django_assert_max_num_queries):
    execucao = ExecucaoFactory()
    _linhas(execucao, range(1, 301))

    # The token's user, the role's permissions (two), the job, its lines.
    for limite in (5, 300):
        with django_assert_max_num_queries(5):
            assert len(api_leitor.get(f"{URL}{execucao.pk}/logs/", {"limite": limite}).json()["linhas"]) == limite


# History ---------------------------------------------------------------------------------------------------------


def test_historico_em_ordem_com_quem_pediu(api_leitor, operador):
    execucao = ExecucaoFactory()
    ExecucaoEvento.objects.create(execucao=execucao, de="", para=E.PENDENTE, motivo="Pedida.", por=operador)
    execucao_mudar_status(execucao=execucao, para=E.ENVIANDO, motivo="Vaga livre.")

    corpo = api_leitor.get(f"{URL}{execucao.pk}/historico/").json()

    assert [(item["de"], item["para"]) for item in corpo] == [("", "PENDENTE"), ("PENDENTE", "ENVIANDO")]
    assert corpo[0]["por"] == {"id": str(operador.pk), "email": operador.email}
    assert corpo[0]["para_rotulo"] == "Pendente" and corpo[1]["de_rotulo"] == "Pendente"
    assert corpo[1]["por"] is None and corpo[1]["motivo"] == "Vaga livre."


# Re-running and cancelling --------------------------------------------------------------------------------------


def test_reexecutar_falha_cria_a_proxima_tentativa_e_agenda_o_despacho(
    api_operador, operador, tarefas, django_capture_on_commit_callbacks
):
    falha = ExecucaoFactory(status=E.FALHA, tentativa=2)

    with django_capture_on_commit_callbacks(execute=True):
        resposta = api_operador.post(f"{URL}{falha.pk}/reexecutar/")

    assert resposta.status_code == 201, resposta.content
    corpo = resposta.json()
    nova = Execucao.objects.get(pk=corpo["id"])
    assert (nova.anterior_id, nova.tentativa, nova.origem, nova.status) == (falha.pk, 3, "REEXECUCAO", E.PENDENTE)
    assert nova.solicitado_por == operador and corpo["solicitado_por"]["email"] == operador.email
    assert corpo["anterior"] == str(falha.pk) and corpo["tentativa"] == 3
    assert ExecucaoEvento.objects.filter(execucao=nova, para=E.PENDENTE, por=operador).exists()
    assert [t.nome for t in tarefas] == ["despachar_execucoes"]


def test_reexecutar_o_que_nao_falhou_responde_409_e_nada_muda(api_operador, tarefas):
    sucesso = ExecucaoFactory(status=E.SUCESSO)
    antes = Execucao.objects.count()

    corpo = assert_erro(api_operador.post(f"{URL}{sucesso.pk}/reexecutar/"), 409, "conflito")

    assert corpo["mensagem"] == "Só execuções com falha ou canceladas podem ser reexecutadas; esta está “Sucesso”."
    assert Execucao.objects.count() == antes and not ExecucaoEvento.objects.exists() and tarefas == []


def test_reexecutar_quando_o_processo_ja_tem_a_fatura_responde_409_com_o_motivo(api_operador):
    processo = ProcessoFactory(status=Processo.Status.AGUARDANDO_APROVACAO)
    falha = ExecucaoFactory(processo=processo, status=E.FALHA)

    corpo = assert_erro(api_operador.post(f"{URL}{falha.pk}/reexecutar/"), 409, "conflito")

    assert "Aguardando aprovação" in corpo["mensagem"]
    assert corpo["dados"]["processo"] == str(processo.pk)
    assert Execucao.objects.filter(processo=processo).count() == 1


def test_cancelar_pendente_com_motivo(api_operador, operador):
    pendente = ExecucaoFactory()

    resposta = api_operador.post(f"{URL}{pendente.pk}/cancelar/", {"motivo": "O cliente pediu."}, format="json")

    assert resposta.status_code == 200, resposta.content
    corpo = resposta.json()
    assert (corpo["status"], corpo["erro"], corpo["pode_reexecutar"]) == ("CANCELADA", "O cliente pediu.", True)
    evento = ExecucaoEvento.objects.get(execucao=pendente, para=E.CANCELADA)
    assert (evento.de, evento.por, evento.motivo) == (E.PENDENTE, operador, "O cliente pediu.")


def test_cancelar_sem_corpo_usa_a_frase_do_servico(api_operador, operador):
    pendente = ExecucaoFactory()

    corpo = api_operador.post(f"{URL}{pendente.pk}/cancelar/").json()

    assert corpo["erro"] == f"Cancelada por {operador}."


def test_cancelar_execucao_terminada_responde_409_e_nada_muda(api_operador):
    sucesso = ExecucaoFactory(status=E.SUCESSO)

    corpo = assert_erro(api_operador.post(f"{URL}{sucesso.pk}/cancelar/"), 409, "conflito")

    assert corpo["mensagem"] == "Uma execução “Sucesso” não pode ser cancelada."
    atual = Execucao.objects.get(pk=sucesso.pk)
    assert (atual.status, atual.erro, atual.updated_at) == (E.SUCESSO, "", sucesso.updated_at)
    assert not ExecucaoEvento.objects.exists()


def test_quem_so_le_nao_reexecuta_nem_cancela(api_leitor, api_aprovador):
    pendente = ExecucaoFactory()
    falha = ExecucaoFactory(status=E.FALHA)

    for cliente in (api_leitor, api_aprovador):
        assert_erro(cliente.post(f"{URL}{pendente.pk}/cancelar/"), 403, "permissao")
        assert_erro(cliente.post(f"{URL}{falha.pk}/reexecutar/"), 403, "permissao")

    assert Execucao.objects.get(pk=pendente.pk).status == E.PENDENTE
    assert Execucao.objects.count() == 2 and not ExecucaoEvento.objects.exists()


def test_admin_cancela_e_reexecuta(api_admin):
    pendente = ExecucaoFactory()

    assert api_admin.post(f"{URL}{pendente.pk}/cancelar/").json()["status"] == "CANCELADA"
    assert api_admin.post(f"{URL}{pendente.pk}/reexecutar/").status_code == 201


@pytest.mark.skipif(connection.vendor != "postgresql", reason="índices só do PostgreSQL")
def test_pagina_da_lista_le_a_ordem_do_indice_da_criacao():
    from processos.apis import ExecucaoApi
    from tests.processos.test_listas import plano

    _criar(3)
    pagina = ExecucaoApi().get_queryset().order_by(*ORDEM_EXECUCOES)
    seguinte = pagina.filter(criado_em__lt=timezone.now())

    # The first page and a page after a cursor's position, newest first, straight from (criado_em, id).
    for consulta in (pagina[:51], seguinte[:51]):
        assert "execucao_criado_idx" in plano(consulta, "seqscan", "sort", "incremental_sort")


def test_filtro_com_porcento_e_controles_responde_400_e_nao_500(api_leitor):
    """Found by schemathesis: a `%` in a bad value broke DRF's formatting of the field error."""
    resposta = api_leitor.get("/api/v1/execucoes/", {"criado_de": "%\x05å'{", "competencia": "2026-11"})

    corpo = assert_erro(resposta, 400, "invalido")
    assert "criado_de" in corpo["campos"]
