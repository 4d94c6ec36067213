"""The approval queue: who may use it, what it lists and opens, the decisions and where they lead, the flags
and the rules of approving, and a number of queries that does not grow with the queue."""

import datetime as dt
import itertools
import random
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import ERROR, SUCCESS, WARNING
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from brm.common.errors import ErroDeNegocio
from brm.eventos.canais import CANAL_PAINEL, pode_ler_canal
from processos.models import Execucao, Processo, ProcessoEvento
from processos.selectors import (
    fila_anterior,
    fila_aprovacao,
    fila_chave,
    fila_competencias,
    fila_posicao,
    fila_seguinte,
    processo_alertas,
    processo_enviado_por,
    processos_alertas,
)
from processos.services import processo_aprovar, processo_registrar_fatura, processo_rejeitar
from processos.views.aprovacao import POR_PAGINA
from tests.conftest import PDF_MINIMO, mensagens, textos
from tests.factories import ClienteFactory, OperadoraFactory, ProcessoFactory

pytestmark = pytest.mark.django_db

S = Processo.Status
FILA = reverse("processos:fila_aprovacao")
NOVEMBRO = dt.date(2026, 11, 1)
OUTUBRO = dt.date(2026, 10, 1)
_shas = itertools.count(1)


def esperando(*, vencimento=dt.date(2026, 12, 10), valor="100.00", competencia=NOVEMBRO, **campos) -> Processo:
    """An invoice waiting approval, with a file of its own (a distinct SHA-256) unless told otherwise."""
    campos.setdefault("fatura", f"faturas/2026-11/{next(_shas)}.pdf")
    campos.setdefault("fatura_sha256", f"{next(_shas):064x}")
    return ProcessoFactory(
        status=S.AGUARDANDO_APROVACAO,
        competencia=competencia,
        vencimento=vencimento,
        valor_total=Decimal(valor) if valor is not None else None,
        numero_fatura=campos.pop("numero_fatura", "NF-1"),
        **campos,
    )


def com_mes_anterior(valor: str, anterior: str, **campos) -> Processo:
    """An invoice waiting approval whose client had an invoice of `anterior` the month before."""
    processo = esperando(valor=valor, **campos)
    ProcessoFactory(
        cliente=processo.cliente, competencia=OUTUBRO, status=S.UPLOAD_REALIZADO, valor_total=Decimal(anterior)
    )
    return processo


def url(nome: str, processo: Processo | None = None, **consulta) -> str:
    caminho = reverse(f"processos:{nome}", args=[processo.pk] if processo else [])
    return f"{caminho}?{'&'.join(f'{k}={v}' for k, v in consulta.items())}" if consulta else caminho


def consulta(resposta) -> dict[str, str]:
    """The query string of a redirect, one value per name."""
    return {nome: valores[0] for nome, valores in parse_qs(urlsplit(resposta.url).query).items()}


def aberto(resposta):
    return resposta.context["fatura"].processo if resposta.context["fatura"] else None


def na_lista(resposta) -> list[Processo]:
    return [linha.processo for linha in resposta.context["linhas"]]


def linha(processo: Processo) -> dict:
    return Processo.objects.filter(pk=processo.pk).values().get()


# Who may use it ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("papel", ["operador", "leitor"])
def test_fila_recusa_quem_nao_aprova(client, request, papel):
    processo = esperando()
    client.force_login(request.getfixturevalue(papel))

    assert client.get(FILA).status_code == 403
    assert client.post(url("fila_aprovar", processo)).status_code == 403
    assert client.post(url("fila_rejeitar", processo), {"motivo": "Valor errado"}).status_code == 403
    assert client.post(url("fila_aprovar_em_lote"), {"selecionados": [processo.pk]}).status_code == 403

    assert linha(processo)["status"] == S.AGUARDANDO_APROVACAO
    assert not ProcessoEvento.objects.exists()


