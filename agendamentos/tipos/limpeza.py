"""Deleting what is only worth keeping for a while: robot log lines and schedule run history, and the API's
expired sign-in records (refresh tokens, their blacklist, signed-out sign-ins), which refuse nothing once expired.

Never the processes' timeline (`ProcessoEvento`): that is the audit trail and stays for good. (The live
events kept for reconnecting pages expire by themselves in Redis after 24 hours: see `brm.eventos`.)
"""

import datetime as dt

from django.db import transaction
from django.db.models import Model, QuerySet

from brm.api.services import tokens_expirados_apagar
from brm.usuarios.models import Usuario
from processos.selectors import execucoes_log_anteriores_a

from ..selectors import agendamento_execucoes_encerradas
from .base import Campo, Tipo, padrao, validar_campos

CAMPOS = [Campo("dias_retencao", int, 90, minimo=1, maximo=3650)]
# Rows per DELETE: small enough that each transaction is short and other writers (the robots' log lines,
# SQLite's single writer) get their turn between batches.
TAMANHO_LOTE = 5000


def limpeza_validar(parametros: dict) -> dict:
    return validar_campos(parametros, CAMPOS)


def apagar_em_lotes(consulta: QuerySet) -> int:
    """Delete the rows of `consulta` in batches of primary keys, each batch its own transaction."""
    modelo: type[Model] = consulta.model
    # No ORDER BY: any old rows will do, and sorting a large log table for each batch would cost more
    # than the delete.
    consulta = consulta.order_by()
    apagados = 0
    while True:
        lote = list(consulta.values_list("pk", flat=True)[:TAMANHO_LOTE])
        if not lote:
            return apagados
        with transaction.atomic():
            apagados += modelo._base_manager.filter(pk__in=lote).delete()[0]


def limpeza_executar(*, parametros: dict, agora: dt.datetime, fuso: str, por: Usuario | None) -> dict:
    limpos = limpeza_validar(parametros)
    antes_de = agora - dt.timedelta(days=limpos["dias_retencao"])
    linhas = apagar_em_lotes(execucoes_log_anteriores_a(antes_de))
    # A run still going (this one included) is never history yet.
    historico = apagar_em_lotes(agendamento_execucoes_encerradas(antes_de=antes_de))
    # Expired tokens go whatever the retention: past their expiry they are refused anyway.
    return {
        "linhas_de_log": linhas,
        "historico_agendamentos": historico,
        **tokens_expirados_apagar(agora=agora),
        "antes_de": antes_de.isoformat(),
    }


LIMPEZA_LOGS = Tipo(
    validar=limpeza_validar,
    executar=limpeza_executar,
    descricao=(
        "Apaga linhas de log dos robôs e histórico de agendamentos mais antigos que a retenção, e os tokens da "
        "API já expirados; a linha do tempo dos processos nunca é apagada."
    ),
    padrao=padrao(CAMPOS),
)
