"""The five kinds of schedule behind one interface: each checks its own parameters and does its own work.

The task that runs a schedule only knows `tipo_obter(agendamento.tipo)`: it calls `validar` and
`executar` and stores the counters that `executar` returns in the run's history.
"""

from agendamentos.models import Agendamento
from brm.common.errors import ErroDeNegocio

from .backup import BACKUP_DADOS
from .base import Tipo
from .limpeza import LIMPEZA_LOGS
from .processos import CRIAR_PROCESSOS_MENSAIS, EXECUTAR_DOWNLOADS
from .relatorios import ENVIAR_RELATORIOS

TIPOS: dict[str, Tipo] = {
    Agendamento.Tipo.CRIAR_PROCESSOS_MENSAIS: CRIAR_PROCESSOS_MENSAIS,
    Agendamento.Tipo.EXECUTAR_DOWNLOADS: EXECUTAR_DOWNLOADS,
    Agendamento.Tipo.ENVIAR_RELATORIOS: ENVIAR_RELATORIOS,
    Agendamento.Tipo.LIMPEZA_LOGS: LIMPEZA_LOGS,
    Agendamento.Tipo.BACKUP_DADOS: BACKUP_DADOS,
}


def tipo_obter(tipo: str) -> Tipo:
    try:
        return TIPOS[tipo]
    except KeyError:
        raise ErroDeNegocio(
            f"Tipo de agendamento desconhecido: {tipo!r}.", codigo=ErroDeNegocio.INVALIDO, dados={"campo": "tipo"}
        ) from None


__all__ = ["TIPOS", "Tipo", "tipo_obter"]
