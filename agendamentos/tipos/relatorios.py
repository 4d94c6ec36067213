"""The month's summary by e-mail: processes per status and per operator, failures, invoices about to fall
due, and every process of the month in a CSV for Excel."""

import csv
import datetime as dt
import io
import smtplib
from dataclasses import dataclass, field
from decimal import Decimal
from email import encoders
from email.mime.base import MIMEBase

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.template.loader import render_to_string

from brm.common.errors import ErroDeNegocio
from brm.common.formatacao import formatar_competencia, formatar_moeda
from brm.usuarios.models import Usuario
from processos.models import Processo
from processos.selectors import processos_do_mes_para_planilha, processos_resumo_do_mes

from .base import Campo, Tipo, data_local, invalido, mes_anterior, padrao, validar_campos

CAMPOS = [
    Campo("destinatarios", list, []),
    Campo("competencia", str, "atual"),
    Campo("dias_vencimento", int, 7, minimo=0, maximo=365),
]
COMPETENCIAS = ("atual", "anterior")
# The e-mail lists at most this many failures and invoices; the CSV always has every process.
MAXIMO_LINHAS = 100


def relatorio_validar(parametros: dict) -> dict:
    limpos = validar_campos(parametros, CAMPOS)
    if not limpos["destinatarios"]:
        raise invalido("Informe ao menos um destinatário.", "destinatarios")
    invalidos = []
    for endereco in limpos["destinatarios"]:
        try:
            validate_email(endereco)
        except ValidationError:
            invalidos.append(endereco)
    if invalidos:
        raise invalido(f"E-mail inválido: {', '.join(invalidos)}.", "destinatarios", invalidos=invalidos)
    if limpos["competencia"] not in COMPETENCIAS:
        raise invalido(f"Competência “{limpos['competencia']}” desconhecida: use “atual” ou “anterior”.", "competencia")
    return limpos


@dataclass
class Resumo:
    competencia: dt.date
    hoje: dt.date
    dias_vencimento: int
    total_processos: int = 0
    valor_total: Decimal = Decimal("0")
    por_status: list[dict] = field(default_factory=list)
    por_operadora: list[dict] = field(default_factory=list)
    total_falhas: int = 0
    total_falhas_pendentes: int = 0
    falhas: list[dict] = field(default_factory=list)
    total_a_vencer: int = 0
    a_vencer: list[dict] = field(default_factory=list)


def resumo_do_mes(*, competencia: dt.date, hoje: dt.date, dias_vencimento: int) -> Resumo:
    """The numbers of the e-mail, with money already formatted for a Brazilian reader."""
    dados = processos_resumo_do_mes(
        competencia=competencia, hoje=hoje, dias_vencimento=dias_vencimento, maximo_linhas=MAXIMO_LINHAS
    )
    return Resumo(
        competencia=competencia,
        hoje=hoje,
        dias_vencimento=dias_vencimento,
        total_processos=dados.total_processos,
        valor_total=dados.valor_total,
        por_status=[{"situacao": status.label, "n": dados.por_status[status.value]} for status in Processo.Status],
        por_operadora=[{**linha, "valor": formatar_moeda(linha["valor"])} for linha in dados.por_operadora],
        total_falhas=dados.total_falhas,
        total_falhas_pendentes=dados.total_falhas_pendentes,
        falhas=[
            {
                "cliente": str(execucao.processo.cliente),
                "operadora": execucao.processo.cliente.operadora.nome,
                "tipo": execucao.get_tipo_display(),
                "tentativa": execucao.tentativa,
                "erro": execucao.erro or "sem mensagem de erro",
            }
            for execucao in dados.falhas
        ],
        total_a_vencer=dados.total_a_vencer,
        a_vencer=[
            {
                "cliente": str(processo.cliente),
                "operadora": processo.cliente.operadora.nome,
                "competencia": formatar_competencia(processo.competencia),
                "vencimento": f"{processo.vencimento:%d/%m/%Y}",
                "vencida": processo.vencimento < hoje,
                "valor": formatar_moeda(processo.valor_total),
                "situacao": processo.get_status_display(),
            }
            for processo in dados.a_vencer
        ],
    )


