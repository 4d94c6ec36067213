"""Cron expressions as beat reads them: Celery's parser, its AND rule for days, its handling of daylight saving."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from croniter import croniter
from django_celery_beat.models import CrontabSchedule
from django_celery_beat.tzcrontab import TzAwareCrontab

from agendamentos.cron import NOTA_DIA_E_SEMANA, cron_campos, cron_validar, descrever_cron, proximas_execucoes
from agendamentos.selectors import agendamento_proximas_execucoes
from brm.celery import app
from brm.common.errors import ErroDeNegocio

from ..factories import AgendamentoFactory

UTC = dt.UTC
SP = ZoneInfo("America/Sao_Paulo")
NY = ZoneInfo("America/New_York")
LISBOA = ZoneInfo("Europe/Lisbon")


def utc(*partes) -> dt.datetime:
    return dt.datetime(*partes, tzinfo=UTC)


def em_utc(instantes) -> list[dt.datetime]:
    return [instante.astimezone(UTC) for instante in instantes]


def erro_de(expressao: str) -> ErroDeNegocio:
    with pytest.raises(ErroDeNegocio) as info:
        cron_validar(expressao)
    assert info.value.codigo == ErroDeNegocio.INVALIDO
    assert info.value.dados == {"campo": "expressao_cron"}
    return info.value


# Validation


@pytest.mark.parametrize(
    "expressao",
    ["0 0 1 * *", "*/15 8-18 * * 1-5", "0 9 * * mon-fri", "0 9 * jan,jul *", "0 9 * * 0", "0 22-2 * * *", "0 9 1 * 1"],
)
def test_expressoes_validas_sao_aceitas_e_separadas_nos_campos_com_nome(expressao):
    campos = cron_campos(expressao)

    assert cron_validar(expressao) == expressao
    assert list(campos) == ["minute", "hour", "day_of_month", "month_of_year", "day_of_week"]
    assert " ".join(campos.values()) == expressao


def test_espacos_a_mais_nao_mudam_os_campos():
    assert cron_validar("  0   9 * *  1 ") == "0 9 * * 1"
    assert cron_campos("  0   9 * *  1 ") == cron_campos("0 9 * * 1")


@pytest.mark.parametrize("expressao", ["0 9 * * 7", "0 9 * * 1-7", "0 9 * * 0,7", "0 9 * * 5-7"])
def test_sete_para_domingo_e_recusado_com_a_explicacao(expressao):
    erro = erro_de(expressao)

    assert "Use 0 para domingo: o Celery não aceita 7." in erro.mensagem
    assert erro.mensagem.startswith("Dia da semana inválido")


def test_sete_passa_nos_validadores_do_beat_mas_o_celery_nao_o_carrega():
    """Why the check exists: beat's own form accepts 7 and beat then drops the task without a visible error."""
    linha = CrontabSchedule(minute="0", hour="9", day_of_week="7", day_of_month="*", month_of_year="*")
    linha.full_clean()

    with pytest.raises(ValueError):
        linha.schedule  # noqa: B018


@pytest.mark.parametrize(("expressao", "quantos"), [("0 9 * *", 4), ("0 9 * * * *", 6), ("0", 1)])
def test_quatro_ou_seis_campos_sao_recusados(expressao, quantos):
    erro = erro_de(expressao)

    assert "exatamente 5 campos" in erro.mensagem
    assert f"esta tem {quantos}" in erro.mensagem


@pytest.mark.parametrize("expressao", ["", "   ", None])
def test_expressao_vazia_e_recusada(expressao):
    assert "Informe a expressão cron" in erro_de(expressao).mensagem


@pytest.mark.parametrize(
    ("expressao", "inicio"),
    [
        ("60 * * * *", "Minuto inválido: “60”"),
        ("x * * * *", "Minuto inválido: “x”"),
        ("*/0 * * * *", "Minuto inválido"),
        ("0 24 * * *", "Hora inválida: “24”"),
        ("0 0 0 * *", "Dia do mês inválido: “0”"),
        ("0 0 32 * *", "Dia do mês inválido: “32”"),
        ("0 9 ? * *", "Dia do mês inválido: “?”"),
        ("0 9 L * *", "Dia do mês inválido: “L”"),
        ("0 0 * 13 *", "Mês inválido: “13”"),
        ("0 0 * 0 *", "Mês inválido: “0”"),
        ("0 9 * * 1#2", "Dia da semana inválido: “1#2”"),
        ("0 9 * * xyz", "Dia da semana inválido: “xyz”"),
        ("0 0 31 2 *", "O dia do mês “31” nunca acontece no mês “2”"),
        ("0 0 30 2 *", "O dia do mês “30” nunca acontece no mês “2”"),
    ],
)
def test_valores_invalidos_sao_recusados_nomeando_o_campo(expressao, inicio):
    assert erro_de(expressao).mensagem.startswith(inicio)