def test_fila_pede_login_a_quem_nao_entrou(client):
    resposta = client.get(FILA)

    assert resposta.status_code == 302
    assert resposta.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("papel", ["aprovador", "admin_user"])
def test_fila_abre_para_aprovadores_e_administradores(client, request, papel):
    processo = esperando()
    client.force_login(request.getfixturevalue(papel))

    resposta = client.get(FILA)

    assert resposta.status_code == 200
    assert aberto(resposta) == processo


@pytest.mark.parametrize("papel", ["aprovador", "admin_user"])
def test_quem_usa_a_fila_le_o_canal_ao_vivo_que_ela_escuta(request, papel):
    assert pode_ler_canal(request.getfixturevalue(papel), CANAL_PAINEL)


def test_processos_tem_link_para_a_fila_so_para_quem_aprova(client, aprovador, leitor):
    client.force_login(aprovador)
    assert FILA in client.get(reverse("admin:processos_processo_changelist")).content.decode()

    client.force_login(leitor)
    assert FILA not in client.get(reverse("admin:processos_processo_changelist")).content.decode()


# What it lists and opens ------------------------------------------------------------------------------------------


def test_fila_lista_so_as_que_aguardam_por_vencimento_e_as_sem_vencimento_no_fim(client, aprovador):
    depois = esperando(vencimento=dt.date(2026, 12, 20))
    sem_vencimento = esperando(vencimento=None)
    antes = esperando(vencimento=dt.date(2026, 12, 5))
    ProcessoFactory(status=S.AGUARDANDO_DOWNLOAD)
    ProcessoFactory(status=S.AGUARDANDO_ENVIO_SAT, vencimento=dt.date(2026, 12, 1))
    client.force_login(aprovador)

    resposta = client.get(FILA)

    assert na_lista(resposta) == [antes, depois, sem_vencimento]
    assert aberto(resposta) == antes
    assert resposta.context["total"] == 3


def test_fila_filtra_por_competencia_e_operadora(client, aprovador):
    vivo, claro = OperadoraFactory(nome="Vivo"), OperadoraFactory(nome="Claro")
    vivo_nov = esperando(cliente__operadora=vivo)
    esperando(cliente__operadora=claro)
    vivo_out = esperando(cliente__operadora=vivo, competencia=OUTUBRO)
    client.force_login(aprovador)

    assert na_lista(client.get(FILA, {"competencia": "2026-11", "operadora": vivo.pk})) == [vivo_nov]
    assert set(na_lista(client.get(FILA, {"operadora": vivo.pk}))) == {vivo_nov, vivo_out}
    resposta = client.get(FILA, {"competencia": "2026-10"})
    assert na_lista(resposta) == [vivo_out]
    assert 'value="2026-10" selected' in resposta.content.decode()


def test_filtro_malformado_e_ignorado_com_aviso(client, aprovador):
    processo = esperando()
    client.force_login(aprovador)

    resposta = client.get(FILA, {"competencia": "2026-13", "operadora": "não é código!"})

    assert resposta.status_code == 200
    assert na_lista(resposta) == [processo]
    assert sum(texto.startswith("Filtro ignorado") for texto in textos(resposta)) == 2


def test_meses_do_filtro_sao_os_que_tem_faturas_aguardando(aprovador):
    esperando(competencia=OUTUBRO)
    esperando()
    ProcessoFactory(competencia=dt.date(2026, 9, 1), status=S.UPLOAD_REALIZADO)

    assert fila_competencias() == [NOVEMBRO, OUTUBRO]


