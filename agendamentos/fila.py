"""How a schedule's run reaches the worker: the task's registered name and the one call that queues it.

`tasks.py` registers the task under this name and services queue it through here, so no service imports
a task module.
"""

from brm.common import tarefas

# The task beat fires for every schedule (its PeriodicTask's `task`); "Executar agora" queues the same one.
TAREFA_BEAT = "agendamentos.executar_agendamento"


def agendamento_enfileirar(*, agendamento_id: str, solicitado_por_id: str | None = None) -> None:
    """Queue one run of the schedule. Call it from `transaction.on_commit`: the worker must see the rows."""
    tarefas.enfileirar(TAREFA_BEAT, agendamento_id, solicitado_por_id)
