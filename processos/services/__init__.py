"""Writes of the processos app.

- `transicoes`: the process's status machine, one service per transition.
- `criacao`: the month's processes, and one process by hand.
- Robot jobs, by what happens to a job: `pedido` (asking for one, re-running, cancelling), `despacho`
  (claiming free slots under the limits and sending), `acompanhamento` (following jobs at the robot),
  `conclusao` and `falha` (how a job ends). `execucao_estado` is the one path of an execution's status
  change; `filas` is what they queue; `robo` is which robot API a job talks to and what it sends.
"""

from .acompanhamento import (
    ResultadoAcompanhamento,
    execucao_registrar_logs,
    execucoes_acompanhar,
    execucoes_acompanhar_ciclo,
)
from .criacao import ResultadoCriacao, competencia_atual, processo_criar, processos_criar_mensais
from .despacho import execucao_enviar, execucoes_despachar, execucoes_no_robo
from .execucao_estado import execucao_mudar_status, execucoes_mudar_status
from .pedido import (
    ResultadoSolicitacao,
    execucao_cancelar,
    execucao_reexecutar,
    execucao_solicitar,
    execucoes_solicitar_downloads,
)
from .transicoes import (
    TRANSICOES,
    processo_aprovar,
    processo_registrar_envio_sat,
    processo_registrar_fatura,
    processo_rejeitar,
)

__all__ = [
    "TRANSICOES",
    "ResultadoAcompanhamento",
    "ResultadoCriacao",
    "ResultadoSolicitacao",
    "competencia_atual",
    "execucao_cancelar",
    "execucao_enviar",
    "execucao_mudar_status",
    "execucao_reexecutar",
    "execucao_registrar_logs",
    "execucao_solicitar",
    "execucoes_acompanhar",
    "execucoes_acompanhar_ciclo",
    "execucoes_despachar",
    "execucoes_mudar_status",
    "execucoes_no_robo",
    "execucoes_solicitar_downloads",
    "processo_aprovar",
    "processo_criar",
    "processo_registrar_envio_sat",
    "processo_registrar_fatura",
    "processo_rejeitar",
    "processos_criar_mensais",
]