def test_abrir_uma_fatura_mostra_seus_dados_e_a_pagina_em_que_ela_esta(client, aprovador):
    processos = [esperando(vencimento=dt.date(2026, 12, 1) + dt.timedelta(days=i)) for i in range(POR_PAGINA + 3)]
    alvo = processos[POR_PAGINA + 1]
    client.force_login(aprovador)

    resposta = client.get(FILA, {"abrir": alvo.pk})

    assert aberto(resposta) == alvo
    assert resposta.context["pagina"] == 2
    assert na_lista(resposta) == processos[POR_PAGINA:]
    fatura = resposta.context["fatura"]
    assert fatura.url_anterior.endswith(f"abrir={processos[POR_PAGINA].pk}")
    assert fatura.url_proxima.endswith(f"abrir={processos[POR_PAGINA + 2].pk}")
    # The first invoice of a page knows the one before it, on the page before.
    primeira_da_pagina = client.get(FILA, {"abrir": processos[POR_PAGINA].pk}).context["fatura"]
    assert primeira_da_pagina.url_anterior.endswith(f"abrir={processos[POR_PAGINA - 1].pk}")


def test_fatura_aberta_mostra_valor_vencimento_numero_e_pdf(client, aprovador):
    processo = com_mes_anterior("1234.56", "1000.00", numero_fatura="2026-11-000123")
    client.force_login(aprovador)

    conteudo = client.get(FILA).content.decode()

    assert 'id="fila-valor">R$ 1.234,56<' in conteudo
    assert 'id="fila-vencimento">10/12/2026<' in conteudo
    assert 'id="fila-numero">2026-11-000123<' in conteudo
    assert "+23,5%" in conteudo
    assert reverse("admin:processos_processo_fatura", args=[processo.pk]) in conteudo
    assert "vendor/pdfjs/pdf.min.mjs" in conteudo
    assert f'data-url-eventos="{reverse("eventos:canal", args=["painel"])}"' in conteudo
    for controle in ('id="fila-atalhos"', 'aria-keyshortcuts="a"', 'aria-keyshortcuts="r"', 'id="fila-justificativa"'):
        assert controle in conteudo


def test_fila_vazia_diz_que_nao_ha_faturas(client, aprovador):
    client.force_login(aprovador)

    resposta = client.get(FILA)

    assert resposta.status_code == 200
    assert 'id="fila-vazia"' in resposta.content.decode()
    assert aberto(resposta) is None


def test_fatura_que_saiu_da_fila_nao_abre_e_a_pagina_avisa(client, aprovador):
    decidida = ProcessoFactory(status=S.AGUARDANDO_ENVIO_SAT)
    outra = esperando()
    client.force_login(aprovador)

    resposta = client.get(FILA, {"abrir": decidida.pk})

    assert aberto(resposta) == outra
    assert any("não está mais na fila" in texto for texto in textos(resposta))


def test_campos_vindos_do_banco_sao_escapados(client, aprovador, pdf):
    cliente = ClienteFactory(razao_social='<script>alert("x")</script> & Cia', operadora__nome="<b>Vivo</b>")
    esperando(cliente=cliente, numero_fatura="<img src=x onerror=alert(1)>")
    client.force_login(aprovador)

    conteudo = client.get(FILA).content.decode()

    assert "<script>alert" not in conteudo
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Cia" in conteudo
    assert "<b>Vivo</b>" not in conteudo and "&lt;b&gt;Vivo&lt;/b&gt;" in conteudo
    assert "<img src=x" not in conteudo and "&lt;img src=x onerror=alert(1)&gt;" in conteudo


# Decisions and where they lead ------------------------------------------------------------------------------------


@pytest.fixture
def tres_da_vivo_em_novembro():
    vivo = OperadoraFactory(nome="Vivo")
    processos = [esperando(cliente__operadora=vivo, vencimento=dt.date(2026, 12, 1 + i)) for i in range(3)]
    # Others that the filters leave out, one before and one between them in the queue's order.
    esperando(vencimento=dt.date(2026, 11, 30))
    esperando(cliente__operadora=vivo, competencia=OUTUBRO, vencimento=dt.date(2026, 12, 2))
    return vivo, processos


