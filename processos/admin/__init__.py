"""The admin of the processos app: processes with their actions and pages, and the read-only history."""

from . import clientes  # noqa: F401 (adds the processos action to the clients' admin)
from .execucao import ExecucaoAdmin, ExecucaoLogAdmin, ProcessoEventoAdmin
from .processo import ProcessoAdmin

__all__ = ["ExecucaoAdmin", "ExecucaoLogAdmin", "ProcessoAdmin", "ProcessoEventoAdmin"]
