"""The pages work under their Content-Security-Policy in a real browser: the admin's lists and forms (jQuery, select2,
the calendar), the API documentation (Swagger UI and ReDoc) and the page that shows a new key once. The fixture
`pagina` fails every test whose pages the browser refused anything on (tests/e2e/conftest.py); the live pages
(painel, process, execution, approval queue) are in test_navegador.py under the same fixture."""

import re

import pytest
from playwright.sync_api import expect

from brm.api.models import TokenDeServico
from brm.usuarios.models import Usuario
from processos.services import competencia_atual
from tests.factories import ProcessoFactory

from .conftest import entrar, pessoa, violacoes_inesperadas

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _politica(resposta) -> dict[str, list[str]]:
    politica = resposta.headers["content-security-policy"]
    return {diretiva.split()[0]: diretiva.split()[1:] for diretiva in politica.split(";") if diretiva.strip()}


def test_admin_e_documentacao_da_api_funcionam_sob_a_politica(pagina, sistema):
    admin = pessoa(Usuario.Papel.ADMIN, "admin@e2e.test")
    processo = ProcessoFactory(competencia=competencia_atual())
    entrar(pagina, admin, proxima="/admin/processos/processo/")

    # The changelist (actions, filters, search) and a change form with its date widgets.
    expect(pagina.locator(f'#result_list a[href*="{processo.pk}"]').first).to_be_visible()
    resposta = pagina.goto("/admin/clientes/cliente/add/")
    politica = _politica(resposta)
    assert politica["script-src"] == ["'self'"]
    assert politica["frame-ancestors"] == ["'none'"]
    expect(pagina.locator("#cliente_form")).to_be_visible()
    resposta = pagina.goto("/admin/agendamentos/agendamento/add/")
    assert resposta.status == 200

    # Swagger UI: its start-up script is a file served by the same view; the operations render from the schema.
    resposta = pagina.goto("/api/v1/docs/")
    assert "'unsafe-inline'" not in _politica(resposta)["script-src"]
    expect(pagina.locator(".opblock").first).to_be_visible()
    expect(pagina.locator(".information-container")).to_contain_text("BRM · API de faturas")

    # ReDoc: its own styles and search worker are the page's exceptions; scripts stay files of this site.
    resposta = pagina.goto("/api/v1/docs/redoc/")
    politica = _politica(resposta)
    assert politica["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in politica["style-src"]
    expect(pagina.get_by_role("heading", name=re.compile("BRM · API de faturas"))).to_be_visible()
    expect(pagina.get_by_placeholder("Search...")).to_be_visible()
    assert not violacoes_inesperadas(pagina)


def test_chave_criada_e_selecionada_inteira_ao_focar(pagina, sistema):
    admin = pessoa(Usuario.Papel.ADMIN, "admin@e2e.test")
    conta = pessoa(Usuario.Papel.LEITURA, "erp@e2e.test")
    entrar(pagina, admin, proxima="/admin/api/tokendeservico/add/")

    pagina.get_by_label("Sistema").fill("ERP financeiro")
    # The account is chosen in select2's search box, fed by the admin's autocomplete view.
    pagina.locator(".select2-selection").click()
    pagina.locator(".select2-search__field").fill("erp@")
    pagina.locator(".select2-results__option", has_text=str(conta)).click()
    pagina.locator("input[name=_save]").click()

    campo = pagina.locator("#chave")
    expect(campo).to_be_visible()
    chave = campo.input_value()
    assert TokenDeServico.objects.get(nome="ERP financeiro").usuario == conta
    campo.focus()
    assert pagina.evaluate("() => [document.activeElement.selectionStart, document.activeElement.selectionEnd]") == [
        0,
        len(chave),
    ]