def test_aprovar_abre_a_proxima_com_os_mesmos_filtros(client, aprovador, tres_da_vivo_em_novembro):
    vivo, (primeira, segunda, _) = tres_da_vivo_em_novembro
    client.force_login(aprovador)

    resposta = client.post(url("fila_aprovar", primeira, competencia="2026-11", operadora=vivo.pk))

    assert resposta.status_code == 302
    assert consulta(resposta) == {"competencia": "2026-11", "operadora": str(vivo.pk), "abrir": str(segunda.pk)}
    assert (SUCCESS, f"Fatura de {primeira} aprovada: segue para o envio ao SAT.") in mensagens(resposta)
    assert linha(primeira)["status"] == S.AGUARDANDO_ENVIO_SAT
    pagina = client.get(resposta.url)
    assert aberto(pagina) == segunda
    assert primeira not in na_lista(pagina)


def test_rejeitar_abre_a_proxima_com_os_mesmos_filtros(client, aprovador, tres_da_vivo_em_novembro):
    vivo, (_, segunda, terceira) = tres_da_vivo_em_novembro
    client.force_login(aprovador)

    resposta = client.post(
        url("fila_rejeitar", segunda, competencia="2026-11", operadora=vivo.pk), {"motivo": "Valor de outro cliente"}
    )

    assert consulta(resposta) == {"competencia": "2026-11", "operadora": str(vivo.pk), "abrir": str(terceira.pk)}
    segunda.refresh_from_db()
    assert (segunda.status, segunda.motivo_rejeicao, segunda.vencimento) == (
        S.AGUARDANDO_DOWNLOAD,
        "Valor de outro cliente",
        None,
    )
    assert segunda.eventos.get().motivo == "Valor de outro cliente"


def test_rejeitar_sem_motivo_recusa_e_mantem_a_mesma_aberta(client, aprovador, tres_da_vivo_em_novembro):
    vivo, (primeira, *_) = tres_da_vivo_em_novembro
    client.force_login(aprovador)

    resposta = client.post(url("fila_rejeitar", primeira, operadora=vivo.pk), {"motivo": "   "})

    assert consulta(resposta) == {"operadora": str(vivo.pk), "abrir": str(primeira.pk)}
    assert (ERROR, "Informe o motivo da rejeição.") in mensagens(resposta)
    assert linha(primeira)["status"] == S.AGUARDANDO_APROVACAO
    assert not primeira.eventos.exists()


def test_depois_da_ultima_volta_para_a_primeira_que_sobrou(client, aprovador, tres_da_vivo_em_novembro):
    vivo, (primeira, _, terceira) = tres_da_vivo_em_novembro
    client.force_login(aprovador)

    resposta = client.post(url("fila_aprovar", terceira, competencia="2026-11", operadora=vivo.pk))

    assert consulta(resposta)["abrir"] == str(primeira.pk)


def test_ultima_decisao_deixa_a_fila_vazia_com_os_filtros(client, aprovador):
    vivo = OperadoraFactory()
    unica = esperando(cliente__operadora=vivo)
    esperando()
    client.force_login(aprovador)

    resposta = client.post(url("fila_aprovar", unica, operadora=vivo.pk))

    assert consulta(resposta) == {"operadora": str(vivo.pk)}
    assert 'id="fila-vazia"' in client.get(resposta.url).content.decode()


def test_decisoes_so_por_post(client, aprovador):
    processo = esperando()
    client.force_login(aprovador)

    assert client.get(url("fila_aprovar", processo)).status_code == 405
    assert client.get(url("fila_rejeitar", processo)).status_code == 405
    assert client.post(FILA).status_code == 405


