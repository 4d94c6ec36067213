"""The detectors: what becomes an alert event. Each reports a thing once (its key), whenever it runs.

- A robot job that failed and that nothing will run again by itself: called by `execucao_falhar`, in its
  transaction (`processos.services.notificacoes`).
- Invoices late against their expected day, and invoices near their due date still waiting approval: read with
  the painel's own selectors, by a beat task every few minutes.
- The robot API not answering for longer than the configured minutes: probed by a beat task every minute.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from brm.common.formatacao import formatar_competencia, formatar_moeda
from brm.rpa.selectors import configuracao_rpa_obter
from brm.rpa.services import configuracao_rpa_testar_conexao
from processos.models import Execucao, Processo
from processos.selectors import (
    competencia_anterior,
    execucoes_falhas_a_reexecutar,
    processo_data_esperada,
    processos_atrasados,
    processos_vencimento_proximo,
)

from ..models import ConfiguracaoDeAlertas, TipoDeAlerta
from ..selectors import alerta_tem_destinatario, configuracao_alertas_obter
from .eventos import NovoEvento, alerta_registrar, alertas_registrar

logger = logging.getLogger(__name__)

T = TipoDeAlerta


def _caminho_processo(processo: Processo) -> str:
    return reverse("admin:processos_processo_change", args=[processo.pk])


def _nome_processo(processo: Processo) -> str:
    cliente = processo.cliente
    return f"{cliente} ({cliente.operadora.nome}) · {formatar_competencia(processo.competencia)}"


def _dias(n: int) -> str:
    return "1 dia" if n == 1 else f"{n} dias"


# Failed robot jobs ---------------------------------------------------------------------------------------------


def execucao_falha_alertar(*, execucao: Execucao, mensagem: str) -> bool:
    """Record the failure of `execucao` when it waits for a person now: no automatic re-run was queued, its process
    still needs that kind of job, and no other job of that kind is live for it (the painel's own test). Called in
    the failure's transaction, after the automatic re-run was (or was not) queued."""
    if not alerta_tem_destinatario(tipo=T.EXECUCAO_FALHOU):
        return False
    if not execucoes_falhas_a_reexecutar(Execucao.objects.filter(pk=execucao.pk)).exists():
        return False
    processo = Processo.objects.select_related("cliente__operadora").get(pk=execucao.processo_id)
    return alerta_registrar(
        tipo=T.EXECUCAO_FALHOU,
        chave=f"execucao:{execucao.pk}",
        titulo=f"{Execucao.Tipo(execucao.tipo).label} · {_nome_processo(processo)} · tentativa {execucao.tentativa}",
        detalhe=mensagem,
        caminho=reverse("admin:processos_execucao_change", args=[execucao.pk]),
    )


# Invoices -----------------------------------------------------------------------------------------------------------


def faturas_atrasadas_alertar(*, hoje: dt.date) -> int:
    """Record each process of this month or the last still waiting for its invoice after the day it was expected
    (the painel's `processos_atrasados`); how many were new. Last month's too: an invoice expected on the 31st is
    late only from the 1st. Older months are left to the painel, so turning alerts on does not mail a backlog."""
    if not alerta_tem_destinatario(tipo=T.FATURA_ATRASADA):
        return 0
    atrasados = (
        processos_atrasados(hoje=hoje)
        .filter(competencia__gte=competencia_anterior(hoje.replace(day=1)))
        .select_related("cliente__operadora")
        .order_by("dia_esperado", "cliente__razao_social")
    )
    eventos = []
    for processo in atrasados:
        esperada = processo_data_esperada(processo)
        eventos.append(
            NovoEvento(
                chave=f"processo:{processo.pk}",
                titulo=_nome_processo(processo),
                detalhe=f"A fatura era esperada em {esperada:%d/%m/%Y} (há {_dias((hoje - esperada).days)}) "
                "e o processo ainda aguarda o download.",
                caminho=_caminho_processo(processo),
            )
        )
    return alertas_registrar(tipo=T.FATURA_ATRASADA, eventos=eventos)


def vencimentos_proximos_alertar(*, hoje: dt.date, dias: int | None = None) -> int:
    """Record each invoice waiting approval that falls due within `dias` days (the configured ones by default), or
    is overdue (the painel's `processos_vencimento_proximo`); how many were new. The key carries the due date: an
    invoice whose due date is corrected is reported again."""
    if not alerta_tem_destinatario(tipo=T.VENCIMENTO_PROXIMO):
        return 0
    if dias is None:
        dias = configuracao_alertas_obter().dias_vencimento
    processos = (
        processos_vencimento_proximo(hoje=hoje, dias=dias)
        .select_related("cliente__operadora")
        .order_by("vencimento", "cliente__razao_social")
    )
    eventos = []
    for processo in processos:
        faltam = (processo.vencimento - hoje).days
        if faltam < 0:
            quando = f"Venceu em {processo.vencimento:%d/%m/%Y} (há {_dias(-faltam)})"
        elif faltam == 0:
            quando = f"Vence hoje, {processo.vencimento:%d/%m/%Y}"
        else:
            quando = f"Vence em {processo.vencimento:%d/%m/%Y} (daqui a {_dias(faltam)})"
        eventos.append(
            NovoEvento(
                chave=f"processo:{processo.pk}:{processo.vencimento.isoformat()}",
                titulo=_nome_processo(processo),
                detalhe=f"{quando}, {formatar_moeda(processo.valor_total)}, e ainda aguarda aprovação.",
                caminho=_caminho_processo(processo),
            )
        )
    return alertas_registrar(tipo=T.VENCIMENTO_PROXIMO, eventos=eventos)


# The robot API ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SituacaoDaApi:
    """What one probe found: `ok`, since when the API is down (None when up), and whether an alert was recorded."""

    ok: bool
    fora_desde: dt.datetime | None = None
    alertou: bool = False
    mensagem: str = ""


def api_robos_verificar() -> SituacaoDaApi:
    """Probe the robot API (the admin's connection test) and keep track of the outage it may be in.

    The first failed probe opens an outage (`api_robos_fora_desde`); once it has lasted the configured minutes, one
    event is recorded for it (`api_robos_alertada_em` says it was); the first good probe closes it and, if it was
    reported, records that the API is back. A single failed probe between good ones is never reported. Nothing is
    probed while nobody receives this alert. The state changes are conditional updates: two probes at once
    record an outage once.
    """
    tipo = T.API_ROBOS_FORA
    if not alerta_tem_destinatario(tipo=tipo):
        ConfiguracaoDeAlertas.objects.filter(api_robos_fora_desde__isnull=False).update(
            api_robos_fora_desde=None, api_robos_alertada_em=None, api_robos_erro=""
        )
        return SituacaoDaApi(ok=True, mensagem="Ninguém recebe este alerta: a API de robôs não foi consultada.")
    configuracao_rpa = configuracao_rpa_obter()
    resultado = configuracao_rpa_testar_conexao(configuracao=configuracao_rpa, registrar=False)
    # Read after the probe, which may have waited for its time-out.
    agora = timezone.now()
    configuracao = configuracao_alertas_obter()
    linha = ConfiguracaoDeAlertas.objects.filter(pk=configuracao.pk)
    desde = configuracao.api_robos_fora_desde
    caminho = reverse("admin:rpa_configuracaorpa_change", args=[configuracao_rpa.pk])

    if resultado.ok:
        if desde is None:
            return SituacaoDaApi(ok=True, mensagem=resultado.mensagem)
        with transaction.atomic():
            fechou = linha.filter(api_robos_fora_desde=desde).update(
                api_robos_fora_desde=None, api_robos_alertada_em=None, api_robos_erro=""
            )
            if fechou and configuracao.api_robos_alertada_em is not None:
                minutos = _minutos(agora - desde)
                alerta_registrar(
                    tipo=tipo,
                    chave=f"volta:{desde.isoformat()}",
                    titulo="A API de robôs voltou a responder",
                    detalhe=f"A API de robôs em {configuracao_rpa.url_base} voltou a responder às "
                    f"{timezone.localtime(agora):%H:%M} de {timezone.localtime(agora):%d/%m/%Y}, depois de "
                    f"{minutos} min sem responder.",
                    caminho=caminho,
                )
        logger.info("A API de robôs voltou a responder depois de %s min.", _minutos(agora - desde))
        return SituacaoDaApi(ok=True, mensagem=resultado.mensagem)

    if desde is None:
        if linha.filter(api_robos_fora_desde__isnull=True).update(
            api_robos_fora_desde=agora, api_robos_alertada_em=None, api_robos_erro=resultado.mensagem
        ):
            logger.warning("A API de robôs não respondeu: %s", resultado.mensagem)
        return SituacaoDaApi(ok=False, fora_desde=agora, mensagem=resultado.mensagem)

    linha.filter(api_robos_fora_desde=desde).update(api_robos_erro=resultado.mensagem)
    limite = dt.timedelta(minutes=configuracao.minutos_api_fora)
    if configuracao.api_robos_alertada_em is not None or agora - desde < limite:
        return SituacaoDaApi(ok=False, fora_desde=desde, mensagem=resultado.mensagem)
    with transaction.atomic():
        if not linha.filter(api_robos_fora_desde=desde, api_robos_alertada_em__isnull=True).update(
            api_robos_alertada_em=agora
        ):
            return SituacaoDaApi(ok=False, fora_desde=desde, mensagem=resultado.mensagem)
        local = timezone.localtime(desde)
        alertou = alerta_registrar(
            tipo=tipo,
            chave=f"queda:{desde.isoformat()}",
            titulo="A API de robôs está fora do ar",
            detalhe=f"A API de robôs em {configuracao_rpa.url_base} não responde desde {local:%H:%M} de "
            f"{local:%d/%m/%Y} (há {_minutos(agora - desde)} min). Último erro: {resultado.mensagem}",
            caminho=caminho,
        )
    logger.warning("A API de robôs está fora do ar há %s min: alerta registrado.", _minutos(agora - desde))
    return SituacaoDaApi(ok=False, fora_desde=desde, alertou=alertou, mensagem=resultado.mensagem)


def _minutos(duracao: dt.timedelta) -> int:
    return int(duracao.total_seconds() // 60)
