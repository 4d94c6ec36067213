"""Beat fires the alerts' tasks: the detectors of invoices every five minutes, the robot API probe and the sender
every minute, each a registered task."""

import pytest
from django.conf import settings

from brm.alertas import tasks
from brm.celery import app


def test_beat_dispara_os_detectores_e_o_envio():
    agenda = {entrada["task"]: entrada["schedule"] for entrada in settings.CELERY_BEAT_SCHEDULE.values()}

    assert agenda[tasks.TAREFA_DETECTAR_FATURAS] == 300
    assert agenda[tasks.TAREFA_VERIFICAR_API] == 60
    assert agenda[tasks.TAREFA_ENVIAR] == 60
    for nome in (tasks.TAREFA_DETECTAR_FATURAS, tasks.TAREFA_VERIFICAR_API, tasks.TAREFA_ENVIAR):
        assert nome in app.tasks


@pytest.mark.django_db
def test_tarefa_de_envio_sem_eventos_nao_envia_nada(mailoutbox):
    assert tasks.enviar() == {"enviados": {}, "retidos": [], "falhas": 0}
    assert mailoutbox == []