@pytest.mark.parametrize("decisao", ["aprovar", "rejeitar"])
def test_decisao_perdida_para_outra_pessoa_avisa_nao_muda_nada_e_segue(client, aprovador, admin_user, decisao):
    vivo = OperadoraFactory()
    primeira = esperando(cliente__operadora=vivo, vencimento=dt.date(2026, 12, 1))
    segunda = esperando(cliente__operadora=vivo, vencimento=dt.date(2026, 12, 2))
    client.force_login(aprovador)
    assert aberto(client.get(FILA, {"operadora": vivo.pk})) == primeira
    # While the page is open, someone else approves the open invoice.
    processo_aprovar(processo=Processo.objects.get(pk=primeira.pk), por=admin_user)
    antes = linha(primeira)
    eventos, execucoes = ProcessoEvento.objects.count(), Execucao.objects.count()

    resposta = client.post(url(f"fila_{decisao}", primeira, operadora=vivo.pk), {"motivo": "Valor errado"})

    assert linha(primeira) == antes
    assert (ProcessoEvento.objects.count(), Execucao.objects.count()) == (eventos, execucoes)
    recebidas = mensagens(resposta)
    assert any(nivel == ERROR and "alterado por outra pessoa" in texto for nivel, texto in recebidas)
    assert any("A fila seguiu para a próxima fatura" in texto for _, texto in recebidas)
    assert consulta(resposta) == {"operadora": str(vivo.pk), "abrir": str(segunda.pk)}


def test_aprovar_em_lote_resume_as_aprovadas_e_as_recusadas_com_o_motivo(client, admin_user, pdf):
    vivo = OperadoraFactory()
    boas = [esperando(cliente__operadora=vivo, vencimento=dt.date(2026, 12, 1 + i)) for i in range(3)]
    variou = com_mes_anterior("500.00", "100.00", cliente__operadora=vivo, vencimento=dt.date(2026, 12, 8))
    enviada_por_ele = processo_registrar_fatura(
        processo=ProcessoFactory(cliente__operadora=vivo),
        arquivo=pdf(conteudo=PDF_MINIMO + b"%proprio\n"),
        por=admin_user,  # admins may upload and approve
        valor_total=Decimal("10"),
        vencimento=dt.date(2026, 12, 9),
    )
    fora = esperando(cliente__operadora=vivo, vencimento=dt.date(2026, 12, 10))
    client.force_login(admin_user)

    resposta = client.post(
        url("fila_aprovar_em_lote", operadora=vivo.pk),
        {"selecionados": [p.pk for p in [*boas, variou, enviada_por_ele]], "aberto": boas[0].pk},
    )

    for processo in boas:
        assert linha(processo)["status"] == S.AGUARDANDO_ENVIO_SAT
    for processo in (variou, enviada_por_ele, fora):
        assert linha(processo)["status"] == S.AGUARDANDO_APROVACAO
    recebidas = mensagens(resposta)
    assert (WARNING, "3 de 5 faturas marcadas aprovadas; 2 recusadas:") in recebidas
    assert (ERROR, f"{variou}: Para aprovar esta fatura, informe uma justificativa: o valor variou +400,0% em "
                   "relação à fatura de 10/2026 (limite: 20%).") in recebidas  # fmt: skip
    assert any(
        nivel == ERROR and texto.startswith(f"{enviada_por_ele}: Você enviou esta fatura") for nivel, texto in recebidas
    )
    # The open invoice was approved: the next one still waiting opens.
    assert consulta(resposta) == {"operadora": str(vivo.pk), "abrir": str(variou.pk)}


def test_aprovar_em_lote_sem_nada_marcado_avisa(client, aprovador):
    processo = esperando()
    client.force_login(aprovador)

    resposta = client.post(url("fila_aprovar_em_lote"), {"aberto": processo.pk})

    assert (WARNING, "Marque ao menos uma fatura na lista para aprovar em lote.") in mensagens(resposta)
    assert consulta(resposta) == {"abrir": str(processo.pk)}


def test_aprovar_em_lote_tudo_certo_diz_quantas(client, aprovador):
    processos = [esperando() for _ in range(2)]
    client.force_login(aprovador)

    resposta = client.post(url("fila_aprovar_em_lote"), {"selecionados": [p.pk for p in processos]})

    assert textos(resposta) == ["2 faturas aprovadas."]


# The rules of approving -------------------------------------------------------------------------------------------


