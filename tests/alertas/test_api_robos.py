"""The robot API monitor: a closed port for longer than the configured minutes is one alert per outage, the
first good answer closes it (and says so), a short blip is never reported, and nobody listening means no probe."""

import datetime as dt

import pytest
import time_machine

from brm.alertas.models import ConfiguracaoDeAlertas, EventoDeAlerta, TipoDeAlerta
from brm.alertas.selectors import configuracao_alertas_obter
from brm.alertas.services import alertas_enviar, api_robos_verificar
from brm.alertas.tasks import verificar_api_robos
from brm.rpa.selectors import configuracao_rpa_obter
from tests.conftest import porta_fechada
from tests.factories import ConfiguracaoRPAFactory

from .conftest import mensagem, texto

pytestmark = pytest.mark.django_db

T = TipoDeAlerta
# 10:00 in São Paulo.
INICIO = dt.datetime(2026, 11, 20, 13, 0, tzinfo=dt.UTC)


@pytest.fixture
def fora_do_ar(db):
    """The robot API configured at a port where nothing listens."""
    return ConfiguracaoRPAFactory(url_base=f"http://127.0.0.1:{porta_fechada()}", timeout_http_segundos=1)


@pytest.fixture
def dez_minutos(receber):
    receber(T.API_ROBOS_FORA)
    configuracao = configuracao_alertas_obter()
    configuracao.minutos_api_fora = 10
    configuracao.save()
    return configuracao


def verificar_em(minutos: float):
    with time_machine.travel(INICIO + dt.timedelta(minutes=minutos), tick=False):
        return api_robos_verificar()


def estado() -> ConfiguracaoDeAlertas:
    return configuracao_alertas_obter()


def test_api_fora_do_ar_por_mais_de_n_minutos_gera_um_alerta_por_queda(fora_do_ar, dez_minutos, simulador, smtp):
    primeira = verificar_em(0)

    assert not primeira.ok and primeira.fora_desde == INICIO
    assert "a conexão foi recusada" in primeira.mensagem
    assert estado().api_robos_fora_desde == INICIO
    assert not EventoDeAlerta.objects.exists()

    # Down for less than ten minutes: nobody is told yet.
    assert not verificar_em(9).alertou
    assert not EventoDeAlerta.objects.exists()

    dez = verificar_em(10)

    assert dez.alertou
    (evento,) = EventoDeAlerta.objects.all()
    assert evento.tipo == T.API_ROBOS_FORA and evento.titulo == "A API de robôs está fora do ar"
    assert evento.detalhe.startswith(
        f"A API de robôs em {fora_do_ar.url_base} não responde desde 10:00 de 20/11/2026 (há 10 min). Último erro: "
    )
    assert evento.caminho == f"/admin/rpa/configuracaorpa/{fora_do_ar.pk}/change/"
    assert estado().api_robos_alertada_em == INICIO + dt.timedelta(minutes=10)

    # Still down: the same outage is not told again.
    for minuto in (11, 30, 90):
        assert not verificar_em(minuto).alertou
    assert EventoDeAlerta.objects.count() == 1

    with time_machine.travel(INICIO + dt.timedelta(minutes=11), tick=False):
        assert alertas_enviar().enviados == {T.API_ROBOS_FORA.value: 1}
    (envelope,) = smtp.envelopes
    assert str(mensagem(envelope)["Subject"]).strip() == "BRM · API de robôs: 1 aviso"
    assert "A API de robôs está fora do ar" in texto(envelope)

    # The API answers again: the outage closes, and the people told of it hear that it is over.
    configuracao = configuracao_rpa_obter()
    configuracao.url_base, configuracao.token = simulador.url, simulador.token
    configuracao.save()
    volta = verificar_em(95)

    assert volta.ok and volta.fora_desde is None
    assert estado().api_robos_fora_desde is None and estado().api_robos_alertada_em is None
    voltou = EventoDeAlerta.objects.get(chave__startswith="volta:")
    assert voltou.titulo == "A API de robôs voltou a responder"
    assert voltou.detalhe == (
        f"A API de robôs em {simulador.url} voltou a responder às 11:35 de 20/11/2026, depois de 95 min sem responder."
    )

    # A new outage is a new alert.
    configuracao.url_base = fora_do_ar.url_base
    configuracao.save()
    verificar_em(100)
    assert verificar_em(110).alertou
    assert EventoDeAlerta.objects.filter(chave__startswith="queda:").count() == 2


def test_falha_curta_entre_respostas_nao_gera_alerta(fora_do_ar, dez_minutos, simulador):
    verificar_em(0)
    configuracao = configuracao_rpa_obter()
    configuracao.url_base, configuracao.token = simulador.url, simulador.token
    configuracao.save()

    assert verificar_em(1).ok

    assert estado().api_robos_fora_desde is None
    assert not EventoDeAlerta.objects.exists()


def test_token_recusado_tambem_e_api_indisponivel(dez_minutos, simulador):
    ConfiguracaoRPAFactory(url_base=simulador.url, token="token-errado")

    situacao = verificar_em(0)

    assert not situacao.ok and "recusou o token (HTTP 401)" in situacao.mensagem
    assert verificar_em(10).alertou


def test_sem_destinatario_a_api_nao_e_consultada(fora_do_ar, receber):
    receber(T.FATURA_ATRASADA)

    with time_machine.travel(INICIO, tick=False):
        assert verificar_api_robos()

    assert estado().api_robos_fora_desde is None
    assert not EventoDeAlerta.objects.exists()
