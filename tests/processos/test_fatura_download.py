"""An invoice is served under a name the system chose, inline, whatever name it was uploaded with."""

import pytest
from django.urls import reverse

from processos.models import Processo
from processos.selectors.faturas import fatura_nome_para_download
from processos.services import processo_registrar_fatura
from tests.conftest import PDF_MINIMO
from tests.factories import ClienteFactory, OperadoraFactory, ProcessoFactory

pytestmark = pytest.mark.django_db

NOMES_HOSTIS = [
    'fatura"; filename="malware.exe.pdf',
    "fatura\r\nSet-Cookie: sessionid=roubada.pdf",
    "../../../etc/passwd",
    "..\\..\\Windows\\system32\\fatura.pdf",
    "fátura de Março — ção 日本語.pdf",
    "<script>alert(1)</script>.pdf",
    "..",
    "",
]


@pytest.fixture
def com_fatura(media, operador, pdf):
    def _criar(nome_original: str, *, cnpj: str = "11222333000181") -> Processo:
        cliente = ClienteFactory(cnpj=cnpj, operadora=OperadoraFactory(codigo="vivo"))
        processo = ProcessoFactory(cliente=cliente)
        return processo_registrar_fatura(
            processo=processo, arquivo=pdf("fatura.pdf"), por=operador, nome_original=nome_original
        )

    return _criar


def _baixar(client, processo: Processo):
    resposta = client.get(reverse("admin:processos_processo_fatura", args=[processo.pk]))
    assert resposta.status_code == 200
    return resposta


@pytest.mark.parametrize("nome_original", NOMES_HOSTIS)
def test_fatura_e_servida_inline_com_nome_do_sistema(client, leitor, com_fatura, nome_original):
    processo = com_fatura(nome_original)
    client.force_login(leitor)

    resposta = _baixar(client, processo)

    assert resposta["Content-Disposition"] == 'inline; filename="fatura-vivo-11222333000181-2026-11.pdf"'
    assert resposta["Content-Type"] == "application/pdf"
    assert resposta["X-Content-Type-Options"] == "nosniff"
    assert {"private", "no-store"} <= {parte.strip() for parte in resposta["Cache-Control"].split(",")}
    assert b"".join(resposta.streaming_content) == PDF_MINIMO


@pytest.mark.parametrize("nome_original", NOMES_HOSTIS)
def test_nome_guardado_no_banco_nunca_chega_ao_cabecalho(client, leitor, com_fatura, nome_original):
    # Whatever the column holds (a row written before the upload cleaned names, or by hand), it is not used.
    processo = com_fatura("fatura.pdf")
    Processo.objects.filter(pk=processo.pk).update(fatura_nome_original=nome_original)
    client.force_login(leitor)

    resposta = _baixar(client, processo)

    cabecalho = resposta["Content-Disposition"]
    assert cabecalho == 'inline; filename="fatura-vivo-11222333000181-2026-11.pdf"'
    assert "\r" not in cabecalho and "\n" not in cabecalho
    assert not resposta.has_header("Set-Cookie") or "roubada" not in resposta["Set-Cookie"]


def test_cnpj_alfanumerico_fica_no_nome_em_maiusculas(client, leitor, com_fatura):
    processo = com_fatura("x.pdf", cnpj="12ABC34501DE35")
    client.force_login(leitor)

    resposta = _baixar(client, processo)

    assert resposta["Content-Disposition"] == 'inline; filename="fatura-vivo-12ABC34501DE35-2026-11.pdf"'


def test_nome_para_download_tem_so_letras_ascii_digitos_e_hifens():
    operadora = OperadoraFactory(codigo="claro_movel-2")
    processo = ProcessoFactory(cliente=ClienteFactory(cnpj="11222333000181", operadora=operadora))

    nome = fatura_nome_para_download(processo)

    assert nome == "fatura-claro-movel-2-11222333000181-2026-11.pdf"
    assert nome.isascii() and "/" not in nome and "\\" not in nome and '"' not in nome
