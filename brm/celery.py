"""The Celery app: broker on Redis (`REDIS_URL`), configuration from Django settings (`CELERY_*`)."""

import logging
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brm.settings.local")

app = Celery("brm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Tasks that run every few seconds (beat's poll and dispatch) or once per robot job (the send). Celery's lines
# about them ("Task ... received", "Task ... succeeded", beat's "Sending due task") are routine: logged at DEBUG,
# not INFO, so a terminal at INFO shows what happened instead. The services log what matters themselves (a job
# accepted, finished or failed), and errors of these tasks stay at their level.
TAREFAS_DE_ROTINA = frozenset(
    {"processos.acompanhar_execucoes", "processos.despachar_execucoes", "processos.enviar_execucao"}
    # The alerts' beat tasks, every minute or five: they log an e-mail sent or an outage themselves.
    | {"alertas.enviar", "alertas.detectar_faturas", "alertas.verificar_api_robos"}
)
# Where Celery writes those lines: the worker's "received", the task's "succeeded", beat's "Sending due task".
REGISTROS_DO_CELERY = ("celery.worker.strategy", "celery.app.trace", "celery.beat")


class RotinaEmDebug(logging.Filter):
    """Turns Celery's INFO lines about a routine task into DEBUG lines, shown only where DEBUG is on."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or _tarefa_do_registro(record) not in TAREFAS_DE_ROTINA:
            return True
        record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


def _tarefa_do_registro(record: logging.LogRecord) -> str | None:
    # The worker and the task pass their context as `data` (celery.app.trace.info); beat passes
    # (entry name, task name) as the arguments of "Scheduler: Sending due task %s (%s)".
    dados = getattr(record, "data", None)
    if isinstance(dados, dict):
        return dados.get("name")
    if record.name == "celery.beat" and isinstance(record.args, tuple) and len(record.args) == 2:
        return str(record.args[1])
    return None


# On the loggers themselves, not on a handler: Celery replaces the root handlers when a worker or beat starts,
# and Django's LOGGING leaves loggers it does not name as they are.
for _nome in REGISTROS_DO_CELERY:
    _registro = logging.getLogger(_nome)
    if not any(isinstance(filtro, RotinaEmDebug) for filtro in _registro.filters):
        _registro.addFilter(RotinaEmDebug())


# Logs: the worker and beat write with Django's LOGGING (JSON lines in production, docs/registros.md) instead of
# Celery's own handlers, and each line of a task names it.
@signals.setup_logging.connect
def _registro_do_django(loglevel=None, **kwargs) -> None:
    """Celery configures no logging of its own when this signal has a receiver: Django's LOGGING is applied, at the
    level given by `--loglevel`."""
    from django.conf import settings
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)


@signals.celeryd_init.connect
def _sem_faixa_em_json(instance=None, **kwargs) -> None:
    # The start-up banner is printed, not logged: in JSON it would be the only lines that are not JSON.
    from django.conf import settings

    if instance is not None and settings.BRM_LOG_FORMATO == "json":
        instance.quiet = True


@signals.task_prerun.connect
def _tarefa_comeca(task_id=None, task=None, **kwargs) -> None:
    from brm.common.registro import tarefa_iniciar

    tarefa_iniciar(tarefa_id=task_id, nome=task.name)


@signals.task_postrun.connect
def _tarefa_termina(task_id=None, **kwargs) -> None:
    from brm.common.registro import tarefa_encerrar

    tarefa_encerrar(tarefa_id=task_id)
