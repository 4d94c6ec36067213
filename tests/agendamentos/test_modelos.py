"""The rules the database itself enforces on schedules."""

import pytest

from agendamentos.models import Agendamento
from tests.conftest import recusado_pelo_banco
from tests.factories import AgendamentoFactory

pytestmark = pytest.mark.django_db


def test_agendamento_com_nome_repetido_e_recusado():
    AgendamentoFactory(nome="Processos do mês")

    with recusado_pelo_banco("agendamentos_agendamento.nome", "agendamentos_agendamento_nome"):
        AgendamentoFactory(nome="Processos do mês", expressao_cron="0 7 1 * *")

    assert Agendamento.objects.count() == 1
