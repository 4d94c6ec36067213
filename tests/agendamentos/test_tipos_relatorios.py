"""ENVIAR_RELATORIOS: the month's summary reaches a real SMTP server, with the CSV that Excel expects."""

import csv
import datetime as dt
import email
import io
from decimal import Decimal
from email import policy

import pytest
from django.core import mail

from agendamentos.models import Agendamento
from agendamentos.tipos import TIPOS
from agendamentos.tipos.relatorios import csv_do_mes
from brm.common.errors import ErroDeNegocio
from processos.models import Execucao, Processo

from ..conftest import porta_fechada
from ..factories import ExecucaoFactory, OperadoraFactory, ProcessoFactory

pytestmark = pytest.mark.django_db

RELATORIO = TIPOS[Agendamento.Tipo.ENVIAR_RELATORIOS]
NOVEMBRO = dt.date(2026, 11, 1)
# 20/11/2026 at noon in São Paulo.
AGORA = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)
S = Processo.Status


@pytest.fixture
def mes():
    vivo = OperadoraFactory(nome="Vivo", codigo="vivo")
    claro = OperadoraFactory(nome="Claro", codigo="claro")
    processos = {
        "baixar": ProcessoFactory(cliente__operadora=vivo, cliente__razao_social="Comércio São João Ltda"),
        "aprovar": ProcessoFactory(
            cliente__operadora=vivo,
            cliente__razao_social="=HYPERLINK(1)",
            status=S.AGUARDANDO_APROVACAO,
            valor_total=Decimal("1234.56"),
            vencimento=dt.date(2026, 11, 24),
            numero_fatura="FAT-123",
        ),
        "enviado": ProcessoFactory(
            cliente__operadora=claro,
            cliente__razao_social="Alfa Telecom SA",
            status=S.UPLOAD_REALIZADO,
            valor_total=Decimal("100.00"),
            vencimento=dt.date(2026, 11, 22),
            protocolo_sat="SAT-999",
        ),
        # Last month's, already overdue and still not at the SAT: in the e-mail, not in November's CSV.
        "outubro": ProcessoFactory(
            cliente__operadora=claro,
            cliente__razao_social="Beta Serviços Ltda",
            competencia=dt.date(2026, 10, 1),
            status=S.AGUARDANDO_ENVIO_SAT,
            valor_total=Decimal("50.00"),
            vencimento=dt.date(2026, 11, 18),
        ),
        # Due later than the window: not listed.
        "longe": ProcessoFactory(
            cliente__operadora=claro,
            cliente__razao_social="Gama Ltda",
            status=S.AGUARDANDO_APROVACAO,
            valor_total=Decimal("10.00"),
            vencimento=dt.date(2026, 12, 20),
        ),
    }
    ExecucaoFactory(processo=processos["baixar"], status=Execucao.Status.FALHA, erro="Login inválido no portal.")
    return processos


def _mensagem(envelope) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)


