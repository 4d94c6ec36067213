"""The processos app in the REST API (/api/v1/): thin shells over its services and selectors.

- `processos`: /processos/, their decisions (aprovar, rejeitar), robot jobs (baixar, enviar-sat), invoice files
  and timeline; `saidas` holds what it reads and answers (serializers, examples).
- `execucoes`: /execucoes/, their log lines by `seq`, history, reexecutar and cancelar.
"""

from .execucoes import ExecucaoApi
from .processos import ProcessoApi

__all__ = ["ExecucaoApi", "ProcessoApi"]
