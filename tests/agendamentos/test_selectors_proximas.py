"""The next run of every active schedule, as the painel lists them: soonest first, each in its own zone."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from agendamentos.selectors import agendamentos_ativos, agendamentos_proximas_execucoes
from tests.factories import AgendamentoFactory

pytestmark = pytest.mark.django_db

# 15/11/2026 12:00 in São Paulo (UTC-03:00, no daylight saving since 2019).
AGORA = dt.datetime(2026, 11, 15, 15, 0, tzinfo=dt.UTC)


def test_proximas_dos_ativos_mais_cedo_primeiro_no_fuso_de_cada_um():
    noturno = AgendamentoFactory(nome="Downloads", expressao_cron="0 2 * * *")
    mensal = AgendamentoFactory(nome="Mensal", expressao_cron="0 0 1 * *")
    lisboa = AgendamentoFactory(nome="Lisboa", expressao_cron="0 16 * * *", fuso_horario="Europe/Lisbon")
    AgendamentoFactory(nome="Desligado", expressao_cron="* * * * *", ativo=False)

    proximas = agendamentos_proximas_execucoes(agora=AGORA)

    assert [(agendamento, instante) for agendamento, instante in proximas] == [
        (lisboa, dt.datetime(2026, 11, 15, 16, 0, tzinfo=ZoneInfo("Europe/Lisbon"))),
        (noturno, dt.datetime(2026, 11, 16, 2, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))),
        (mensal, dt.datetime(2026, 12, 1, 0, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))),
    ]
    # Each instant is on its schedule's own wall clock.
    assert [instante.utcoffset() for _, instante in proximas] == [
        dt.timedelta(0),
        dt.timedelta(hours=-3),
        dt.timedelta(hours=-3),
    ]


def test_proximas_respeitam_o_limite():
    AgendamentoFactory(nome="A", expressao_cron="0 2 * * *")
    AgendamentoFactory(nome="B", expressao_cron="0 3 * * *")

    proximas = agendamentos_proximas_execucoes(agora=AGORA, limite=1)

    assert [agendamento.nome for agendamento, _ in proximas] == ["A"]


def test_expressao_que_nao_le_mais_fica_de_fora_mas_conta_como_ativo():
    # Written around the service, as an old row could be: the painel must not break on it.
    AgendamentoFactory(nome="Quebrado", expressao_cron="isto não é cron")
    AgendamentoFactory(nome="Certo", expressao_cron="0 2 * * *")

    assert [agendamento.nome for agendamento, _ in agendamentos_proximas_execucoes(agora=AGORA)] == ["Certo"]
    assert agendamentos_ativos().count() == 2
