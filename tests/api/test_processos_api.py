import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from processos.models import Execucao, FaturaArquivo, Processo, ProcessoEvento
from processos.services import processo_registrar_fatura, processo_rejeitar
from tests.api.conftest import assert_erro
from tests.conftest import PDF_MINIMO
from tests.factories import ClienteFactory, ExecucaoFactory, OperadoraFactory, ProcessoFactory, UsuarioFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/processos/"
S = Processo.Status
NOVEMBRO = dt.date(2026, 11, 1)
OUTUBRO = dt.date(2026, 10, 1)


def url(processo, acao: str = "") -> str:
    return f"{URL}{processo.pk}/{acao + '/' if acao else ''}"


def esperando(**campos) -> Processo:
    """A process waiting approval, with its invoice's fields filled in (the file itself is not needed)."""
    campos = {
        "status": S.AGUARDANDO_APROVACAO,
        "valor_total": Decimal("100.00"),
        "vencimento": dt.date(2026, 12, 10),
        **campos,
    }
    return ProcessoFactory(**campos)


def estado(processo) -> tuple:
    processo.refresh_from_db()
    return (
        processo.status,
        processo.aprovado_por_id,
        processo.motivo_rejeicao,
        processo.fatura.name,
        processo.eventos.count(),
        processo.execucoes.count(),
    )


