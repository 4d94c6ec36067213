"""The admin of the processos app: processes with their actions and pages, and the read-only history."""

from .execucao import ExecucaoAdmin, ExecucaoLogAdmin, ProcessoEventoAdmin
from .processo import ProcessoAdmin

__all__ = ["ExecucaoAdmin", "ExecucaoLogAdmin", "ProcessoAdmin", "ProcessoEventoAdmin"]
