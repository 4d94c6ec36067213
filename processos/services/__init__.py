"""Writes of the processos app: the status machine and the monthly creation."""

from .criacao import ResultadoCriacao, processos_criar_mensais
from .transicoes import (
    TRANSICOES,
    processo_aprovar,
    processo_registrar_envio_sat,
    processo_registrar_fatura,
    processo_rejeitar,
)

__all__ = [
    "TRANSICOES",
    "ResultadoCriacao",
    "processo_aprovar",
    "processo_registrar_envio_sat",
    "processo_registrar_fatura",
    "processo_rejeitar",
    "processos_criar_mensais",
]