# Next runs


def test_proximas_em_sao_paulo_contam_o_mes_no_fuso_do_agendamento():
    # 22:30 of 30 November in São Paulo is already 1 December in UTC: the monthly run is still ahead.
    a_partir = utc(2026, 12, 1, 1, 30)

    proximas = proximas_execucoes("0 0 1 * *", "America/Sao_Paulo", a_partir, n=3)

    assert em_utc(proximas) == [utc(2026, 12, 1, 3), utc(2027, 1, 1, 3), utc(2027, 2, 1, 3)]
    assert all(p.tzinfo == SP and (p.hour, p.minute, p.day) == (0, 0, 1) for p in proximas)


def test_proximas_com_o_relogio_parado_num_instante_exato():
    agendamento = AgendamentoFactory.build(expressao_cron="0 2 * * *", fuso_horario="America/Sao_Paulo")

    with time_machine.travel(utc(2026, 11, 25, 4, 59, 59), tick=False):
        antes = agendamento_proximas_execucoes(agendamento=agendamento, n=2)
    with time_machine.travel(utc(2026, 11, 25, 5, 0, 0), tick=False):
        no_instante = agendamento_proximas_execucoes(agendamento=agendamento, n=2)

    # 02:00 in São Paulo is 05:00 UTC; at that very second the run is no longer "next".
    assert em_utc(antes) == [utc(2026, 11, 25, 5), utc(2026, 11, 26, 5)]
    assert em_utc(no_instante) == [utc(2026, 11, 26, 5), utc(2026, 11, 27, 5)]


def test_regra_e_do_celery_difere_do_cron_comum():
    a_partir = dt.datetime(2026, 11, 25, 12, 0, tzinfo=SP)

    proximas = proximas_execucoes("0 9 1 * 1", "America/Sao_Paulo", a_partir, n=3)

    # Plain cron (croniter's default, day_or=True) fires on the 1st OR on any Monday: next Monday, 30/11.
    cron_comum = croniter("0 9 1 * 1", a_partir.replace(tzinfo=None)).get_next(dt.datetime)
    assert cron_comum == dt.datetime(2026, 11, 30, 9, 0)
    # Celery fires only on a Monday that is the 1st: 1 February 2027, then 1 March 2027, then 1 November 2027.
    assert [p.replace(tzinfo=None) for p in proximas] == [
        dt.datetime(2027, 2, 1, 9),
        dt.datetime(2027, 3, 1, 9),
        dt.datetime(2027, 11, 1, 9),
    ]
    # Checked against Celery's own sets, day by day.
    tabela = crontab(minute="0", hour="9", day_of_month="1", month_of_year="*", day_of_week="1")
    dia, primeiro = a_partir.date(), None
    while primeiro is None:
        dia += dt.timedelta(days=1)
        if dia.day in tabela.day_of_month and dia.isoweekday() % 7 in tabela.day_of_week:
            primeiro = dia
    assert primeiro == dt.date(2027, 2, 1) == proximas[0].date()


def test_primavera_em_nova_york_0230_que_nao_existe_dispara_as_0330():
    # 8 March 2026: clocks go from 02:00 EST straight to 03:00 EDT.
    proximas = proximas_execucoes("30 2 * * *", "America/New_York", dt.datetime(2026, 3, 7, 12, tzinfo=NY), n=3)

    assert em_utc(proximas) == [utc(2026, 3, 8, 7, 30), utc(2026, 3, 9, 6, 30), utc(2026, 3, 10, 6, 30)]
    assert [(p.hour, p.minute, p.utcoffset()) for p in proximas] == [
        (3, 30, dt.timedelta(hours=-4)),
        (2, 30, dt.timedelta(hours=-4)),
        (2, 30, dt.timedelta(hours=-4)),
    ]


def test_outono_em_nova_york_0130_que_acontece_duas_vezes_dispara_uma_vez():
    # 1 November 2026: 01:00–02:00 happens twice (EDT, then EST).
    proximas = proximas_execucoes("30 1 * * *", "America/New_York", dt.datetime(2026, 10, 31, 12, tzinfo=NY), n=3)

    assert em_utc(proximas) == [utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30), utc(2026, 11, 3, 6, 30)]


def test_outono_a_partir_da_segunda_passagem_da_hora_repetida_nao_volta_atras():
    a_partir = dt.datetime(2026, 11, 1, 1, 10, tzinfo=NY, fold=1)  # 06:10 UTC, the second 01:10

    proximas = proximas_execucoes("30 1 * * *", "America/New_York", a_partir, n=1)

    assert em_utc(proximas) == [utc(2026, 11, 2, 6, 30)]


