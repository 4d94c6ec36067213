"""How long one run of a schedule may take, from one setting: `BRM_BACKUP_TEMPO_MAXIMO`.

One Celery task runs every type of schedule, and the backup is the longest of them; it stops itself at
that deadline (the dump's timeout and the file copy's checks come from it) and fails with its own sentence.
The task's soft limit sits a little above, for the run to clean up and record that failure; the hard limit
above that; and a run still open after the hard limit plus an hour lost its worker.
"""

import datetime as dt

from django.conf import settings

# From the backup's own deadline to the soft limit: removing temporary files and recording the failed run.
FOLGA_SUAVE = 5 * 60
# From the soft limit (the task records the interruption) to the hard one (the worker kills the task).
FOLGA_DURA = 5 * 60
# From the hard limit to declaring a run that is still open interrupted.
FOLGA_PRESA = 60 * 60


def limites_da_tarefa(tempo_maximo_backup: int) -> tuple[int, int]:
    """The (soft, hard) Celery time limits of the schedules' task, in seconds."""
    suave = tempo_maximo_backup + FOLGA_SUAVE
    return suave, suave + FOLGA_DURA


LIMITE_SUAVE, LIMITE = limites_da_tarefa(settings.BRM_BACKUP_TEMPO_MAXIMO)
EXECUCAO_PRESA_APOS = dt.timedelta(seconds=LIMITE + FOLGA_PRESA)
