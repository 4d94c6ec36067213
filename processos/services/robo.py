"""Which robot API an execution talks to, and what is sent to it."""

import base64
import logging

from brm.rpa.api_robos import ApiRobos, ErroRPA
from brm.rpa.models import ConfiguracaoRPA
from brm.rpa.selectors import api_robos_obter, configuracao_rpa_obter

from ..models import Execucao

logger = logging.getLogger(__name__)

T = Execucao.Tipo


def api_da_execucao(execucao: Execucao, configuracao: ConfiguracaoRPA) -> ApiRobos:
    """The global API, or a third-party robot's own address; the personal token of who asked, if any."""
    operadora = execucao.processo.cliente.operadora
    url = operadora.url_endpoint_rpa if execucao.tipo == T.DOWNLOAD_FATURA and operadora.url_endpoint_rpa else ""
    token = execucao.solicitado_por.api_externa_token if execucao.solicitado_por_id else ""
    return api_robos_obter(configuracao=configuracao, url_base=url, token=token)


def robo_da_execucao(execucao: Execucao, configuracao: ConfiguracaoRPA) -> str:
    return execucao.processo.cliente.operadora.codigo if execucao.tipo == T.DOWNLOAD_FATURA else configuracao.robo_sat


def payload_da_execucao(execucao: Execucao) -> dict:
    """The body of `POST /executar/{robo}`; our execution id is the idempotency key (`referencia`)."""
    processo = execucao.processo
    cliente = processo.cliente
    dados_cliente = {
        "cnpj": cliente.cnpj_formatado,
        "razao_social": cliente.razao_social,
        "conta": cliente.conta,
        "unidade": cliente.unidade,
        "login": cliente.login_portal,
        "senha": cliente.senha_portal,
        "dados": cliente.dados_rpa or {},
    }
    fatura = None
    if execucao.tipo == T.UPLOAD_SAT:
        dados_cliente["codigo_sat"] = cliente.codigo_sat
        with processo.fatura.open("rb") as arquivo:
            conteudo = arquivo.read()
        fatura = {
            "nome": f"fatura-{processo.competencia:%Y-%m}.pdf",
            "conteudo_base64": base64.b64encode(conteudo).decode(),
            "sha256": processo.fatura_sha256,
            "valor_total": str(processo.valor_total) if processo.valor_total is not None else None,
            "vencimento": processo.vencimento.isoformat() if processo.vencimento else None,
            "numero": processo.numero_fatura,
        }
    return {
        "referencia": str(execucao.pk),
        "competencia": f"{processo.competencia:%Y-%m}",
        "cliente": dados_cliente,
        "fatura": fatura,
    }


def robo_permite_cancelar(configuracao: ConfiguracaoRPA | None = None) -> bool:
    """Whether the robot offers cancelling: not in the contract, so only when the configuration names it."""
    return bool((configuracao or configuracao_rpa_obter()).endpoint_cancelamento)


def execucao_cancelar_no_robo(execucao: Execucao) -> bool:
    """Ask the robot to stop the job, where it offers that; True when it was asked.

    The job keeps its slot either way until the robot reports that it ended.
    """
    configuracao = configuracao_rpa_obter()
    if not (execucao.job_id and robo_permite_cancelar(configuracao)):
        return False
    try:
        api_da_execucao(execucao, configuracao).cancelar(execucao.job_id, caminho=configuracao.endpoint_cancelamento)
    except ErroRPA as erro:
        logger.warning("Não foi possível cancelar o trabalho %s no robô: %s", execucao.job_id, erro)
        return False
    return True
