"""Writes of the alerts: recording events (`eventos`), the detectors that find them (`deteccao`), and the grouped
e-mails that carry them (`envio`)."""

from .deteccao import (
    SituacaoDaApi,
    api_robos_verificar,
    execucao_falha_alertar,
    faturas_atrasadas_alertar,
    vencimentos_proximos_alertar,
)
from .envio import INTERVALO, RESERVA, ResultadoEnvio, alertas_enviar
from .eventos import NovoEvento, alerta_registrar, alertas_registrar

__all__ = [
    "INTERVALO",
    "RESERVA",
    "NovoEvento",
    "ResultadoEnvio",
    "SituacaoDaApi",
    "alerta_registrar",
    "alertas_enviar",
    "alertas_registrar",
    "api_robos_verificar",
    "execucao_falha_alertar",
    "faturas_atrasadas_alertar",
    "vencimentos_proximos_alertar",
]