def test_resumo_chega_ao_servidor_smtp_com_a_planilha(smtp, mes):
    resultado = RELATORIO.executar(
        parametros={"destinatarios": ["financeiro@brm.test", "diretoria@brm.test"]},
        agora=AGORA,
        fuso="America/Sao_Paulo",
        por=None,
    )

    assert resultado == {"competencia": "2026-11", "destinatarios": 2, "processos": 4}
    (envelope,) = smtp.envelopes
    assert envelope.rcpt_tos == ["financeiro@brm.test", "diretoria@brm.test"]
    assert envelope.mail_from == "nao-responda@brm.local"
    mensagem = _mensagem(envelope)
    assert mensagem["Subject"] == "BRM · Resumo de 11/2026"

    texto = mensagem.get_body(preferencelist=("plain",)).get_content()
    for linha in (
        "- Aguardando download: 1",
        "- Aguardando aprovação: 2",
        "- Aguardando envio ao SAT: 0",
        "- Enviado ao SAT: 1",
        "- Vivo: 2 processos, R$ 1.234,56",
        "- Claro: 2 processos, R$ 110,00",
        "FALHAS: 1 no mês, 1 sem nova tentativa",
        f"{mes['baixar'].cliente} (Vivo), Download da fatura, tentativa 1: Login inválido no portal.",
        "- 18/11/2026 (VENCIDA): Beta Serviços Ltda",
        "- 24/11/2026: =HYPERLINK(1)",
        "VENCIDAS OU QUE VENCEM EM ATÉ 7 DIAS, AINDA NÃO ENVIADAS AO SAT: 2",
    ):
        assert linha in texto
    a_vencer = texto.split("FATURAS VENCIDAS")[1]
    assert "Alfa Telecom" not in a_vencer
    assert "Gama Ltda" not in a_vencer
    html = mensagem.get_body(preferencelist=("html",)).get_content()
    assert "Login inválido no portal." in html
    assert "R$ 1.234,56" in html

    (anexo,) = list(mensagem.iter_attachments())
    assert anexo.get_filename() == "processos-2026-11.csv"
    assert anexo.get_content_type() == "text/csv"
    conteudo = anexo.get_payload(decode=True)
    assert conteudo.startswith(b"\xef\xbb\xbf")
    linhas = list(csv.reader(io.StringIO(conteudo.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert linhas[0] == [
        "Razão social",
        "CNPJ",
        "Operadora",
        "Conta",
        "Competência",
        "Situação",
        "Valor",
        "Vencimento",
        "Número da fatura",
        "Protocolo SAT",
    ]
    por_razao = {linha[0]: linha for linha in linhas[1:]}
    assert set(por_razao) == {"Comércio São João Ltda", "'=HYPERLINK(1)", "Alfa Telecom SA", "Gama Ltda"}
    aprovar = mes["aprovar"]
    assert por_razao["'=HYPERLINK(1)"] == [
        "'=HYPERLINK(1)",
        aprovar.cliente.cnpj_formatado,
        "Vivo",
        aprovar.cliente.conta,
        "11/2026",
        "Aguardando aprovação",
        "1234,56",
        "24/11/2026",
        "FAT-123",
        "",
    ]
    assert por_razao["Alfa Telecom SA"][5:] == ["Enviado ao SAT", "100,00", "22/11/2026", "", "SAT-999"]
    assert por_razao["Comércio São João Ltda"][6:8] == ["", ""]
    assert "/" in por_razao["Comércio São João Ltda"][1] and "." in por_razao["Comércio São João Ltda"][1]


def test_competencia_anterior_resume_o_mes_passado(smtp, mes):
    resultado = RELATORIO.executar(
        parametros={"destinatarios": ["financeiro@brm.test"], "competencia": "anterior"},
        agora=AGORA,
        fuso="America/Sao_Paulo",
        por=None,
    )

    assert resultado == {"competencia": "2026-10", "destinatarios": 1, "processos": 1}
    mensagem = _mensagem(smtp.envelopes[0])
    assert mensagem["Subject"] == "BRM · Resumo de 10/2026"
    (anexo,) = list(mensagem.iter_attachments())
    assert anexo.get_filename() == "processos-2026-10.csv"


def test_mes_sem_processos_ainda_envia_o_resumo(smtp):
    resultado = RELATORIO.executar(
        parametros={"destinatarios": ["financeiro@brm.test"]}, agora=AGORA, fuso="America/Sao_Paulo", por=None
    )

    assert resultado["processos"] == 0
    texto = _mensagem(smtp.envelopes[0]).get_body(preferencelist=("plain",)).get_content()
    assert "Nenhum processo neste mês." in texto
    assert "Nenhuma falha esperando alguém." in texto


def test_servidor_de_email_fora_do_ar_da_um_erro_claro(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = porta_fechada()
    settings.EMAIL_USE_TLS = False

    with pytest.raises(ErroDeNegocio) as erro:
        RELATORIO.executar(
            parametros={"destinatarios": ["financeiro@brm.test"]}, agora=AGORA, fuso="America/Sao_Paulo", por=None
        )

    assert "não aceitou o resumo" in erro.value.mensagem
    assert f"127.0.0.1:{settings.EMAIL_PORT}" in erro.value.mensagem


def test_falha_ja_reexecutada_nao_aparece_como_pendente(mes):
    falha = Execucao.objects.get(status=Execucao.Status.FALHA)
    ExecucaoFactory(processo=falha.processo, anterior=falha, tentativa=2, status=Execucao.Status.SUCESSO)

    RELATORIO.executar(
        parametros={"destinatarios": ["financeiro@brm.test"]}, agora=AGORA, fuso="America/Sao_Paulo", por=None
    )

    (mensagem,) = mail.outbox
    assert "FALHAS: 1 no mês, 0 sem nova tentativa" in mensagem.body
    assert "Login inválido" not in mensagem.body


def test_planilha_tem_uma_linha_por_processo_do_mes(mes):
    ProcessoFactory.create_batch(20)

    linhas = csv_do_mes(NOVEMBRO).decode("utf-8-sig").splitlines()

    assert len(linhas) == 1 + 24
    assert all(linha.count(";") == 9 for linha in linhas)
