"""A schedule's timing checked by the model too: one made in the shell is refused as the services refuse it."""

import pytest
from django.core.exceptions import ValidationError

from agendamentos.cron import cron_validar, fuso_validar
from agendamentos.forms import AgendamentoForm
from agendamentos.models import Agendamento
from agendamentos.services import agendamento_criar
from brm.common.errors import ErroDeNegocio

from ..factories import AgendamentoFactory

pytestmark = pytest.mark.django_db


def mensagens(agendamento: Agendamento) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        agendamento.full_clean()
    return info.value.message_dict


def mensagem_de(validar, valor) -> str:
    with pytest.raises(ErroDeNegocio) as info:
        validar(valor)
    return info.value.mensagem


@pytest.mark.parametrize("cron", ["0 9 * * 7", "0 9 * *", "0 25 * * *", "0 0 31 2 *", "0 9 L * *"])
def test_full_clean_recusa_cron_invalido_no_campo_com_a_mensagem_do_validador(cron):
    erros = mensagens(AgendamentoFactory.build(expressao_cron=cron))

    assert erros == {"expressao_cron": [mensagem_de(cron_validar, cron)]}


def test_full_clean_recusa_fuso_desconhecido_no_campo_com_a_mensagem_do_validador():
    erros = mensagens(AgendamentoFactory.build(fuso_horario="Marte/Olimpo"))

    assert erros == {"fuso_horario": [mensagem_de(fuso_validar, "Marte/Olimpo")]}


def test_full_clean_mostra_os_erros_de_cron_e_fuso_juntos():
    erros = mensagens(AgendamentoFactory.build(expressao_cron="0 9 * * 7", fuso_horario="UTC+3"))

    assert set(erros) == {"expressao_cron", "fuso_horario"}


def test_full_clean_recusa_como_o_servico_recusa():
    with pytest.raises(ErroDeNegocio) as servico:
        agendamento_criar(por=None, nome="Semanal", tipo=Agendamento.Tipo.LIMPEZA_LOGS, expressao_cron="0 9 * * 7")

    erros = mensagens(AgendamentoFactory.build(nome="Semanal", expressao_cron="0 9 * * 7"))

    assert erros[servico.value.dados["campo"]] == [servico.value.mensagem]
    assert not Agendamento.objects.exists()


def test_full_clean_aceita_cron_e_fuso_validos_e_tira_os_espacos_a_mais():
    agendamento = AgendamentoFactory.build(expressao_cron="  0   9 * *  1 ", fuso_horario=" Europe/Lisbon ")

    agendamento.full_clean()

    assert (agendamento.expressao_cron, agendamento.fuso_horario) == ("0 9 * * 1", "Europe/Lisbon")


def test_full_clean_com_cron_vazio_da_uma_mensagem_so():
    erros = mensagens(AgendamentoFactory.build(expressao_cron=""))

    assert list(erros) == ["expressao_cron"] and len(erros["expressao_cron"]) == 1


@pytest.mark.parametrize("cron", ["0 9 * * 7", ""])
def test_formulario_novo_com_cron_invalido_mostra_uma_mensagem_so(cron):
    dados = {"nome": "Novo", "tipo": Agendamento.Tipo.LIMPEZA_LOGS, "ativo": "on", "fuso_horario": "America/Sao_Paulo"}
    formulario = AgendamentoForm(data={**dados, "expressao_cron": cron, "parametros": "{}"})

    assert not formulario.is_valid()
    assert list(formulario.errors) == ["expressao_cron"]
    assert len(formulario.errors["expressao_cron"]) == 1
