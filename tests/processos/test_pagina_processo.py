"""The page of one process: its timeline of status changes and robot jobs, every invoice file it has had (rejected
ones included, each served under a name the system chose), the hooks of its live badge, and the upload page's
warning about a running download."""

import datetime as dt
import io
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from processos.models import Execucao, FaturaArquivo, Processo, ProcessoEvento
from processos.selectors.faturas import fatura_nome_para_download
from processos.services import processo_registrar_fatura, processo_rejeitar
from tests.conftest import PDF_MINIMO
from tests.factories import ClienteFactory, ExecucaoFactory, OperadoraFactory, ProcessoFactory, UsuarioFactory

pytestmark = pytest.mark.django_db

S = Processo.Status
E = Execucao.Status
UTC = dt.UTC
OUTRO_PDF = PDF_MINIMO.replace(b"%%EOF", b"% outra\n%%EOF")


def url(nome: str, processo: Processo, *args) -> str:
    return reverse(f"admin:processos_processo_{nome}", args=[processo.pk, *args])


def url_arquivo(arquivo: FaturaArquivo) -> str:
    return url("fatura_arquivo", arquivo.processo, arquivo.pk)


@pytest.fixture
def sem_papel(db):
    usuario = UsuarioFactory()
    usuario.groups.clear()
    return usuario


@pytest.fixture
def enviar(media, operador, pdf):
    def _enviar(processo: Processo, conteudo: bytes = PDF_MINIMO, nome: str = "fatura.pdf") -> Processo:
        return processo_registrar_fatura(
            processo=processo,
            arquivo=pdf(conteudo=conteudo),
            por=operador,
            nome_original=nome,
            valor_total=Decimal("99.90"),
            vencimento=dt.date(2026, 12, 10),
        )

    return _enviar


@pytest.fixture
def rejeitada_duas_vezes(enviar, aprovador):
    """A process whose first two invoices were rejected and whose third waits approval."""
    processo = ProcessoFactory(
        cliente=ClienteFactory(cnpj="12ABC34501DE35", operadora=OperadoraFactory(codigo="vivo")),
        competencia=dt.date(2026, 11, 1),
    )
    processo = enviar(processo, nome='"; filename=../../etc/passwd.pdf')
    processo = processo_rejeitar(processo=processo, por=aprovador, motivo="Valor errado.")
    processo = enviar(processo, conteudo=OUTRO_PDF)
    processo = processo_rejeitar(processo=processo, por=aprovador, motivo="Mês errado.")
    return enviar(processo, conteudo=PDF_MINIMO + b"\n")


# Safe names ------------------------------------------------------------------------------------------------------


def test_nome_de_fatura_rejeitada_diz_qual_foi():
    processo = ProcessoFactory(
        cliente=ClienteFactory(cnpj="12ABC34501DE35", operadora=OperadoraFactory(codigo="vivo")),
        competencia=dt.date(2026, 11, 1),
    )

    assert fatura_nome_para_download(processo) == "fatura-vivo-12ABC34501DE35-2026-11.pdf"
    assert fatura_nome_para_download(processo, rejeitada=2) == "fatura-vivo-12ABC34501DE35-2026-11-rejeitada-2.pdf"


# Every invoice file, rejected ones included -----------------------------------------------------------------------


def test_pagina_lista_todas_as_faturas_com_nomes_seguros(client, leitor, rejeitada_duas_vezes):
    processo = rejeitada_duas_vezes
    client.force_login(leitor)

    resposta = client.get(url("change", processo))

    arquivos = resposta.context["arquivos_fatura"]
    assert [(item["arquivo"].status, item["nome"]) for item in arquivos] == [
        (FaturaArquivo.Status.AGUARDANDO_APROVACAO, "fatura-vivo-12ABC34501DE35-2026-11.pdf"),
        (FaturaArquivo.Status.REJEITADA, "fatura-vivo-12ABC34501DE35-2026-11-rejeitada-2.pdf"),
        (FaturaArquivo.Status.REJEITADA, "fatura-vivo-12ABC34501DE35-2026-11-rejeitada-1.pdf"),
    ]
    conteudo = resposta.content.decode()
    for item in arquivos:
        assert f'<a href="{url_arquivo(item["arquivo"])}" target="_blank" rel="noopener">{item["nome"]}</a>' in conteudo
    assert "Valor errado." in conteudo and "Mês errado." in conteudo
    assert 'id="processo-faturas"' in conteudo
    assert "etc/passwd" not in conteudo


