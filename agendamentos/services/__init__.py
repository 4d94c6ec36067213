"""Writes of the agendamentos app: the schedules and their beat tasks, the runs, the usual schedules."""

from ..fila import TAREFA_BEAT
from .cadastro import (
    agendamento_ativar,
    agendamento_atualizar,
    agendamento_criar,
    agendamento_desativar,
    agendamento_excluir,
    agendamento_sincronizar,
    agendamento_validar,
    nome_tarefa_beat,
)
from .execucao import EXECUCAO_PRESA_APOS, agendamento_executar, agendamento_solicitar_execucao
from .padrao import AGENDAMENTOS_PADRAO, agendamentos_criar_padrao

__all__ = [
    "AGENDAMENTOS_PADRAO",
    "EXECUCAO_PRESA_APOS",
    "TAREFA_BEAT",
    "agendamento_ativar",
    "agendamento_atualizar",
    "agendamento_criar",
    "agendamento_desativar",
    "agendamento_excluir",
    "agendamento_executar",
    "agendamento_sincronizar",
    "agendamento_solicitar_execucao",
    "agendamento_validar",
    "agendamentos_criar_padrao",
    "nome_tarefa_beat",
]
