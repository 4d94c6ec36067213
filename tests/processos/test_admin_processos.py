"""The process pages of the admin: bulk actions, approve and reject, manual upload, download, monthly creation."""

import datetime as dt
import hashlib
import itertools
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from processos.admin import ProcessoAdmin
from processos.admin.forms import normalizar_valor
from processos.models import Processo, ProcessoEvento
from processos.services import processo_registrar_fatura
from processos.services.criacao import competencia_atual
from tests.conftest import PDF_MINIMO, campo_somente_leitura, linhas_da_lista, textos
from tests.factories import ClienteFactory, OperadoraFactory, ProcessoFactory, UsuarioFactory

pytestmark = pytest.mark.django_db

S = Processo.Status
CHANGELIST = "admin:processos_processo_changelist"


def url(nome: str, processo: Processo | None = None) -> str:
    return reverse(f"admin:processos_processo_{nome}", args=[processo.pk] if processo else [])


def arquivos_guardados() -> set[Path]:
    return {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


def upload(nome: str = "fatura.pdf", conteudo: bytes = PDF_MINIMO) -> SimpleUploadedFile:
    return SimpleUploadedFile(nome, conteudo, content_type="application/pdf")


@pytest.fixture
def aguardando_aprovacao(operador, pdf):
    numeros = itertools.count(1)

    def _criar(**kwargs) -> Processo:
        return processo_registrar_fatura(
            processo=ProcessoFactory(**kwargs),
            # A file of its own: the same file in two processes is flagged, and approving it asks for a reason.
            arquivo=pdf(conteudo=PDF_MINIMO + f"%{next(numeros)}\n".encode()),
            por=operador,
            nome_original="fatura.pdf",
            valor_total=Decimal("99.90"),
            vencimento=dt.date(2026, 12, 10),
        )

    return _criar


def acao(client, nome: str, processos, **extra):
    dados = {"action": nome, "_selected_action": [str(p.pk) for p in processos], "index": "0", **extra}
    return client.post(reverse(CHANGELIST), dados)


# Lists and the change page


def test_lista_mostra_situacao_valor_e_competencia_no_formato_brasileiro(client, leitor, aguardando_aprovacao):
    processo = aguardando_aprovacao()
    client.force_login(leitor)

    resposta = client.get(reverse(CHANGELIST))

    conteudo = resposta.content.decode()
    assert 'class="brm-badge"' in conteudo
    # The row itself: the status filter in the sidebar names every status, the month filter every month.
    [linha] = linhas_da_lista(resposta)
    assert linha["situacao"] == "Aguardando aprovação"
    assert linha["valor"] == "R$ 99,90"
    assert linha["competencia_formatada"] == "11/2026"
    assert linha["cliente_cnpj"] == processo.cliente.cnpj_formatado
    assert "brm/admin.css" in conteudo


def test_lista_nao_faz_uma_consulta_por_linha(client, leitor, django_assert_max_num_queries):
    ProcessoFactory.create_batch(3)
    client.force_login(leitor)
    client.get(reverse(CHANGELIST))
    ProcessoFactory.create_batch(10)

    with django_assert_max_num_queries(20):
        assert client.get(reverse(CHANGELIST)).status_code == 200


def test_busca_de_processo_acha_cnpj_formatado(client, leitor):
    processo = ProcessoFactory()
    ProcessoFactory()
    client.force_login(leitor)

    resposta = client.get(reverse(CHANGELIST), {"q": processo.cliente.cnpj_formatado})

    assert list(resposta.context["cl"].result_list) == [processo]


def test_filtro_de_competencia(client, leitor):
    novembro = ProcessoFactory(competencia=dt.date(2026, 11, 1))
    ProcessoFactory(competencia=dt.date(2026, 10, 1))
    client.force_login(leitor)

    resposta = client.get(reverse(CHANGELIST), {"competencia": "2026-11-01"})

    assert list(resposta.context["cl"].result_list) == [novembro]
    assert client.get(reverse(CHANGELIST), {"competencia": "xyz"}).status_code == 302


def test_pagina_do_processo_nao_edita_situacao_nem_fatura(client, admin_user, aguardando_aprovacao):
    processo = aguardando_aprovacao()
    client.force_login(admin_user)

    resposta = client.get(url("change", processo))

    conteudo = resposta.content.decode()
    for campo in ("status", "fatura", "fatura_sha256", "valor_total", "aprovado_por", "protocolo_sat", "cliente"):
        assert f'name="{campo}"' not in conteudo
    assert 'name="_save"' not in conteudo
    # The fields themselves: the history below also names the status the invoice moved to.
    assert campo_somente_leitura(resposta, "situacao") == "Aguardando aprovação"
    assert campo_somente_leitura(resposta, "valor") == "R$ 99,90"
    assert url("fatura", processo) in conteudo
    # The file is only reachable through the permission-checked view.
    assert settings.MEDIA_URL not in conteudo
    assert "Fatura enviada manualmente." in conteudo


def test_salvar_a_pagina_do_processo_nao_desfaz_a_situacao(client, admin_user, aguardando_aprovacao, monkeypatch):
    processo = aguardando_aprovacao()
    client.force_login(admin_user)
    gestao = {
        f"{prefixo}-{campo}": valor
        for prefixo, total in (("eventos", 1), ("execucoes", 0))
        for campo, valor in (("TOTAL_FORMS", total), ("INITIAL_FORMS", total), ("MAX_NUM_FORMS", 1000))
    }
    carregar = ProcessoAdmin.get_object

    def aprovado_enquanto_a_pagina_salva(self, request, object_id, from_field=None):
        obj = carregar(self, request, object_id, from_field)
        Processo.objects.filter(pk=processo.pk).update(status=S.AGUARDANDO_ENVIO_SAT)
        return obj

    monkeypatch.setattr(ProcessoAdmin, "get_object", aprovado_enquanto_a_pagina_salva)

    resposta = client.post(url("change", processo), {**gestao, "status": S.AGUARDANDO_DOWNLOAD, "_save": "1"})

    assert resposta.status_code == 302
    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_ENVIO_SAT


def test_botoes_da_pagina_seguem_situacao_e_permissao(client, operador, aprovador, leitor, aguardando_aprovacao):
    aguardando = ProcessoFactory()
    com_fatura = aguardando_aprovacao()

    client.force_login(operador)
    assert url("enviar_fatura", aguardando) in client.get(url("change", aguardando)).content.decode()
    assert url("aprovar", com_fatura) not in client.get(url("change", com_fatura)).content.decode()

    client.force_login(aprovador)
    conteudo = client.get(url("change", com_fatura)).content.decode()
    assert url("aprovar", com_fatura) in conteudo
    assert url("rejeitar", com_fatura) in conteudo
    assert url("enviar_fatura", aguardando) not in client.get(url("change", aguardando)).content.decode()

    client.force_login(leitor)
    conteudo = client.get(url("change", com_fatura)).content.decode()
    assert url("aprovar", com_fatura) not in conteudo
    assert url("fatura", com_fatura) in conteudo


def test_admin_inclui_processo_com_competencia_mes_ano(client, admin_user):
    cliente = ClienteFactory()
    client.force_login(admin_user)

    resposta = client.post(url("add"), {"cliente": str(cliente.pk), "competencia": "03/2026"})

    assert resposta.status_code == 302, resposta.context["adminform"].form.errors
    processo = Processo.objects.get(cliente=cliente)
    assert processo.competencia == dt.date(2026, 3, 1)
    assert processo.status == S.AGUARDANDO_DOWNLOAD


def test_admin_nao_inclui_segundo_processo_do_mesmo_mes(client, admin_user):
    processo = ProcessoFactory(competencia=dt.date(2026, 3, 1))
    client.force_login(admin_user)

    resposta = client.post(url("add"), {"cliente": str(processo.cliente_id), "competencia": "2026-03"})

    assert resposta.status_code == 200
    assert resposta.context["adminform"].form.errors
    assert Processo.objects.count() == 1


# Approve


def test_aprovar_em_lote_aprova_os_que_aguardam_e_recusa_os_demais(client, aprovador, aguardando_aprovacao):
    prontos = [aguardando_aprovacao(), aguardando_aprovacao()]
    sem_fatura = ProcessoFactory()
    client.force_login(aprovador)

    resposta = acao(client, "aprovar_selecionados", [*prontos, sem_fatura])

    assert resposta.status_code == 302
    for processo in prontos:
        processo.refresh_from_db()
        assert processo.status == S.AGUARDANDO_ENVIO_SAT
        assert processo.aprovado_por == aprovador
    sem_fatura.refresh_from_db()
    assert sem_fatura.status == S.AGUARDANDO_DOWNLOAD
    assert not sem_fatura.eventos.exists()
    recebidas = textos(resposta)
    assert "2 faturas aprovadas." in recebidas
    assert any(str(sem_fatura) in texto and "não pode ser aprovado" in texto for texto in recebidas)


@pytest.mark.parametrize("papel", ["leitor", "operador"])
@pytest.mark.parametrize("nome", ["aprovar_selecionados", "rejeitar_selecionados"])
def test_quem_nao_aprova_nao_roda_acoes_de_aprovacao(client, request, papel, nome, aguardando_aprovacao):
    processo = aguardando_aprovacao()
    eventos = ProcessoEvento.objects.count()
    client.force_login(request.getfixturevalue(papel))

    acao(client, nome, [processo], confirmar="1", motivo="Valor errado")

    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_APROVACAO
    assert ProcessoEvento.objects.count() == eventos


def test_acoes_de_aprovacao_nao_aparecem_para_o_leitor(client, leitor):
    ProcessoFactory()
    client.force_login(leitor)

    conteudo = client.get(reverse(CHANGELIST)).content.decode()

    assert "aprovar_selecionados" not in conteudo
    assert "Criar processos do mês" not in conteudo


def test_botao_aprovar_aprova_um_processo(client, aprovador, aguardando_aprovacao):
    processo = aguardando_aprovacao()
    client.force_login(aprovador)

    assert client.get(url("aprovar", processo)).status_code == 405
    resposta = client.post(url("aprovar", processo))

    assert resposta.status_code == 302
    assert resposta.url == url("change", processo)
    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_ENVIO_SAT
    assert processo.eventos.filter(para=S.AGUARDANDO_ENVIO_SAT, por=aprovador).exists()


def test_botao_aprovar_em_processo_ja_aprovado_avisa_e_nao_muda(client, aprovador, aguardando_aprovacao):
    processo = aguardando_aprovacao()
    client.force_login(aprovador)
    client.post(url("aprovar", processo))
    eventos = processo.eventos.count()

    resposta = client.post(url("aprovar", processo))

    assert any("não pode ser aprovado" in texto for texto in textos(resposta))
    assert processo.eventos.count() == eventos


@pytest.mark.parametrize("papel", ["leitor", "operador"])
def test_botao_aprovar_recusa_quem_nao_aprova(client, request, papel, aguardando_aprovacao):
    processo = aguardando_aprovacao()
    client.force_login(request.getfixturevalue(papel))

    assert client.post(url("aprovar", processo)).status_code == 403
    assert client.post(url("rejeitar", processo), {"motivo": "x"}).status_code == 403

    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_APROVACAO


# Reject


def test_rejeitar_em_lote_pede_motivo_antes(client, aprovador, aguardando_aprovacao):
    processo = aguardando_aprovacao()
    client.force_login(aprovador)

    resposta = acao(client, "rejeitar_selecionados", [processo])

    assert resposta.status_code == 200
    assert resposta.templates[0].name == "admin/processos/processo/rejeitar.html"
    assert 'name="motivo"' in resposta.content.decode()
    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_APROVACAO


def test_rejeitar_em_lote_com_motivo_em_branco_nao_muda_nada(client, aprovador, aguardando_aprovacao):
    processo = aguardando_aprovacao()
    eventos = ProcessoEvento.objects.count()
    client.force_login(aprovador)

    dados = {"action": "rejeitar_selecionados", "_selected_action": [str(processo.pk)], "confirmar": "1"}
    resposta = client.post(reverse(CHANGELIST), {**dados, "motivo": "   "})

    assert resposta.status_code == 200
    assert resposta.context["form"].errors["motivo"]
    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_APROVACAO
    assert ProcessoEvento.objects.count() == eventos


def test_rejeitar_em_lote_com_motivo_volta_para_download(client, aprovador, aguardando_aprovacao):
    processos = [aguardando_aprovacao(), aguardando_aprovacao()]
    client.force_login(aprovador)

    dados = {"action": "rejeitar_selecionados", "_selected_action": [str(p.pk) for p in processos], "confirmar": "1"}
    resposta = client.post(reverse(CHANGELIST), {**dados, "motivo": "Valor diverge do contrato"})

    assert resposta.status_code == 302
    assert "2 faturas rejeitadas." in textos(resposta)
    for processo in processos:
        processo.refresh_from_db()
        assert processo.status == S.AGUARDANDO_DOWNLOAD
        assert processo.motivo_rejeicao == "Valor diverge do contrato"
        assert not processo.fatura
        evento = processo.eventos.get(para=S.AGUARDANDO_DOWNLOAD)
        assert evento.motivo == "Valor diverge do contrato"
        assert evento.por == aprovador


def test_pagina_rejeitar_de_processo_sem_fatura_volta_com_aviso(client, aprovador, processo):
    client.force_login(aprovador)

    resposta = client.get(url("rejeitar", processo))

    assert resposta.status_code == 302
    assert any("não pode ser rejeitado" in texto for texto in textos(resposta))
    assert client.post(url("rejeitar", processo), {"motivo": "x"}).status_code == 302
    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_DOWNLOAD
    assert not processo.eventos.exists()


def test_pagina_rejeitar_de_um_processo(client, aprovador, aguardando_aprovacao):
    processo = aguardando_aprovacao()
    client.force_login(aprovador)

    assert client.get(url("rejeitar", processo)).status_code == 200
    em_branco = client.post(url("rejeitar", processo), {"motivo": ""})
    assert em_branco.status_code == 200
    assert em_branco.context["form"].errors["motivo"]
    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_APROVACAO

    resposta = client.post(url("rejeitar", processo), {"motivo": "PDF de outro cliente"})

    assert resposta.status_code == 302
    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_DOWNLOAD
    assert processo.eventos.get(para=S.AGUARDANDO_DOWNLOAD).motivo == "PDF de outro cliente"


# Manual upload and download


def dados_upload(**extra) -> dict:
    return {
        "arquivo": upload(),
        "valor_total": "1.234,56",
        "vencimento": "10/12/2026",
        "numero_fatura": " NF-123 ",
        **extra,
    }


def test_envio_manual_de_fatura_vai_para_aprovacao(client, operador, leitor, processo):
    client.force_login(operador)

    assert client.get(url("enviar_fatura", processo)).status_code == 200
    resposta = client.post(url("enviar_fatura", processo), dados_upload())

    assert resposta.status_code == 302
    assert resposta.url == url("change", processo)
    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_APROVACAO
    assert processo.fatura_sha256 == hashlib.sha256(PDF_MINIMO).hexdigest()
    assert processo.valor_total == Decimal("1234.56")
    assert processo.vencimento == dt.date(2026, 12, 10)
    assert processo.numero_fatura == "NF-123"
    assert default_storage.exists(processo.fatura.name)
    assert processo.eventos.get(para=S.AGUARDANDO_APROVACAO).por == operador

    client.force_login(leitor)
    baixada = client.get(url("fatura", processo))
    assert baixada.status_code == 200
    assert baixada["Content-Type"] == "application/pdf"
    assert b"".join(baixada.streaming_content) == PDF_MINIMO


def test_envio_de_arquivo_que_nao_e_pdf_e_recusado_sem_guardar_nada(client, operador, processo):
    client.force_login(operador)
    antes = arquivos_guardados()

    resposta = client.post(url("enviar_fatura", processo), dados_upload(arquivo=upload(conteudo=b"<html>oi</html>")))

    assert resposta.status_code == 200
    assert "não é um PDF" in str(resposta.context["form"].errors["arquivo"])
    assert "não é um PDF" in resposta.content.decode()
    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_DOWNLOAD
    assert not processo.fatura
    assert not processo.eventos.exists()
    assert arquivos_guardados() == antes


def test_envio_de_pdf_grande_demais_e_recusado(client, operador, processo, settings):
    settings.BRM_FATURA_TAMANHO_MAXIMO = 64
    client.force_login(operador)
    antes = arquivos_guardados()

    resposta = client.post(
        url("enviar_fatura", processo), dados_upload(arquivo=upload(conteudo=PDF_MINIMO + b"0" * 200))
    )

    assert resposta.status_code == 200
    assert "passa do limite" in str(resposta.context["form"].errors["arquivo"])
    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_DOWNLOAD
    assert arquivos_guardados() == antes


def test_envio_com_valor_invalido_mostra_erro(client, operador, processo):
    client.force_login(operador)

    resposta = client.post(url("enviar_fatura", processo), dados_upload(valor_total="mil reais", vencimento=""))

    assert resposta.status_code == 200
    assert set(resposta.context["form"].errors) == {"valor_total", "vencimento"}
    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_DOWNLOAD


def test_envio_para_processo_que_ja_tem_fatura_e_recusado(client, operador, aguardando_aprovacao):
    processo = aguardando_aprovacao()
    sha256 = processo.fatura_sha256
    client.force_login(operador)

    assert client.get(url("enviar_fatura", processo)).status_code == 302
    resposta = client.post(url("enviar_fatura", processo), dados_upload(arquivo=upload(conteudo=PDF_MINIMO + b"x")))

    assert resposta.status_code == 200
    assert "não pode receber uma fatura" in resposta.content.decode()
    processo.refresh_from_db()
    assert processo.fatura_sha256 == sha256


@pytest.mark.parametrize("papel", ["leitor", "aprovador"])
def test_quem_nao_envia_fatura_recebe_403(client, request, papel, processo):
    client.force_login(request.getfixturevalue(papel))

    assert client.get(url("enviar_fatura", processo)).status_code == 403
    assert client.post(url("enviar_fatura", processo), dados_upload()).status_code == 403

    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_DOWNLOAD


def test_download_pede_login_e_permissao(client, aguardando_aprovacao):
    processo = aguardando_aprovacao()

    anonimo = client.get(url("fatura", processo))
    assert anonimo.status_code == 302
    assert reverse("admin:login") in anonimo.url

    sem_papel = UsuarioFactory()
    sem_papel.groups.clear()
    client.force_login(sem_papel)
    assert client.get(url("fatura", processo)).status_code == 403


def test_download_sem_fatura_da_404(client, leitor, processo):
    client.force_login(leitor)

    assert client.get(url("fatura", processo)).status_code == 404


# Monthly creation


def test_acao_no_cliente_cria_processos_do_mes_uma_vez(client, operador):
    clientes = ClienteFactory.create_batch(2)
    outro = ClienteFactory()
    client.force_login(operador)
    dados = {
        "action": "criar_processos_do_mes",
        "_selected_action": [str(c.pk) for c in clientes],
        "index": "0",
    }
    changelist = reverse("admin:clientes_cliente_changelist")

    primeira = client.post(changelist, dados)

    assert Processo.objects.filter(competencia=competencia_atual()).count() == 2
    assert not outro.processos.exists()
    assert any("2 processos criados, 0 já existiam" in texto for texto in textos(primeira))

    segunda = client.post(changelist, dados)

    assert Processo.objects.count() == 2
    assert any("0 processos criados, 2 já existiam" in texto for texto in textos(segunda))


def test_acao_no_cliente_avisa_clientes_inativos(client, operador):
    ativo = ClienteFactory()
    inativo = ClienteFactory(ativo=False)
    de_operadora_inativa = ClienteFactory(operadora=OperadoraFactory(ativa=False))
    client.force_login(operador)
    dados = {
        "action": "criar_processos_do_mes",
        "_selected_action": [str(c.pk) for c in (ativo, inativo, de_operadora_inativa)],
        "index": "0",
    }

    resposta = client.post(reverse("admin:clientes_cliente_changelist"), dados)

    assert list(Processo.objects.values_list("cliente", flat=True)) == [ativo.pk]
    assert any("2 cliente(s)" in texto for texto in textos(resposta))


@pytest.mark.parametrize("papel", ["leitor", "aprovador"])
def test_quem_nao_cria_processos_nao_roda_a_acao_no_cliente(client, request, papel):
    cliente = ClienteFactory()
    client.force_login(request.getfixturevalue(papel))

    client.post(
        reverse("admin:clientes_cliente_changelist"),
        {"action": "criar_processos_do_mes", "_selected_action": [str(cliente.pk)], "index": "0"},
    )

    assert not Processo.objects.exists()


def test_pagina_criar_processos_do_mes_mostra_previa_e_cria(client, operador):
    ClienteFactory.create_batch(3)
    client.force_login(operador)

    assert "Criar processos do mês" in client.get(reverse(CHANGELIST)).content.decode()
    previa = client.get(url("criar_mensais"))
    assert previa.status_code == 200
    assert previa.context["previa"].criados == 3
    assert not Processo.objects.exists()

    resposta = client.post(url("criar_mensais"), {"competencia": f"{competencia_atual():%Y-%m}"})

    assert resposta.status_code == 302
    assert Processo.objects.filter(competencia=competencia_atual()).count() == 3
    assert client.get(url("criar_mensais")).context["previa"].existentes == 3


def test_pagina_criar_processos_de_outro_mes(client, operador):
    ClienteFactory()
    client.force_login(operador)

    assert client.get(url("criar_mensais"), {"competencia": "13/2026"}).context["form"].errors
    client.post(url("criar_mensais"), {"competencia": "2026-02"})

    assert Processo.objects.get().competencia == dt.date(2026, 2, 1)


@pytest.mark.parametrize("papel", ["leitor", "aprovador"])
def test_quem_nao_cria_processos_recebe_403(client, request, papel):
    ClienteFactory()
    client.force_login(request.getfixturevalue(papel))

    assert client.get(url("criar_mensais")).status_code == 403
    assert client.post(url("criar_mensais"), {"competencia": "2026-02"}).status_code == 403
    assert not Processo.objects.exists()


# Parsing what people type


@pytest.mark.parametrize(
    ("digitado", "esperado"),
    [
        ("1.234,56", "1234.56"),
        ("R$ 1.234,56", "1234.56"),
        ("1234,5", "1234.5"),
        ("1234.56", "1234.56"),
        ("1.234", "1234"),
        ("1.234.567,00", "1234567.00"),
        ("0,99", "0.99"),
    ],
)
def test_valor_em_reais_e_lido_como_se_digita_no_brasil(digitado, esperado):
    assert normalizar_valor(digitado) == esperado