def test_fatura_rejeitada_continua_abrindo_com_nome_seguro_e_cabecalhos_de_arquivo(
    client, aprovador, rejeitada_duas_vezes
):
    primeira = FaturaArquivo.objects.filter(processo=rejeitada_duas_vezes).order_by("criado_em").first()
    client.force_login(aprovador)

    resposta = client.get(url_arquivo(primeira))

    assert resposta.status_code == 200
    assert resposta["Content-Type"] == "application/pdf"
    assert resposta["Content-Disposition"] == 'inline; filename="fatura-vivo-12ABC34501DE35-2026-11-rejeitada-1.pdf"'
    assert resposta["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in resposta["Cache-Control"]
    assert b"".join(resposta.streaming_content) == PDF_MINIMO


def test_fatura_atual_abre_pelo_mesmo_caminho(client, leitor, rejeitada_duas_vezes):
    atual = FaturaArquivo.objects.get(processo=rejeitada_duas_vezes, status=FaturaArquivo.Status.AGUARDANDO_APROVACAO)
    client.force_login(leitor)

    resposta = client.get(url_arquivo(atual))

    assert resposta["Content-Disposition"] == f'inline; filename="{fatura_nome_para_download(atual.processo)}"'
    assert b"".join(resposta.streaming_content) == PDF_MINIMO + b"\n"


def test_arquivo_de_outro_processo_ou_inexistente_da_404(client, leitor, enviar):
    um, outro = enviar(ProcessoFactory()), enviar(ProcessoFactory())
    do_outro = FaturaArquivo.objects.get(processo=outro)
    client.force_login(leitor)

    assert client.get(url("fatura_arquivo", um, do_outro.pk)).status_code == 404
    assert client.get(url("fatura_arquivo", um, "00000000-0000-0000-0000-000000000000")).status_code == 404


def test_arquivo_sumido_do_armazenamento_da_404(client, leitor, enviar):
    processo = enviar(ProcessoFactory())
    arquivo = FaturaArquivo.objects.get(processo=processo)
    arquivo.arquivo.storage.delete(arquivo.arquivo.name)
    client.force_login(leitor)

    assert client.get(url_arquivo(arquivo)).status_code == 404


def test_arquivo_da_fatura_pede_login_e_permissao(client, sem_papel, enviar):
    arquivo = FaturaArquivo.objects.get(processo=enviar(ProcessoFactory()))

    anonimo = client.get(url_arquivo(arquivo))
    client.force_login(sem_papel)
    sem_permissao = client.get(url_arquivo(arquivo))

    assert anonimo.status_code == 302 and "/login/" in anonimo.url
    assert sem_permissao.status_code == 403


# The timeline ------------------------------------------------------------------------------------------------------


def em(minutos: int) -> dt.datetime:
    return dt.datetime(2026, 11, 20, 12, 0, tzinfo=UTC) + dt.timedelta(minutes=minutos)


def test_linha_do_tempo_junta_eventos_e_execucoes_em_ordem_com_links(client, leitor, operador):
    processo = ProcessoFactory()
    criado = ProcessoEvento.objects.create(processo=processo, de="", para=S.AGUARDANDO_DOWNLOAD)
    falha = ExecucaoFactory(
        processo=processo, status=E.FALHA, erro="Portal fora do ar.", finalizado_em=em(2), solicitado_por=operador
    )
    reexecucao = ExecucaoFactory(
        processo=processo, status=E.SUCESSO, anterior=falha, tentativa=2, finalizado_em=em(6), origem="REEXECUCAO"
    )
    chegou = ProcessoEvento.objects.create(
        processo=processo, de=S.AGUARDANDO_DOWNLOAD, para=S.AGUARDANDO_APROVACAO, motivo="Fatura baixada pelo robô."
    )
    ProcessoEvento.objects.filter(pk=criado.pk).update(quando=em(0))
    ProcessoEvento.objects.filter(pk=chegou.pk).update(quando=em(6))
    Execucao.objects.filter(pk=falha.pk).update(criado_em=em(1))
    Execucao.objects.filter(pk=reexecucao.pk).update(criado_em=em(4))
    client.force_login(leitor)

    resposta = client.get(url("change", processo))

    itens = resposta.context["linha_do_tempo"]
    assert [(item["quando"], item["tipo"]) for item in itens] == [
        (em(0), "evento"),
        (em(1), "execucao_pedida"),
        (em(2), "execucao_terminada"),
        (em(4), "execucao_pedida"),
        (em(6), "evento"),
        (em(6), "execucao_terminada"),
    ]
    conteudo = resposta.content.decode()
    pagina_falha = reverse("admin:processos_execucao_change", args=[falha.pk])
    pagina_reexecucao = reverse("admin:processos_execucao_change", args=[reexecucao.pk])
    assert f'<a href="{pagina_falha}">Download da fatura pedido</a> (tentativa 1, manual)' in conteudo
    assert f'<a href="{pagina_falha}">Download da fatura terminou</a> (tentativa 1)' in conteudo
    assert f'<a href="{pagina_reexecucao}">Download da fatura pedido</a> (tentativa 2, reexecução)' in conteudo
    assert "Portal fora do ar." in conteudo
    assert "Fatura baixada pelo robô." in conteudo
    assert f"por {operador}" in conteudo
    # 12:00 UTC is 09:00 in São Paulo.
    assert "20/11/2026 09:00:00" in conteudo


def test_pagina_do_processo_faz_as_mesmas_consultas_com_uma_ou_varias_faturas(client, admin_user, enviar, aprovador):
    # Both wait approval (the page asks for the approval's flags then); one has had three more files before.
    uma = enviar(ProcessoFactory(), conteudo=PDF_MINIMO + b"% uma")
    varias = ProcessoFactory()
    for indice in range(3):
        varias = enviar(varias, conteudo=PDF_MINIMO + f"% rejeitada {indice}".encode())
        varias = processo_rejeitar(processo=varias, por=aprovador, motivo="Errada.")
    varias = enviar(varias, conteudo=PDF_MINIMO + b"% atual")
    client.force_login(admin_user)
    client.get(url("change", uma))

    contagens = []
    for processo in (uma, varias):
        with CaptureQueriesContext(connection) as capturadas:
            client.get(url("change", processo))
        contagens.append(len(capturadas))

    assert contagens[0] == contagens[1]


# The live badge -----------------------------------------------------------------------------------------------------


def test_pagina_traz_o_que_o_script_precisa_para_seguir_o_painel(client, leitor):
    processo = ProcessoFactory()
    rodando = ExecucaoFactory(processo=processo, status=E.EM_EXECUCAO)
    client.force_login(leitor)

    resposta = client.get(url("change", processo))

    conteudo = resposta.content.decode()
    bloco = re.search(r'<script id="processo-config" type="application/json">(.*?)</script>', conteudo)
    config = json.loads(bloco.group(1))
    assert config["id"] == str(processo.pk)
    assert config["canal"] == "/eventos/painel/"
    assert config["status"] == S.AGUARDANDO_DOWNLOAD
    assert config["cores"][S.AGUARDANDO_APROVACAO] == Processo.CORES[S.AGUARDANDO_APROVACAO]
    assert f'id="processo-situacao" class="brm-badge" data-status="{S.AGUARDANDO_DOWNLOAD}"' in conteudo
    assert 'id="processo-conexao" class="brm-conexao" data-estado="conectando" role="status"' in conteudo
    assert f'data-execucao-status="{rodando.pk}"' in conteudo
    assert 'id="processo-aviso" class="brm-nota brm-aviso-processo" role="status" hidden' in conteudo
    assert "brm/processo.js" in conteudo


# The upload page says what happens to a running download --------------------------------------------------------


def test_pagina_de_envio_avisa_que_o_download_em_andamento_sera_cancelado(client, operador):
    processo = ProcessoFactory()
    rodando = ExecucaoFactory(processo=processo, status=E.EM_EXECUCAO)
    parado = ProcessoFactory()
    ExecucaoFactory(processo=parado, status=E.FALHA)
    client.force_login(operador)

    com_download = client.get(url("enviar_fatura", processo)).content.decode()
    sem_download = client.get(url("enviar_fatura", parado)).content.decode()

    assert 'id="enviar-fatura-download-em-andamento"' in com_download
    assert "esse download será cancelado" in com_download
    assert reverse("admin:processos_execucao_change", args=[rodando.pk]) in com_download
    assert 'id="enviar-fatura-download-em-andamento"' not in sem_download


def test_envio_pela_pagina_cancela_o_download_e_a_pagina_da_execucao_diz_por_que(client, operador, media):
    processo = ProcessoFactory()
    rodando = ExecucaoFactory(processo=processo, status=E.PENDENTE)
    client.force_login(operador)
    arquivo = io.BytesIO(PDF_MINIMO)
    arquivo.name = "fatura.pdf"

    resposta = client.post(
        url("enviar_fatura", processo),
        {"arquivo": arquivo, "valor_total": "1.234,56", "vencimento": "10/12/2026", "numero_fatura": "NF-1"},
    )

    assert resposta.status_code == 302
    rodando.refresh_from_db()
    assert rodando.status == E.CANCELADA
    pagina = client.get(reverse("admin:processos_execucao_change", args=[rodando.pk])).content.decode()
    assert f"Cancelado: a fatura foi enviada manualmente por {operador}." in pagina
    assert 'class="brm-erro"' not in pagina