def test_primavera_em_lisboa_0130_que_nao_existe_dispara_as_0230():
    # 29 March 2026: Lisbon goes from 01:00 WET straight to 02:00 WEST.
    proximas = proximas_execucoes("30 1 * * *", "Europe/Lisbon", dt.datetime(2026, 3, 28, 12, tzinfo=LISBOA), n=3)

    assert em_utc(proximas) == [utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30), utc(2026, 3, 31, 0, 30)]
    assert (proximas[0].hour, proximas[0].minute) == (2, 30)


def test_proximas_de_hora_em_hora_na_virada_de_outono_pulam_a_hora_repetida():
    proximas = proximas_execucoes("0 * * * *", "America/New_York", utc(2026, 11, 1, 3, 30), n=4)

    assert em_utc(proximas) == [utc(2026, 11, 1, 4), utc(2026, 11, 1, 5), utc(2026, 11, 1, 7), utc(2026, 11, 1, 8)]


def _disparos_do_beat(expressao: str, fuso: str, inicio: dt.datetime, fim: dt.datetime) -> list[dt.datetime]:
    """What django-celery-beat's own schedule fires, minute by minute, the way its scheduler asks it."""
    minuto, hora, dia, mes, semana = expressao.split()
    agora = inicio

    tabela = TzAwareCrontab(
        minute=minuto, hour=hora, day_of_month=dia, month_of_year=mes, day_of_week=semana, tz=ZoneInfo(fuso), app=app
    )
    tabela.nowfun = lambda: agora.astimezone(ZoneInfo(fuso))
    ultima, disparos = inicio, []
    while agora < fim:
        if tabela.is_due(ultima.astimezone(app.timezone)).is_due:
            disparos.append(agora)
            ultima = agora
        agora += dt.timedelta(minutes=1)
    return disparos


@pytest.mark.parametrize(
    ("expressao", "fuso", "inicio"),
    [
        ("30 2 * * *", "America/New_York", utc(2026, 3, 7, 12)),
        ("0,20,40 1,2 * * *", "America/New_York", utc(2026, 3, 7, 12)),
        ("30 1 * * *", "America/New_York", utc(2026, 10, 31, 12)),
        ("*/30 * * * *", "America/New_York", utc(2026, 11, 1, 2)),
        ("30 1 * * *", "Europe/Lisbon", utc(2026, 3, 28, 12)),
        ("15 1-3 * * *", "Europe/Lisbon", utc(2026, 10, 24, 12)),
        ("0,20,40 1,2 * * *", "Australia/Lord_Howe", utc(2026, 10, 3, 6)),
        ("0 0 1 * *", "America/Sao_Paulo", utc(2026, 11, 30, 12)),
    ],
)
def test_proximas_coincidem_com_o_que_o_beat_dispara_na_virada_do_horario_de_verao(expressao, fuso, inicio):
    fim = inicio + dt.timedelta(hours=40)

    disparos = _disparos_do_beat(expressao, fuso, inicio, fim)
    proximas = [p for p in em_utc(proximas_execucoes(expressao, fuso, inicio, n=len(disparos) + 3)) if p < fim]

    assert disparos
    assert proximas == disparos


# Descriptions


@pytest.mark.parametrize(
    ("expressao", "esperado"),
    [
        ("0 0 1 * *", "Às 00:00, no dia 1 do mês"),
        ("0 2 * * *", "Às 02:00"),
        ("30 3 * * *", "Às 03:30"),
        ("0 9 * * 1", "Às 09:00, somente de segunda-feira"),
        ("*/15 8-18 * * 1-5", "A cada 15 minutos, entre 08:00 e 18:59, de segunda-feira a sexta-feira"),
        ("0 0 1 1,7 *", "Às 00:00, no dia 1 do mês, somente em janeiro e julho"),
        ("* * * * *", "A cada minuto"),
    ],
)
def test_descricao_em_portugues(expressao, esperado):
    assert descrever_cron(expressao) == esperado


def test_descricao_avisa_quando_dia_do_mes_e_dia_da_semana_precisam_coincidir():
    descricao = descrever_cron("0 9 1 * 1")

    assert descricao == f"Às 09:00, no dia 1 do mês, somente de segunda-feira {NOTA_DIA_E_SEMANA}"
    assert NOTA_DIA_E_SEMANA == "(somente quando o dia do mês e o dia da semana coincidem)"


def test_descricao_de_expressao_invalida_e_o_erro():
    with pytest.raises(ErroDeNegocio) as erro:
        descrever_cron("0 9 * * 7")

    assert erro.value.mensagem == erro_de("0 9 * * 7").mensagem