def test_variacao_acima_do_limite_exige_justificativa_e_nada_muda_sem_ela(aprovador):
    processo = com_mes_anterior("1250.00", "1000.00")
    antes = linha(processo)

    with pytest.raises(ErroDeNegocio) as info:
        processo_aprovar(processo=processo, por=aprovador, justificativa="   ")

    assert info.value.codigo == ErroDeNegocio.INVALIDO
    assert info.value.mensagem == (
        "Para aprovar esta fatura, informe uma justificativa: o valor variou +25,0% em relação à fatura de "
        "10/2026 (limite: 20%)."
    )
    assert info.value.dados["justificativa_obrigatoria"] is True
    assert linha(processo) == antes
    assert not ProcessoEvento.objects.exists()
    assert not Execucao.objects.exists()


def test_justificativa_fica_na_linha_do_tempo_da_aprovacao(client, aprovador):
    processo = com_mes_anterior("700.00", "1000.00")
    client.force_login(aprovador)
    conteudo = client.get(FILA).content.decode()
    assert 'id="fila-justificativa"' in conteudo and "-30,0%" in conteudo

    client.post(url("fila_aprovar", processo), {"justificativa": "  Linhas canceladas em outubro.  "})

    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_ENVIO_SAT
    evento = processo.eventos.get()
    assert (evento.para, evento.por, evento.motivo) == (
        S.AGUARDANDO_ENVIO_SAT,
        aprovador,
        "Linhas canceladas em outubro.",
    )
    assert Execucao.objects.filter(processo=processo, tipo=Execucao.Tipo.UPLOAD_SAT).exists()


def test_aprovar_sinalizada_sem_justificativa_pela_fila_recusa_e_mantem_aberta(client, aprovador):
    processo = com_mes_anterior("2000.00", "1000.00")
    client.force_login(aprovador)

    resposta = client.post(url("fila_aprovar", processo))

    assert consulta(resposta) == {"abrir": str(processo.pk)}
    assert any(nivel == ERROR and "informe uma justificativa" in texto for nivel, texto in mensagens(resposta))
    assert linha(processo)["status"] == S.AGUARDANDO_APROVACAO


def test_mesmo_arquivo_em_outro_processo_exige_justificativa(client, aprovador):
    processo = esperando(fatura_sha256="f" * 64)
    outro = ProcessoFactory(status=S.UPLOAD_REALIZADO, competencia=OUTUBRO, fatura_sha256="f" * 64)

    with pytest.raises(ErroDeNegocio, match=r"o mesmo arquivo \(SHA-256\) já pertence a outro processo"):
        processo_aprovar(processo=processo, por=aprovador)

    assert linha(processo)["status"] == S.AGUARDANDO_APROVACAO
    client.force_login(aprovador)
    conteudo = client.get(FILA).content.decode()
    assert 'data-alerta="duplicada"' in conteudo
    assert reverse("admin:processos_processo_change", args=[outro.pk]) in conteudo
    processo_aprovar(processo=processo, por=aprovador, justificativa="Reenvio da fatura de outubro, conferido.")
    assert linha(processo)["status"] == S.AGUARDANDO_ENVIO_SAT


def test_quem_enviou_a_fatura_a_mao_nao_pode_aprova_la(client, aprovador, admin_user, pdf):
    # Admins may both upload and approve: never the same invoice.
    processo = processo_registrar_fatura(
        processo=ProcessoFactory(), arquivo=pdf(), por=admin_user, valor_total=Decimal("10"), vencimento=NOVEMBRO
    )
    assert processo_enviado_por(processo) == admin_user
    antes = linha(processo)

    with pytest.raises(ErroDeNegocio) as info:
        processo_aprovar(processo=processo, por=admin_user, justificativa="Conferida")

    assert info.value.codigo == ErroDeNegocio.PERMISSAO
    assert "Você enviou esta fatura manualmente" in info.value.mensagem
    assert linha(processo) == antes
    assert processo.eventos.count() == 1
    client.force_login(admin_user)
    conteudo = client.get(FILA).content.decode()
    assert 'id="fila-aprovar-bloqueado"' in conteudo
    resposta = client.post(url("fila_aprovar", processo))
    assert any(
        nivel == ERROR and "Você enviou esta fatura manualmente" in texto for nivel, texto in mensagens(resposta)
    )
    assert linha(processo) == antes
    # Another person may.
    processo_aprovar(processo=processo, por=aprovador)
    assert linha(processo)["status"] == S.AGUARDANDO_ENVIO_SAT


