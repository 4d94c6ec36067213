"""The rules on operators: the database's constraints and the one-row rules of `clean()`."""

import pytest
from django.core.exceptions import ValidationError

from operadoras.models import Operadora
from tests.conftest import recusado_pelo_banco
from tests.factories import OperadoraFactory

pytestmark = pytest.mark.django_db


def test_operadora_sem_execucoes_simultaneas_e_recusada():
    with recusado_pelo_banco("operadora_max_execucoes_positivo"):
        OperadoraFactory(max_execucoes_simultaneas=0)

    assert not Operadora.objects.exists()


def test_robo_terceirizado_sem_endereco_e_recusado():
    with recusado_pelo_banco("operadora_terceirizado_tem_endereco"):
        OperadoraFactory(rpa_terceirizado=True, url_endpoint_rpa="")

    assert not Operadora.objects.exists()


def test_robo_terceirizado_com_endereco_e_aceito():
    operadora = OperadoraFactory(rpa_terceirizado=True, url_endpoint_rpa="https://robo.terceiro.example/api")

    operadora.refresh_from_db()
    assert operadora.rpa_terceirizado


def test_clean_da_operadora_exige_endereco_do_robo_terceirizado():
    operadora = Operadora(nome="Terceira", codigo="terceira", rpa_terceirizado=True, url_endpoint_rpa="")

    with pytest.raises(ValidationError) as info:
        operadora.clean()

    assert info.value.message_dict == {"url_endpoint_rpa": ["Informe o endereço do robô terceirizado."]}


def test_clean_da_operadora_exige_possui_robo_quando_terceirizado():
    operadora = Operadora(
        nome="Terceira",
        codigo="terceira",
        possui_rpa=False,
        rpa_terceirizado=True,
        url_endpoint_rpa="https://robo.terceiro.example/api",
    )

    with pytest.raises(ValidationError) as info:
        operadora.clean()

    assert info.value.message_dict == {"possui_rpa": ["Um robô terceirizado é um robô: marque “possui robô”."]}


def test_full_clean_da_operadora_recusa_zero_execucoes_simultaneas():
    operadora = Operadora(nome="Lenta", codigo="lenta", max_execucoes_simultaneas=0)

    with pytest.raises(ValidationError) as info:
        operadora.full_clean()

    assert list(info.value.message_dict) == ["max_execucoes_simultaneas"]


def test_operadora_sem_robo_terceirizado_passa_no_full_clean():
    propria = Operadora(nome="Vivo", codigo="vivo")
    terceirizada = Operadora(
        nome="Terceira", codigo="terceira", rpa_terceirizado=True, url_endpoint_rpa="https://robo.terceiro.example/"
    )

    for operadora in (propria, terceirizada):
        operadora.full_clean()  # raises ValidationError when it refuses
        operadora.save()

    # What full_clean accepts, the database's own rules accept too.
    assert set(Operadora.objects.values_list("codigo", "rpa_terceirizado")) == {("vivo", False), ("terceira", True)}


@pytest.mark.parametrize("dia", [0, 29])
def test_dia_de_emissao_da_operadora_fora_de_1_a_28_e_recusado(dia):
    with recusado_pelo_banco("operadora_dia_emissao_valido"):
        OperadoraFactory(dia_emissao=dia)

    assert not Operadora.objects.exists()


@pytest.mark.parametrize("dia", [None, 1, 28])
def test_dia_de_emissao_da_operadora_vazio_ou_de_1_a_28_e_aceito(dia):
    operadora = Operadora(nome="Vivo", codigo="vivo", dia_emissao=dia)

    operadora.full_clean()
    operadora.save()

    operadora.refresh_from_db()
    assert operadora.dia_emissao == dia


def test_full_clean_recusa_dia_de_emissao_29_que_nao_existe_em_fevereiro():
    operadora = Operadora(nome="Vivo", codigo="vivo", dia_emissao=29)

    with pytest.raises(ValidationError) as info:
        operadora.full_clean()

    assert list(info.value.message_dict) == ["dia_emissao"]
