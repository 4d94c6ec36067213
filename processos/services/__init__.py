"""Writes of the processos app: the status machine and the monthly creation."""

from .criacao import ResultadoCriacao, processos_criar_mensais
from .execucoes import (
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
    "execucao_cancelar",
    "execucao_reexecutar",
    "execucao_solicitar",
    "execucoes_solicitar_downloads",
    "ResultadoCriacao",
    "processo_aprovar",
    "processo_registrar_envio_sat",
    "processo_registrar_fatura",
    "processo_rejeitar",
    "processos_criar_mensais",
]
