"""The rules on clients: the database's constraints and `full_clean()`."""

import pytest
from django.core.exceptions import ValidationError

from clientes.models import Cliente
from tests.conftest import recusado_pelo_banco
from tests.factories import ClienteFactory, OperadoraFactory

pytestmark = pytest.mark.django_db


def test_cliente_repetido_na_mesma_operadora_cnpj_e_conta_e_recusado():
    cliente = ClienteFactory()

    with recusado_pelo_banco(
        "cliente_unico_por_operadora_cnpj_conta",
        "clientes_cliente.operadora_id, clientes_cliente.cnpj, clientes_cliente.conta",
    ):
        ClienteFactory(operadora=cliente.operadora, cnpj=cliente.cnpj, conta=cliente.conta)

    assert Cliente.objects.count() == 1


def test_mesmo_cnpj_com_outra_conta_ou_outra_operadora_e_aceito():
    cliente = ClienteFactory()

    ClienteFactory(operadora=cliente.operadora, cnpj=cliente.cnpj, conta="outra-conta")
    ClienteFactory(cnpj=cliente.cnpj, conta=cliente.conta)

    assert Cliente.objects.filter(cnpj=cliente.cnpj).count() == 3


@pytest.mark.parametrize("dia", [0, 32])
def test_dia_de_emissao_fora_de_1_a_31_e_recusado(dia):
    with recusado_pelo_banco("cliente_dia_emissao_valido"):
        ClienteFactory(dia_emissao=dia)

    assert not Cliente.objects.exists()


@pytest.mark.parametrize("dia", [None, 1, 31])
def test_dia_de_emissao_vazio_ou_entre_1_e_31_e_aceito(dia):
    cliente = ClienteFactory(dia_emissao=dia)

    cliente.refresh_from_db()
    assert cliente.dia_emissao == dia


def test_full_clean_do_cliente_recusa_dia_de_emissao_32():
    cliente = ClienteFactory.build(operadora=OperadoraFactory(), dia_emissao=32)

    with pytest.raises(ValidationError) as info:
        cliente.full_clean()

    assert list(info.value.message_dict) == ["dia_emissao"]
