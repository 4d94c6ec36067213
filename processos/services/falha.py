"""How a robot job fails: FALHA with a sentence a person can act on, the automatic re-run when it may pass, and
an e-mail alert (`brm.alertas`) when none follows."""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from brm.alertas.services import execucao_falha_alertar
from brm.rpa.api_robos import CODIGOS_PASSAGEIROS
from brm.rpa.selectors import configuracao_rpa_obter

from ..models import Execucao, Processo
from ..regras import STATUS_DO_PROCESSO
from .execucao_estado import execucao_mudar_status, execucoes_criar
from .notificacoes import execucao_falha_notificar

logger = logging.getLogger(__name__)

E = Execucao.Status
# Failure codes after which an automatic re-run may succeed (the robot's own plus ours).
CODIGOS_REEXECUTAVEIS = CODIGOS_PASSAGEIROS | {
    "TEMPO_ESGOTADO",
    "SHA256_DIVERGENTE",
    "API_INDISPONIVEL",
    "JOB_PERDIDO",
}


def execucao_falhar(execucao: Execucao, mensagem: str, *, codigo: str, de: str, **campos) -> bool:
    """End the execution in FALHA and, when the failure may pass, queue the automatic re-run.

    False when the execution had already left `de` (someone else finished or cancelled it).
    """
    agora = timezone.now()
    with transaction.atomic():
        if not execucao_mudar_status(
            execucao=execucao,
            de=de,
            para=E.FALHA,
            motivo=mensagem,
            agora=agora,
            erro=mensagem,
            finalizado_em=agora,
            resultado={**(execucao.resultado or {}), "codigo": codigo},
            **campos,
        ):
            return False
        reexecucao_em = _reexecutar_automaticamente(execucao, codigo)
        execucao_falha_notificar(execucao=execucao, mensagem=mensagem, codigo=codigo, reexecucao_em=reexecucao_em)
        if reexecucao_em is None:
            # Nothing will run it again by itself: the people who receive that alert hear of it (grouped, by e-mail).
            execucao_falha_alertar(execucao=execucao, mensagem=mensagem)
    logger.info("Execução %s (%s) falhou (%s): %s", execucao.pk, execucao, codigo, mensagem)
    return True


def reexecucao_automatica_em(execucao: Execucao, codigo: str) -> dt.datetime | None:
    """When the automatic re-run of a failure with `codigo` would start; None when the policy gives none."""
    configuracao = configuracao_rpa_obter()
    if codigo not in CODIGOS_REEXECUTAVEIS or execucao.tentativa > configuracao.reexecucoes_automaticas:
        return None
    status = Processo.objects.filter(pk=execucao.processo_id).values_list("status", flat=True).first()
    if status != STATUS_DO_PROCESSO[execucao.tipo]:
        return None
    return timezone.now() + dt.timedelta(minutes=configuracao.intervalo_reexecucao_minutos)


def _reexecutar_automaticamente(execucao: Execucao, codigo: str) -> dt.datetime | None:
    """Queue the automatic re-run if the policy gives one; when it will start, None when none was queued."""
    quando = reexecucao_automatica_em(execucao, codigo)
    if quando is None:
        return None
    try:
        with transaction.atomic():
            # A new execution is a new referencia: a job the robot lost is never adopted again.
            execucoes_criar(
                [
                    Execucao(
                        processo_id=execucao.processo_id,
                        tipo=execucao.tipo,
                        origem=Execucao.Origem.AUTOMATICA,
                        anterior=execucao,
                        tentativa=execucao.tentativa + 1,
                        solicitado_por_id=execucao.solicitado_por_id,
                        proxima_tentativa_em=quando,
                    )
                ],
                motivo=f"Reexecução automática da tentativa {execucao.tentativa}.",
            )
    except IntegrityError:
        # Someone already queued a new job for this process.
        return None
    return quando