def _arquivo(conteudo: bytes = PDF_MINIMO, nome: str = "fatura.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(nome, conteudo, content_type="application/pdf")


def _envio(**extra) -> dict:
    return {
        "arquivo": _arquivo(),
        "valor_total": "1234.56",
        "vencimento": "2026-12-10",
        "numero_fatura": "NF-42",
        **extra,
    }


# Reading ----------------------------------------------------------------------------------------------------------


def test_lista_traz_cliente_operadora_e_o_que_se_pode_fazer(api_aprovador):
    operadora = OperadoraFactory(nome="Vivo", codigo="vivo")
    processo = esperando(cliente=ClienteFactory(operadora=operadora, cnpj="11222333000181", conta="0012345"))

    corpo = api_aprovador.get(URL).json()

    assert corpo["total"] == 1
    linha = corpo["resultados"][0]
    assert linha["id"] == str(processo.pk)
    assert linha["cliente"]["cnpj"] == "11.222.333/0001-81"
    assert linha["cliente"]["conta"] == "0012345"
    assert linha["operadora"] == {"id": str(operadora.pk), "nome": "Vivo", "codigo": "vivo"}
    assert linha["competencia"] == "2026-11-01" and linha["competencia_texto"] == "11/2026"
    assert linha["status"] == S.AGUARDANDO_APROVACAO and linha["status_texto"] == "Aguardando aprovação"
    assert linha["valor_total"] == "100.00" and linha["vencimento"] == "2026-12-10"
    assert linha["tem_fatura"] is False and linha["fatura_url"] is None
    # An approver may approve and reject it; only the robots' commanders may ask for jobs.
    assert (linha["pode_aprovar"], linha["pode_rejeitar"], linha["pode_baixar"], linha["pode_receber_fatura"]) == (
        True,
        True,
        False,
        False,
    )


def test_o_que_se_pode_fazer_segue_o_papel(api_leitor):
    esperando()

    linha = api_leitor.get(URL).json()["resultados"][0]

    assert not any(linha[chave] for chave in ("pode_aprovar", "pode_rejeitar", "pode_baixar", "pode_enviar_sat"))


def test_filtros_por_situacao_competencia_operadora_cliente_e_busca(api_leitor):
    vivo, claro = OperadoraFactory(codigo="vivo"), OperadoraFactory(codigo="claro")
    a = ProcessoFactory(cliente=ClienteFactory(operadora=vivo, razao_social="Padaria Central"))
    b = esperando(cliente=ClienteFactory(operadora=vivo), competencia=OUTUBRO, numero_fatura="NF-77")
    c = ProcessoFactory(cliente=ClienteFactory(operadora=claro), status=S.UPLOAD_REALIZADO)

    def ids(**filtros) -> set:
        resposta = api_leitor.get(URL, filtros)
        assert resposta.status_code == 200, resposta.content
        return {linha["id"] for linha in resposta.json()["resultados"]}

    assert ids(status=[S.AGUARDANDO_DOWNLOAD, S.UPLOAD_REALIZADO]) == {str(a.pk), str(c.pk)}
    assert ids(competencia="2026-10") == {str(b.pk)}
    assert ids(competencia="2026-10-17") == {str(b.pk)}
    assert ids(operadora="vivo") == {str(a.pk), str(b.pk)}
    assert ids(operadora=str(claro.pk)) == {str(c.pk)}
    assert ids(cliente=str(a.cliente_id)) == {str(a.pk)}
    assert ids(busca="padaria") == {str(a.pk)}
    assert ids(busca="NF-77") == {str(b.pk)}
    assert ids(operadora="vivo", status=S.AGUARDANDO_APROVACAO) == {str(b.pk)}


def test_ordem_padrao_e_as_outras_ordens(api_leitor):
    novo = esperando(valor_total=Decimal("50.00"))
    velho = esperando(competencia=OUTUBRO, valor_total=Decimal("10.00"))

    def ordem(**parametros) -> list:
        return [linha["id"] for linha in api_leitor.get(URL, parametros).json()["resultados"]]

    assert ordem() == [str(novo.pk), str(velho.pk)]
    assert ordem(ordem="competencia") == [str(velho.pk), str(novo.pk)]
    assert ordem(ordem="-valor_total") == [str(novo.pk), str(velho.pk)]
    assert ordem(ordem="valor_total") == [str(velho.pk), str(novo.pk)]


@pytest.mark.parametrize(
    ("parametros", "campo", "trecho"),
    [
        ({"competencia": "2026-13"}, "competencia", "Competência inválida"),
        ({"operadora": "não é código!"}, "operadora", "Operadora inválida"),
        ({"status": "QUALQUER"}, "status", "QUALQUER"),
        ({"cliente": "abc"}, "cliente", ""),
        ({"ordem": "razao_social"}, "ordem", "razao_social"),
    ],
)
def test_filtro_invalido_responde_400_com_o_erro_do_campo(api_leitor, parametros, campo, trecho):
    corpo = assert_erro(api_leitor.get(URL, parametros), 400, "invalido")

    assert campo in corpo["campos"]
    assert trecho in " ".join(corpo["campos"][campo])


def test_filtro_de_competencia_da_api_e_da_fila_recusam_com_a_mesma_frase(api_aprovador, client, aprovador):
    from tests.conftest import textos

    esperando()
    client.force_login(aprovador)

    erro_api = assert_erro(api_aprovador.get(URL, {"competencia": "2026-13"}), 400, "invalido")["campos"]
    pagina = client.get("/aprovacao/", {"competencia": "2026-13"})

    assert f"Filtro ignorado: {erro_api['competencia'][0]}" in textos(pagina)


def test_fila_de_aprovacao_aceita_a_operadora_pelo_codigo(client, aprovador):
    vivo = OperadoraFactory(codigo="vivo")
    da_vivo = esperando(cliente=ClienteFactory(operadora=vivo))
    esperando()
    client.force_login(aprovador)

    resposta = client.get("/aprovacao/", {"operadora": "vivo"})

    assert [linha.processo for linha in resposta.context["linhas"]] == [da_vivo]


@pytest.mark.parametrize("tamanho", [5, 50])
def test_lista_custa_as_mesmas_consultas_em_qualquer_tamanho(api_aprovador, django_assert_max_num_queries, tamanho):
    aprovador = UsuarioFactory()
    for i in range(60):
        esperando(
            cliente=ClienteFactory(),
            aprovado_por=aprovador if i % 2 else None,
            fatura=f"faturas/{i}.pdf" if i % 3 else "",
        )

    # The user (JWT), their permissions, the count, the page.
    with django_assert_max_num_queries(4):
        resposta = api_aprovador.get(URL, {"tamanho": tamanho, "busca": "Empresa", "status": S.AGUARDANDO_APROVACAO})

    assert len(resposta.json()["resultados"]) == tamanho


def test_detalhe_e_404(api_leitor):
    processo = esperando()

    assert api_leitor.get(url(processo)).json()["id"] == str(processo.pk)
    assert_erro(api_leitor.get(f"{URL}00000000-0000-0000-0000-000000000000/"), 404, "nao_encontrado")


def test_sem_token_401_e_sem_permissao_403(anonimo, api_leitor):
    processo = esperando()

    assert_erro(anonimo.get(URL), 401, "nao_autenticado")
    assert_erro(api_leitor.post(url(processo, "aprovar"), {}, format="json"), 403, "permissao")


# Approving and rejecting ------------------------------------------------------------------------------------------


def test_aprovador_aprova_e_o_envio_ao_sat_e_pedido(api_aprovador, aprovador, tarefas):
    processo = esperando()

    resposta = api_aprovador.post(url(processo, "aprovar"), {}, format="json")

    assert resposta.status_code == 200, resposta.content
    corpo = resposta.json()
    assert corpo["status"] == S.AGUARDANDO_ENVIO_SAT
    assert corpo["aprovado_por"]["email"] == aprovador.email
    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_ENVIO_SAT and processo.aprovado_por == aprovador
    assert processo.execucoes.get().tipo == Execucao.Tipo.UPLOAD_SAT
    assert processo.eventos.get().para == S.AGUARDANDO_ENVIO_SAT


def test_aprovar_guarda_a_justificativa_no_historico(api_aprovador, tarefas):
    processo = esperando()

    api_aprovador.post(url(processo, "aprovar"), {"justificativa": "Reajuste de contrato."}, format="json")

    assert processo.eventos.get().motivo == "Reajuste de contrato."


def test_aprovar_em_outra_situacao_responde_409_sem_efeitos(api_aprovador):
    processo = ProcessoFactory(status=S.UPLOAD_REALIZADO)
    antes = estado(processo)

    corpo = assert_erro(api_aprovador.post(url(processo, "aprovar"), {}, format="json"), 409, "conflito")

    assert "não pode ser aprovado" in corpo["mensagem"]
    assert estado(processo) == antes


def test_aprovar_fatura_sinalizada_sem_justificativa_responde_400_sem_efeitos(api_aprovador):
    cliente = ClienteFactory()
    ProcessoFactory(cliente=cliente, competencia=OUTUBRO, status=S.UPLOAD_REALIZADO, valor_total=Decimal("100.00"))
    processo = esperando(cliente=cliente, valor_total=Decimal("500.00"))
    antes = estado(processo)

    corpo = assert_erro(api_aprovador.post(url(processo, "aprovar"), {}, format="json"), 400, "invalido")

    assert "justificativa" in corpo["mensagem"]
    assert corpo["dados"]["justificativa_obrigatoria"] is True
    assert estado(processo) == antes


def test_quem_enviou_a_fatura_nao_a_aprova(api_admin, admin_user, media, pdf):
    processo = processo_registrar_fatura(processo=ProcessoFactory(), arquivo=pdf(), por=admin_user)
    antes = estado(processo)

    assert_erro(api_admin.post(url(processo, "aprovar"), {}, format="json"), 403, "permissao")
    assert estado(processo) == antes


@pytest.mark.parametrize("cliente_api", ["api_leitor", "api_operador"])
def test_leitor_e_operador_nao_aprovam_nem_rejeitam(request, cliente_api):
    api = request.getfixturevalue(cliente_api)
    processo = esperando()
    antes = estado(processo)

    assert_erro(api.post(url(processo, "aprovar"), {}, format="json"), 403, "permissao")
    assert_erro(api.post(url(processo, "rejeitar"), {"motivo": "x"}, format="json"), 403, "permissao")
    assert estado(processo) == antes


def test_aprovador_rejeita_com_motivo(api_aprovador, aprovador):
    processo = esperando()

    resposta = api_aprovador.post(url(processo, "rejeitar"), {"motivo": "Valor de outro cliente."}, format="json")

    assert resposta.status_code == 200, resposta.content
    assert resposta.json()["status"] == S.AGUARDANDO_DOWNLOAD
    processo.refresh_from_db()
    assert processo.motivo_rejeicao == "Valor de outro cliente."
    evento = processo.eventos.get()
    assert (evento.de, evento.para, evento.por) == (S.AGUARDANDO_APROVACAO, S.AGUARDANDO_DOWNLOAD, aprovador)


@pytest.mark.parametrize("corpo", [{}, {"motivo": ""}])
def test_rejeitar_sem_motivo_responde_400_sem_efeitos(api_aprovador, corpo):
    processo = esperando()
    antes = estado(processo)

    erro = assert_erro(api_aprovador.post(url(processo, "rejeitar"), corpo, format="json"), 400, "invalido")

    assert "motivo" in erro["campos"]
    assert estado(processo) == antes


def test_rejeitar_em_outra_situacao_responde_409_sem_efeitos(api_aprovador):
    processo = ProcessoFactory()
    antes = estado(processo)

    assert_erro(api_aprovador.post(url(processo, "rejeitar"), {"motivo": "x"}, format="json"), 409, "conflito")
    assert estado(processo) == antes


# Robot jobs -------------------------------------------------------------------------------------------------------


def test_operador_pede_o_download(api_operador, operador, tarefas, django_capture_on_commit_callbacks):
    processo = ProcessoFactory(cliente=ClienteFactory(operadora=OperadoraFactory(possui_rpa=True)))

    with django_capture_on_commit_callbacks(execute=True):
        resposta = api_operador.post(url(processo, "baixar"))

    assert resposta.status_code == 202, resposta.content
    execucao = processo.execucoes.get()
    assert resposta.json()["id"] == str(execucao.pk)
    assert (execucao.tipo, execucao.status, execucao.solicitado_por) == (
        Execucao.Tipo.DOWNLOAD_FATURA,
        Execucao.Status.PENDENTE,
        operador,
    )
    assert "despachar_execucoes" in {tarefa.nome for tarefa in tarefas}


def test_download_com_outro_em_andamento_responde_409_sem_efeitos(api_operador, tarefas):
    processo = ProcessoFactory(cliente=ClienteFactory(operadora=OperadoraFactory(possui_rpa=True)))
    ExecucaoFactory(processo=processo)

    corpo = assert_erro(api_operador.post(url(processo, "baixar")), 409, "conflito")

    assert "em andamento" in corpo["mensagem"]
    assert processo.execucoes.count() == 1


def test_download_de_processo_fora_de_situacao_responde_409(api_operador, tarefas):
    processo = esperando()

    assert_erro(api_operador.post(url(processo, "baixar")), 409, "conflito")
    assert not processo.execucoes.exists()


def test_enviar_ao_sat_pede_o_trabalho(api_admin, tarefas):
    processo = ProcessoFactory(status=S.AGUARDANDO_ENVIO_SAT)

    resposta = api_admin.post(url(processo, "enviar-sat"))

    assert resposta.status_code == 202, resposta.content
    assert processo.execucoes.get().tipo == Execucao.Tipo.UPLOAD_SAT


def test_enviar_ao_sat_fora_de_situacao_responde_409_sem_efeitos(api_admin, tarefas):
    processo = esperando()

    assert_erro(api_admin.post(url(processo, "enviar-sat")), 409, "conflito")
    assert not processo.execucoes.exists()


@pytest.mark.parametrize("cliente_api", ["api_leitor", "api_aprovador"])
def test_leitor_e_aprovador_nao_comandam_robos(request, cliente_api, tarefas):
    api = request.getfixturevalue(cliente_api)
    processo = ProcessoFactory(cliente=ClienteFactory(operadora=OperadoraFactory(possui_rpa=True)))

    assert_erro(api.post(url(processo, "baixar")), 403, "permissao")
    assert_erro(api.post(url(processo, "enviar-sat")), 403, "permissao")
    assert not processo.execucoes.exists()


# The invoice file -------------------------------------------------------------------------------------------------


def test_operador_envia_a_fatura(api_operador, operador, media):
    processo = ProcessoFactory()

    resposta = api_operador.post(url(processo, "fatura"), _envio(), format="multipart")

    assert resposta.status_code == 200, resposta.content
    corpo = resposta.json()
    assert corpo["status"] == S.AGUARDANDO_APROVACAO
    assert corpo["valor_total"] == "1234.56" and corpo["numero_fatura"] == "NF-42"
    assert corpo["fatura_url"] == f"http://testserver{url(processo, 'fatura')}"
    arquivo = FaturaArquivo.objects.get(processo=processo)
    assert (arquivo.enviado_por, arquivo.origem) == (operador, FaturaArquivo.Origem.MANUAL)


def test_fatura_que_nao_e_pdf_responde_415_sem_efeitos(api_operador, media):
    processo = ProcessoFactory()
    antes = estado(processo)

    resposta = api_operador.post(url(processo, "fatura"), _envio(arquivo=_arquivo(b"GIF89a...")), format="multipart")

    assert_erro(resposta, 415, "tipo_nao_suportado")
    assert estado(processo) == antes
    assert not list(media.rglob("*.pdf"))


def test_fatura_grande_demais_responde_413_sem_efeitos(api_operador, media, settings):
    settings.BRM_FATURA_TAMANHO_MAXIMO = 1000
    processo = ProcessoFactory()
    antes = estado(processo)

    # Small enough to pass the check of the body's size, too large for the service.
    conteudo = PDF_MINIMO + b"0" * 1000
    resposta = api_operador.post(url(processo, "fatura"), _envio(arquivo=_arquivo(conteudo)), format="multipart")

    assert_erro(resposta, 413, "arquivo_grande")
    assert estado(processo) == antes


def test_corpo_maior_que_o_limite_responde_413_sem_ser_lido(api_operador, media, settings):
    settings.BRM_FATURA_TAMANHO_MAXIMO = 1000
    processo = ProcessoFactory()

    conteudo = PDF_MINIMO + b"0" * 200_000
    resposta = api_operador.post(url(processo, "fatura"), _envio(arquivo=_arquivo(conteudo)), format="multipart")

    corpo = assert_erro(resposta, 413, "arquivo_grande")
    assert corpo["dados"]["tamanho_maximo"] == 1000
    assert estado(processo)[0] == S.AGUARDANDO_DOWNLOAD


def test_campos_do_formulario_alem_do_limite_do_django_respondem_413(api_operador, media, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    processo = ProcessoFactory()

    resposta = api_operador.post(url(processo, "fatura"), _envio(numero_fatura="N" * 500), format="multipart")

    assert_erro(resposta, 413, "arquivo_grande")
    assert estado(processo)[0] == S.AGUARDANDO_DOWNLOAD


def test_fatura_sem_campos_obrigatorios_responde_400(api_operador, media):
    processo = ProcessoFactory()

    corpo = assert_erro(api_operador.post(url(processo, "fatura"), {}, format="multipart"), 400, "invalido")

    assert {"arquivo", "valor_total", "vencimento"} <= set(corpo["campos"])


def test_fatura_em_json_responde_415(api_operador):
    processo = ProcessoFactory()

    assert_erro(
        api_operador.post(url(processo, "fatura"), {"valor_total": "1"}, format="json"), 415, "tipo_nao_suportado"
    )


def test_processo_que_nao_recebe_fatura_responde_409_sem_efeitos(api_operador, media):
    processo = ProcessoFactory(status=S.UPLOAD_REALIZADO)
    antes = estado(processo)

    assert_erro(api_operador.post(url(processo, "fatura"), _envio(), format="multipart"), 409, "conflito")
    assert estado(processo) == antes


@pytest.mark.parametrize("cliente_api", ["api_leitor", "api_aprovador"])
def test_leitor_e_aprovador_nao_enviam_fatura(request, cliente_api, media):
    api = request.getfixturevalue(cliente_api)
    processo = ProcessoFactory()

    assert_erro(api.post(url(processo, "fatura"), _envio(), format="multipart"), 403, "permissao")
    assert estado(processo)[0] == S.AGUARDANDO_DOWNLOAD


def test_download_da_fatura_com_os_cabecalhos_da_pagina(api_leitor, operador, media, pdf):
    cliente = ClienteFactory(cnpj="11222333000181", operadora=OperadoraFactory(codigo="vivo"))
    processo = processo_registrar_fatura(
        processo=ProcessoFactory(cliente=cliente), arquivo=pdf(), por=operador, nome_original='x"; evil.pdf'
    )

    resposta = api_leitor.get(url(processo, "fatura"), HTTP_ACCEPT="application/pdf")

    assert resposta.status_code == 200
    assert resposta["Content-Type"] == "application/pdf"
    assert resposta["Content-Disposition"] == 'inline; filename="fatura-vivo-11222333000181-2026-11.pdf"'
    assert resposta["X-Content-Type-Options"] == "nosniff"
    assert {"private", "no-store"} <= {parte.strip() for parte in resposta["Cache-Control"].split(",")}
    assert b"".join(resposta.streaming_content) == PDF_MINIMO


def test_download_sem_fatura_responde_404_em_json(api_leitor):
    processo = ProcessoFactory()

    resposta = api_leitor.get(url(processo, "fatura"), HTTP_ACCEPT="application/pdf")

    assert assert_erro(resposta, 404, "nao_encontrado")["mensagem"] == "Este processo não tem fatura."
    assert resposta["Content-Type"] == "application/json"


def test_arquivos_do_processo_e_download_de_um_rejeitado(api_leitor, operador, aprovador, media, pdf):
    processo = processo_registrar_fatura(processo=ProcessoFactory(), arquivo=pdf(), por=operador)
    processo_rejeitar(processo=processo, por=aprovador, motivo="Outro mês.")
    processo_registrar_fatura(
        processo=processo, arquivo=pdf(conteudo=PDF_MINIMO + b"% segunda\n"), por=operador, valor_total=Decimal("9")
    )

    arquivos = api_leitor.get(url(processo, "arquivos")).json()

    assert [arquivo["status"] for arquivo in arquivos] == ["AGUARDANDO_APROVACAO", "REJEITADA"]
    rejeitado = arquivos[1]
    assert rejeitado["motivo_rejeicao"] == "Outro mês."
    assert rejeitado["decidido_por"]["email"] == aprovador.email
    assert rejeitado["enviado_por"]["email"] == operador.email
    assert rejeitado["nome"].endswith("-rejeitada-1.pdf")
    resposta = api_leitor.get(rejeitado["url"])
    assert resposta.status_code == 200
    assert rejeitado["nome"] in resposta["Content-Disposition"]
    assert b"".join(resposta.streaming_content) == PDF_MINIMO


def test_arquivo_de_outro_processo_responde_404(api_leitor, operador, media, pdf):
    de_outro = processo_registrar_fatura(processo=ProcessoFactory(), arquivo=pdf(), por=operador)
    processo = ProcessoFactory()
    arquivo = FaturaArquivo.objects.get(processo=de_outro)

    assert_erro(api_leitor.get(f"{url(processo, 'arquivos')}{arquivo.pk}/"), 404, "nao_encontrado")


# History ----------------------------------------------------------------------------------------------------------


def test_historico_diz_quem_quando_de_para_e_por_que(api_leitor, aprovador):
    processo = esperando()
    ProcessoEvento.objects.create(processo=processo, de="", para=S.AGUARDANDO_DOWNLOAD)
    ProcessoEvento.objects.create(
        processo=processo, de=S.AGUARDANDO_DOWNLOAD, para=S.AGUARDANDO_APROVACAO, por=aprovador, motivo="Manual."
    )

    corpo = api_leitor.get(url(processo, "historico")).json()

    primeiro, segundo = corpo["resultados"]
    assert (primeiro["de"], primeiro["para"], primeiro["por"]) == ("", S.AGUARDANDO_DOWNLOAD, None)
    assert segundo["por"]["email"] == aprovador.email
    assert (segundo["de_texto"], segundo["para_texto"], segundo["motivo"]) == (
        "Aguardando download",
        "Aguardando aprovação",
        "Manual.",
    )
    assert corpo["proxima"] is None


@pytest.mark.parametrize("valor", ["%d", "100%", "%(x)s"])
def test_filtros_com_porcento_respondem_400(api_leitor, valor):
    for filtro in ("competencia", "operadora"):
        corpo = assert_erro(api_leitor.get("/api/v1/processos/", {filtro: valor}), 400, "invalido")
        assert filtro in corpo["campos"]


def test_endereco_da_api_que_nao_existe_responde_404_em_json(api_leitor):
    """Found by schemathesis: an id of the wrong form matched no route and got the HTML page."""
    resposta = api_leitor.post("/api/v1/processos/0/rejeitar/", {"motivo": "x"}, format="json")

    assert resposta["Content-Type"] == "application/json"
    assert_erro(resposta, 404, "nao_encontrado")
