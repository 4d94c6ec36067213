"""What people do all day, in a real browser against the real system: start a download and watch the robot
work, decide invoices in the approval queue with the keyboard only, and see the painel follow the month.
Each page also passes axe-core with no serious or critical violation."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from playwright.sync_api import expect

from brm.usuarios.models import Usuario
from processos.models import Execucao, Processo, ProcessoEvento
from processos.services import competencia_atual, processo_registrar_fatura
from tests.factories import ClienteFactory, OperadoraFactory, ProcessoFactory

from .conftest import SENHA, entrar, pessoa, sem_violacoes_graves

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _pdf_de_uma_pagina() -> bytes:
    """A real one-page PDF with text in a standard font: pdf.js draws it with its worker and its font files."""
    texto = b"BT /F1 18 Tf 20 100 Td (Fatura de teste) Tj ET"
    objetos = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 200]/Resources<</Font<</F1 5 0 R>>>>/Contents 4 0 R>>",
        b"<</Length %d>>stream\n%s\nendstream" % (len(texto), texto),
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    pdf, posicoes = b"%PDF-1.4\n", []
    for numero, objeto in enumerate(objetos, start=1):
        posicoes.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (numero, objeto)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objetos) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % posicao for posicao in posicoes)
    return pdf + b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objetos) + 1, xref)


PDF = _pdf_de_uma_pagina()

# Set on the page at the start; still there at the end only if the page never reloaded.
MARCA = "window.__semRecarregar = true"
SEM_RECARREGAR = "() => window.__semRecarregar === true"


@pytest.fixture(scope="module")
def opcoes_simulador() -> dict:
    # A job long enough to be watched while it runs: about 15 log lines over 6 seconds.
    return {"duracao": 6.0, "intervalo_log": 0.4, "atraso_inicio": 0.2}


def _com_fatura(processo: Processo, n: int, valor: str, vencimento: dt.date) -> Processo:
    """An invoice the robot brought (no person uploaded it), each with a file of its own."""
    with transaction.atomic():
        return processo_registrar_fatura(
            processo=processo,
            arquivo=ContentFile(PDF + f"% fatura {n}\n".encode(), name="fatura.pdf"),
            por=None,
            valor_total=Decimal(valor),
            vencimento=vencimento,
            numero_fatura=f"NF-{n}",
        )


def test_baixar_fatura_mostra_as_linhas_e_a_situacao_ao_vivo(pagina, sistema):
    operador = pessoa(Usuario.Papel.OPERADOR, "operador@e2e.test")
    processo = ProcessoFactory(competencia=competencia_atual())

    entrar(pagina, operador, proxima=f"/admin/processos/processo/{processo.pk}/change/")
    sem_violacoes_graves(pagina, "página do processo")
    pagina.locator("#processo-baixar-fatura").click()

    andamento = pagina.locator("#processo-em-andamento a").first
    expect(andamento).to_be_visible()
    andamento.click()
    pagina.wait_for_selector("#execucao-pagina")
    pagina.evaluate(MARCA)
    # The job is still going when the page opens: what follows arrives live.
    assert pagina.locator("#execucao-situacao").get_attribute("data-status") in Execucao.ATIVOS

    expect(pagina.locator("#execucao-conexao")).to_have_attribute("data-estado", "ao-vivo")
    expect(pagina.locator("#execucao-log .brm-log-linha").nth(2)).to_be_visible()
    expect(pagina.locator("#execucao-situacao")).to_have_attribute("data-status", "SUCESSO", timeout=45_000)
    assert pagina.evaluate(SEM_RECARREGAR)

    # Every line the robot wrote is on the page once, in order.
    execucao = Execucao.objects.get(processo=processo)
    seqs = [
        int(s) for s in pagina.locator("#execucao-log .brm-log-linha").evaluate_all("ls => ls.map(l => l.dataset.seq)")
    ]
    assert seqs == list(execucao.logs.order_by("seq").values_list("seq", flat=True))
    assert seqs
    sem_violacoes_graves(pagina, "página da execução")

    processo.refresh_from_db()
    assert processo.status == Processo.Status.AGUARDANDO_APROVACAO


def test_fila_de_aprovacao_so_com_o_teclado_mantem_os_filtros(pagina, sistema):
    aprovador = pessoa(Usuario.Papel.APROVADOR, "aprovador@e2e.test")
    competencia = competencia_atual()
    escolhida, outra = OperadoraFactory(nome="Operadora Escolhida"), OperadoraFactory(nome="Outra Operadora")
    vencimento = dt.date.today() + dt.timedelta(days=10)
    primeira, segunda, terceira = (
        _com_fatura(
            ProcessoFactory(cliente=ClienteFactory(operadora=escolhida), competencia=competencia),
            n,
            "100.00",
            vencimento + dt.timedelta(days=n),
        )
        for n in range(3)
    )
    alheia = _com_fatura(
        ProcessoFactory(cliente=ClienteFactory(operadora=outra), competencia=competencia), 9, "1", vencimento
    )

    filtros = f"competencia={competencia:%Y-%m}&operadora={escolhida.pk}"
    entrar(pagina, aprovador, proxima=f"/aprovacao/?{filtros}")
    expect(pagina.locator("#fila-fatura")).to_have_attribute("data-processo-id", str(primeira.pk))
    expect(pagina.locator(f'tr.fila-linha[data-processo-id="{alheia.pk}"]')).to_have_count(0)
    # pdf.js (a module, its worker, the standard fonts) draws the invoice under the page's policy.
    expect(pagina.locator("#fila-pdf")).to_have_attribute("data-estado", "pronto")
    expect(pagina.locator("#fila-pdf canvas")).to_have_count(1)
    sem_violacoes_graves(pagina, "fila de aprovação")

    # Approve the first with "a": the second opens, with the same filters.
    pagina.keyboard.press("a")
    expect(pagina.locator("#fila-fatura")).to_have_attribute("data-processo-id", str(segunda.pk))
    assert f"operadora={escolhida.pk}" in pagina.url and f"competencia={competencia:%Y-%m}" in pagina.url

    # Reject the second with "r", a reason and Enter: the third opens.
    pagina.keyboard.press("r")
    expect(pagina.locator("#fila-motivo")).to_be_focused()
    pagina.keyboard.type("Valor diferente do contrato")
    pagina.keyboard.press("Enter")
    expect(pagina.locator("#fila-fatura")).to_have_attribute("data-processo-id", str(terceira.pk))
    assert f"operadora={escolhida.pk}" in pagina.url

    # Back and forth with j/k changes the open invoice without deciding anything.
    pagina.keyboard.press("k")
    expect(pagina.locator("#fila-fatura")).to_have_attribute("data-processo-id", str(terceira.pk))

    for processo in (primeira, segunda, terceira, alheia):
        processo.refresh_from_db()
    assert primeira.status == Processo.Status.AGUARDANDO_ENVIO_SAT and primeira.aprovado_por == aprovador
    assert segunda.status == Processo.Status.AGUARDANDO_DOWNLOAD
    assert ProcessoEvento.objects.get(processo=segunda, por=aprovador).motivo == "Valor diferente do contrato"
    assert terceira.status == alheia.status == Processo.Status.AGUARDANDO_APROVACAO


def test_painel_acompanha_o_mes_ao_vivo(pagina, sistema):
    leitor = pessoa(Usuario.Papel.LEITURA, "leitura@e2e.test")
    processo = ProcessoFactory(competencia=competencia_atual())

    entrar(pagina, leitor)
    aguardando = pagina.locator('[data-contagem="AGUARDANDO_APROVACAO"]')
    expect(aguardando).to_have_attribute("data-valor", "0")
    expect(pagina.locator("#painel-ao-vivo")).to_have_attribute("data-estado", "conectado")
    sem_violacoes_graves(pagina, "painel")
    pagina.evaluate(MARCA)

    _com_fatura(processo, 1, "80.00", dt.date.today() + dt.timedelta(days=2))

    expect(aguardando).to_have_attribute("data-valor", "1")
    expect(pagina.locator('[data-contagem="AGUARDANDO_DOWNLOAD"]')).to_have_attribute("data-valor", "0")
    assert pagina.evaluate(SEM_RECARREGAR)


def test_pagina_de_erro_passa_no_axe(pagina, sistema):
    admin = pessoa(Usuario.Papel.ADMIN, "admin@e2e.test")
    entrar(pagina, admin)

    resposta = pagina.goto("/nao-existe/")
    assert resposta.status == 404
    expect(pagina.get_by_text("Voltar ao painel")).to_be_visible()
    sem_violacoes_graves(pagina, "página 404")


def test_bloqueio_da_entrada_aparece_em_portugues_e_passa_no_axe(pagina, sistema):
    ana = pessoa(Usuario.Papel.OPERADOR, "ana@e2e.test")
    pagina.goto("/admin/login/")

    def tentar(senha: str) -> None:
        pagina.get_by_label("E-mail").fill(ana.email)
        pagina.get_by_label("Senha").fill(senha)
        pagina.get_by_role("button", name="Acessar").click()
        pagina.wait_for_load_state()

    for _ in range(settings.AXES_FAILURE_LIMIT):
        tentar("errada")
    aviso = pagina.locator("#brm-bloqueio")
    expect(aviso).to_contain_text(f"Acesso bloqueado: {settings.AXES_FAILURE_LIMIT} tentativas de entrada")
    sem_violacoes_graves(pagina, "página de entrada bloqueada")

    # The right password is refused as well, under the ASGI server the system runs on.
    tentar(SENHA)
    expect(aviso).to_be_visible()
    assert pagina.url.endswith("/admin/login/")
