"""Celery tasks of the alerts, fired by beat (`CELERY_BEAT_SCHEDULE`): one-line shells over the services."""

from celery import shared_task
from django.utils import timezone

from .services import alertas_enviar, api_robos_verificar, faturas_atrasadas_alertar, vencimentos_proximos_alertar

TAREFA_ENVIAR = "alertas.enviar"
TAREFA_DETECTAR_FATURAS = "alertas.detectar_faturas"
TAREFA_VERIFICAR_API = "alertas.verificar_api_robos"

# Each run ends in seconds (SMTP and HTTP time-outs); the limits are a net, as long as those of the robot tasks
# (processos.tasks): a limit that expires while the worker waits for Redis has killed workers. The e-mail claim
# (services.envio.RESERVA) outlives the hard limit.
LIMITE_SUAVE = 9 * 60
LIMITE = 10 * 60


@shared_task(name=TAREFA_ENVIAR, acks_late=False, soft_time_limit=LIMITE_SUAVE, time_limit=LIMITE)
def enviar() -> dict:
    resultado = alertas_enviar()
    return {"enviados": resultado.enviados, "retidos": resultado.retidos, "falhas": len(resultado.falhas)}


@shared_task(name=TAREFA_DETECTAR_FATURAS, acks_late=False, soft_time_limit=LIMITE_SUAVE, time_limit=LIMITE)
def detectar_faturas() -> dict:
    # The date in São Paulo: an invoice expected on the 10th is not late at 22:00 of the 10th there.
    hoje = timezone.localdate()
    return {
        "atrasadas": faturas_atrasadas_alertar(hoje=hoje),
        "vencimento": vencimentos_proximos_alertar(hoje=hoje),
    }


@shared_task(name=TAREFA_VERIFICAR_API, acks_late=False, soft_time_limit=LIMITE_SUAVE, time_limit=LIMITE)
def verificar_api_robos() -> bool:
    return api_robos_verificar().ok