CABECALHO_CSV = [
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


def _texto_csv(valor: str) -> str:
    # A cell starting with one of these is run as a formula by Excel (CSV injection).
    return f"'{valor}" if valor[:1] in ("=", "+", "-", "@", "\t", "\r") else valor


def _valor_csv(valor: Decimal | None) -> str:
    # A decimal comma and no thousands separator: what Excel in Portuguese reads as a number.
    return "" if valor is None else f"{valor:.2f}".replace(".", ",")


def csv_do_mes(competencia: dt.date) -> bytes:
    """Every process of the month, for Excel in Portuguese: UTF-8 with BOM (or accents break), `;` separators."""
    saida = io.StringIO()
    escritor = csv.writer(saida, delimiter=";", lineterminator="\r\n")
    escritor.writerow(CABECALHO_CSV)
    for processo in processos_do_mes_para_planilha(competencia):
        cliente = processo.cliente
        escritor.writerow(
            [
                _texto_csv(cliente.razao_social),
                cliente.cnpj_formatado,
                _texto_csv(cliente.operadora.nome),
                _texto_csv(cliente.conta),
                formatar_competencia(processo.competencia),
                processo.get_status_display(),
                _valor_csv(processo.valor_total),
                f"{processo.vencimento:%d/%m/%Y}" if processo.vencimento else "",
                _texto_csv(processo.numero_fatura),
                _texto_csv(processo.protocolo_sat),
            ]
        )
    return "\ufeff".encode() + saida.getvalue().encode("utf-8")


def _anexo_csv(nome: str, conteudo: bytes) -> MIMEBase:
    # Base64 keeps the file byte for byte (BOM, CRLF); a text part could have its line ends rewritten.
    parte = MIMEBase("text", "csv", charset="utf-8")
    parte.set_payload(conteudo)
    encoders.encode_base64(parte)
    parte.add_header("Content-Disposition", "attachment", filename=nome)
    return parte


def relatorio_executar(*, parametros: dict, agora: dt.datetime, fuso: str, por: Usuario | None) -> dict:
    limpos = relatorio_validar(parametros)
    hoje = data_local(agora, fuso)
    competencia = hoje.replace(day=1)
    if limpos["competencia"] == "anterior":
        competencia = mes_anterior(competencia)
    resumo = resumo_do_mes(competencia=competencia, hoje=hoje, dias_vencimento=limpos["dias_vencimento"])
    contexto = {
        "resumo": resumo,
        "competencia": formatar_competencia(competencia),
        "valor_total": formatar_moeda(resumo.valor_total),
        "hoje": f"{hoje:%d/%m/%Y}",
        "nome_arquivo": f"processos-{competencia:%Y-%m}.csv",
    }
    mensagem = EmailMultiAlternatives(
        subject=f"BRM · Resumo de {contexto['competencia']}",
        body=render_to_string("agendamentos/email/relatorio.txt", contexto),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=limpos["destinatarios"],
    )
    mensagem.attach_alternative(render_to_string("agendamentos/email/relatorio.html", contexto), "text/html")
    mensagem.attach(_anexo_csv(contexto["nome_arquivo"], csv_do_mes(competencia)))
    try:
        mensagem.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        raise ErroDeNegocio(
            f"O servidor de e-mail {settings.EMAIL_HOST}:{settings.EMAIL_PORT} não aceitou o resumo: {exc}."
        ) from exc
    return {
        "competencia": f"{competencia:%Y-%m}",
        "destinatarios": len(limpos["destinatarios"]),
        "processos": resumo.total_processos,
    }


ENVIAR_RELATORIOS = Tipo(
    validar=relatorio_validar,
    executar=relatorio_executar,
    descricao=(
        "Envia por e-mail o resumo do mês (processos por situação e por operadora, falhas, faturas a vencer) "
        "com a planilha dos processos anexada."
    ),
    padrao=padrao(CAMPOS),
)
