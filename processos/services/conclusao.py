"""Finishing a robot job that ended: the invoice of a download, the protocol of an SAT upload, or a failure."""

import logging
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_date

from brm.common.errors import ErroDeNegocio
from brm.rpa.api_robos import ApiRobos, ErroRPA, EstadoJob

from ..models import Execucao
from .despacho import execucoes_despachar_ja
from .execucao_estado import execucao_mudar_status
from .falha import execucao_falhar
from .transicoes import processo_registrar_envio_sat, processo_registrar_fatura

logger = logging.getLogger(__name__)

E = Execucao.Status
T = Execucao.Tipo


def execucao_falhar_e_despachar(execucao: Execucao, mensagem: str, *, codigo: str, de: str, **campos) -> bool:
    """FALHA (see `execucao_falhar`), and the slot it freed is filled at once."""
    falhou = execucao_falhar(execucao, mensagem, codigo=codigo, de=de, **campos)
    if falhou:
        execucoes_despachar_ja()
    return falhou


def execucao_concluir(execucao: Execucao, estado: EstadoJob, api: ApiRobos) -> str:
    """The robot reports the job completed: store what it produced; the execution's status afterwards."""
    if execucao.tipo == T.DOWNLOAD_FATURA:
        return _concluir_download(execucao, estado, api)
    protocolo = str(estado.resultado.get("protocolo") or "").strip()
    if not protocolo:
        execucao_falhar_e_despachar(
            execucao, "O robô do SAT terminou sem informar o protocolo.", codigo="SEM_PROTOCOLO", de=E.EM_EXECUCAO
        )
        return E.FALHA
    try:
        with transaction.atomic():
            if not _marcar_sucesso(execucao, estado):
                return execucao.status
            processo_registrar_envio_sat(processo=execucao.processo, protocolo=protocolo, por=None)
        logger.info("Execução %s (%s) concluída: o SAT deu o protocolo %s.", execucao.pk, execucao, protocolo)
    except ErroDeNegocio as erro:
        execucao_falhar_e_despachar(
            execucao,
            f"O SAT respondeu, mas o processo mudou: {erro.mensagem}",
            codigo="PROCESSO_MUDOU",
            de=E.EM_EXECUCAO,
        )
        return E.FALHA
    execucoes_despachar_ja()
    return E.SUCESSO


def _concluir_download(execucao: Execucao, estado: EstadoJob, api: ApiRobos) -> str:
    arquivos = estado.resultado.get("arquivos") or []
    arquivo = next((a for a in arquivos if isinstance(a, dict) and a.get("url")), None)
    if arquivo is None:
        execucao_falhar_e_despachar(
            execucao, "O robô terminou sem entregar o arquivo da fatura.", codigo="SEM_ARQUIVO", de=E.EM_EXECUCAO
        )
        return E.FALHA
    try:
        conteudo = api.baixar_arquivo(
            str(arquivo["url"]),
            sha256=str(arquivo.get("sha256") or ""),
            tamanho_maximo=settings.BRM_FATURA_TAMANHO_MAXIMO,
        )
    except ErroRPA as erro:
        if erro.transitorio:
            raise
        execucao_falhar_e_despachar(execucao, erro.mensagem, codigo=erro.codigo or "ARQUIVO_INVALIDO", de=E.EM_EXECUCAO)
        return E.FALHA
    try:
        with transaction.atomic():
            if not _marcar_sucesso(execucao, estado):
                return execucao.status
            processo_registrar_fatura(
                processo=execucao.processo,
                arquivo=ContentFile(conteudo, name=str(arquivo.get("nome") or "fatura.pdf")),
                por=None,
                nome_original=str(arquivo.get("nome") or ""),
                valor_total=_decimal(estado.resultado.get("valor_total")),
                vencimento=parse_date(str(estado.resultado.get("vencimento") or "")) or None,
                numero_fatura=str(estado.resultado.get("numero_fatura") or ""),
            )
        logger.info("Execução %s (%s) concluída: fatura recebida, aguarda aprovação.", execucao.pk, execucao)
    except ErroDeNegocio as erro:
        execucao_falhar_e_despachar(
            execucao, f"A fatura baixada não foi aceita: {erro.mensagem}", codigo="FATURA_RECUSADA", de=E.EM_EXECUCAO
        )
        return E.FALHA
    execucoes_despachar_ja()
    return E.SUCESSO


def _marcar_sucesso(execucao: Execucao, estado: EstadoJob) -> bool:
    agora = timezone.now()
    resultado = {k: v for k, v in estado.resultado.items() if k != "conteudo_base64"}
    return execucao_mudar_status(
        execucao=execucao,
        de=E.EM_EXECUCAO,
        para=E.SUCESSO,
        motivo="O robô terminou o trabalho.",
        agora=agora,
        finalizado_em=estado.finalizado_em or agora,
        iniciado_em=estado.iniciado_em or F("iniciado_em"),
        resultado=resultado,
        erro="",
    )


def _decimal(valor) -> Decimal | None:
    try:
        return Decimal(str(valor)).quantize(Decimal("0.01")) if valor not in (None, "") else None
    except InvalidOperation:
        return None