def test_quem_enviou_uma_fatura_rejeitada_pode_aprovar_a_nova_baixada_pelo_robo(aprovador, admin_user, pdf):
    processo = processo_registrar_fatura(processo=ProcessoFactory(), arquivo=pdf(), por=admin_user)
    processo_rejeitar(processo=processo, por=aprovador, motivo="Arquivo errado")
    processo_registrar_fatura(processo=processo, arquivo=pdf(conteudo=PDF_MINIMO + b"%2\n"), por=None)

    assert processo_enviado_por(processo) is None
    processo_aprovar(processo=processo, por=admin_user)
    assert linha(processo)["status"] == S.AGUARDANDO_ENVIO_SAT


# Flags ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("valor", "anterior", "variacao", "acima"),
    [
        ("120.00", "100.00", Decimal("20.0"), False),  # the limit itself is not above it
        ("120.04", "100.00", Decimal("20.0"), True),  # above, though it reads as 20,0%
        ("79.00", "100.00", Decimal("-21.0"), True),  # a drop counts as much as a rise
        ("100.00", "100.00", Decimal("0.0"), False),
        ("100.00", "0.00", None, False),  # nothing to compare with
    ],
)
def test_variacao_e_seu_limite(valor, anterior, variacao, acima):
    alertas = processo_alertas(com_mes_anterior(valor, anterior))

    assert (alertas.variacao_pct, alertas.variacao_acima_do_limite, alertas.sinalizada) == (variacao, acima, acima)


def test_sem_fatura_anterior_nao_ha_variacao():
    processo = esperando(valor="999999.00")
    ProcessoFactory(cliente=processo.cliente, competencia=dt.date(2026, 9, 1), valor_total=Decimal("1"))

    alertas = processo_alertas(processo)

    assert (alertas.anterior_id, alertas.variacao_pct, alertas.sinalizada) == (None, None, False)
    assert alertas.variacao_texto == "—"


def test_limite_vem_da_configuracao(settings):
    processo = com_mes_anterior("112.00", "100.00")
    assert not processo_alertas(processo).sinalizada

    settings.BRM_APROVACAO_VARIACAO_ALERTA_PCT = 10.5

    alertas = processo_alertas(processo)
    assert alertas.sinalizada
    assert alertas.motivos == ["o valor variou +12,0% em relação à fatura de 10/2026 (limite: 10,5%)"]


def test_alertas_de_uma_pagina_sao_os_mesmos_de_cada_fatura():
    processos = [
        com_mes_anterior("150.00", "100.00"),
        com_mes_anterior("101.00", "100.00"),
        esperando(fatura_sha256="e" * 64),
        esperando(fatura_sha256="e" * 64),
        esperando(fatura_sha256=""),
        esperando(valor=None),
    ]
    ProcessoFactory(cliente=processos[1].cliente, competencia=dt.date(2026, 9, 1), valor_total=Decimal("1"))

    with CaptureQueriesContext(connection) as consultas:
        em_lote = processos_alertas(processos)

    assert len(consultas) == 2
    assert em_lote == {processo.pk: processo_alertas(processo) for processo in processos}
    assert [em_lote[p.pk].duplicatas for p in processos] == [0, 0, 1, 1, 0, 0]


# The queue's order, one step at a time ----------------------------------------------------------------------------


