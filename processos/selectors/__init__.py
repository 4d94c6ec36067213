"""Reads of the processos app: what lists, pages and searches show, shaped for the indexes that serve them."""

from .listas import (
    ORDEM_EXECUCOES,
    ORDEM_LOGS,
    ORDEM_LOGS_DA_EXECUCAO,
    ORDEM_PROCESSOS,
    eventos_buscar,
    execucao_log_ultimas,
    execucao_logs_buscar,
    execucao_logs_lista,
    execucoes_buscar,
    execucoes_lista,
    processos_buscar,
    processos_competencias,
    processos_lista,
)

__all__ = [
    "ORDEM_EXECUCOES",
    "ORDEM_LOGS",
    "ORDEM_LOGS_DA_EXECUCAO",
    "ORDEM_PROCESSOS",
    "eventos_buscar",
    "execucao_log_ultimas",
    "execucao_logs_buscar",
    "execucao_logs_lista",
    "execucoes_buscar",
    "execucoes_lista",
    "processos_buscar",
    "processos_competencias",
    "processos_lista",
]