def test_anterior_seguinte_e_posicao_seguem_a_ordem_da_lista():
    sorteio = random.Random(7)
    for _ in range(25):
        esperando(
            vencimento=sorteio.choice([None, dt.date(2026, 12, 5), dt.date(2026, 12, 9)]),
            competencia=sorteio.choice([OUTUBRO, NOVEMBRO]),
        )
    fila = fila_aprovacao()
    ordem = list(fila)

    for posicao, processo in enumerate(ordem):
        chave = fila_chave(processo)
        assert fila_posicao(fila, chave) == posicao
        assert fila_seguinte(fila, chave) == (ordem[posicao + 1] if posicao + 1 < len(ordem) else None)
        assert fila_anterior(fila, chave) == (ordem[posicao - 1] if posicao else None)


# Queries ----------------------------------------------------------------------------------------------------------


def _fila_com(quantidade: int, operadora) -> Processo:
    """`quantidade` invoices of one operator with last month's invoice, the first two with the same file; returns
    the middle one. The first (the one opened without `abrir`) and the middle one are alike in both sizes."""
    processos = [
        com_mes_anterior(
            f"{100 + i}.00",
            "100.00",
            cliente__operadora=operadora,
            vencimento=dt.date(2026, 12, 1) + dt.timedelta(days=i),
        )
        for i in range(quantidade)
    ]
    Processo.objects.filter(pk__in=[processos[0].pk, processos[1].pk]).update(fatura_sha256="d" * 64)
    return processos[quantidade // 2]


def test_numero_de_consultas_da_fila_nao_cresce_com_as_faturas(client, aprovador):
    poucas, muitas = OperadoraFactory(), OperadoraFactory()
    meio_das_poucas = _fila_com(5, poucas)
    meio_das_muitas = _fila_com(50, muitas)
    client.force_login(aprovador)
    client.get(FILA)

    contagens = {}
    for nome, operadora, meio in (("poucas", poucas, meio_das_poucas), ("muitas", muitas, meio_das_muitas)):
        for consulta_ in ({"operadora": operadora.pk}, {"operadora": operadora.pk, "abrir": meio.pk}):
            with CaptureQueriesContext(connection) as consultas:
                resposta = client.get(FILA, consulta_)
            assert resposta.status_code == 200
            contagens[(nome, "abrir" in consulta_)] = len(consultas)

    assert contagens[("poucas", False)] == contagens[("muitas", False)]
    assert contagens[("poucas", True)] == contagens[("muitas", True)]


# The admin's own approve button -----------------------------------------------------------------------------------


def test_botao_aprovar_do_admin_pede_justificativa_quando_sinalizada(client, aprovador):
    processo = com_mes_anterior("300.00", "100.00")
    client.force_login(aprovador)
    pagina = reverse("admin:processos_processo_change", args=[processo.pk])
    aprovar = reverse("admin:processos_processo_aprovar", args=[processo.pk])

    conteudo = client.get(pagina).content.decode()
    assert 'name="justificativa"' in conteudo
    assert "o valor variou +200,0%" in conteudo

    resposta = client.post(aprovar)
    assert any(nivel == ERROR and "informe uma justificativa" in texto for nivel, texto in mensagens(resposta))
    assert linha(processo)["status"] == S.AGUARDANDO_APROVACAO

    client.post(aprovar, {"justificativa": "Contrato novo a partir de novembro."})
    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_ENVIO_SAT
    assert processo.eventos.get().motivo == "Contrato novo a partir de novembro."


def test_acao_em_lote_do_admin_explica_a_recusa_da_sinalizada(client, aprovador):
    processo = com_mes_anterior("300.00", "100.00")
    client.force_login(aprovador)

    resposta = client.post(
        reverse("admin:processos_processo_changelist"),
        {"action": "aprovar_selecionados", "_selected_action": [processo.pk], "index": "0"},
    )

    assert any(
        nivel == ERROR and texto.startswith(f"{processo}: Para aprovar esta fatura, informe uma justificativa")
        for nivel, texto in mensagens(resposta)
    )
    assert linha(processo)["status"] == S.AGUARDANDO_APROVACAO
