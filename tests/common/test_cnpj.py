"""CNPJ validation, numeric and alphanumeric (in force since July 2026), and how it is stored and shown."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from brm.common.fields import CNPJField, CNPJFormField, cnpj_formatar, cnpj_normalizar, validar_cnpj
from clientes.models import Cliente
from tests.factories import OperadoraFactory


@pytest.mark.parametrize(
    "cnpj",
    ["11.222.333/0001-81", "11222333000181", "12.ABC.345/01DE-35", "12ABC34501DE35", "12.abc.345/01de-35"],
)
def test_cnpj_valido_e_aceito(cnpj):
    validar_cnpj(cnpj)  # raises ValidationError when it refuses

    # The model field runs the same validator and keeps the 14 characters.
    assert CNPJField().clean(cnpj, None) == cnpj_normalizar(cnpj)
    assert len(cnpj_normalizar(cnpj)) == 14


@pytest.mark.parametrize("cnpj", ["11.222.333/0001-82", "11.222.333/0001-91", "12.ABC.345/01DE-36"])
def test_cnpj_com_digito_verificador_errado_e_recusado(cnpj):
    with pytest.raises(ValidationError) as info:
        validar_cnpj(cnpj)

    assert info.value.code == "cnpj_invalido"
    assert info.value.messages == ["CNPJ inválido: os dígitos verificadores não conferem."]


@pytest.mark.parametrize("cnpj", ["1122233300018", "112223330001811", "12.ABC.345/01DE-3", ""])
def test_cnpj_com_tamanho_errado_e_recusado(cnpj):
    with pytest.raises(ValidationError) as info:
        validar_cnpj(cnpj)

    assert info.value.code == "cnpj_tamanho"
    assert info.value.messages == ["CNPJ deve ter 14 caracteres (números ou letras e números)."]


def test_normalizar_tira_pontuacao_e_poe_em_maiusculas():
    assert cnpj_normalizar(" 12.abc.345/01de-35 ") == "12ABC34501DE35"
    assert cnpj_normalizar("11.222.333/0001-81") == "11222333000181"
    assert cnpj_normalizar("") == ""


def test_formatar_poe_a_pontuacao():
    assert cnpj_formatar("11222333000181") == "11.222.333/0001-81"
    assert cnpj_formatar("12ABC34501DE35") == "12.ABC.345/01DE-35"
    assert cnpj_formatar("") == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("digitado", "gravado", "formatado"),
    [
        ("12.abc.345/01de-35", "12ABC34501DE35", "12.ABC.345/01DE-35"),
        ("11.222.333/0001-81", "11222333000181", "11.222.333/0001-81"),
    ],
)
def test_cliente_guarda_o_cnpj_normalizado(digitado, gravado, formatado):
    cliente = Cliente(razao_social="Empresa Ltda", cnpj=digitado, operadora=OperadoraFactory(), conta="1")

    cliente.full_clean()
    cliente.save()

    with connection.cursor() as cursor:
        cursor.execute("SELECT cnpj FROM clientes_cliente")
        assert cursor.fetchall() == [(gravado,)]
    cliente.refresh_from_db()
    assert cliente.cnpj == gravado
    assert cliente.cnpj_formatado == formatado
    assert Cliente.objects.get(cnpj=formatado) == cliente


@pytest.mark.django_db
def test_cliente_com_cnpj_invalido_nao_passa_no_full_clean():
    cliente = Cliente(razao_social="Empresa Ltda", cnpj="11.222.333/0001-82", operadora=OperadoraFactory())

    with pytest.raises(ValidationError) as info:
        cliente.full_clean()

    assert info.value.message_dict["cnpj"] == ["CNPJ inválido: os dígitos verificadores não conferem."]


def test_campo_de_formulario_mostra_formatado_e_devolve_normalizado():
    campo = CNPJFormField()

    assert campo.prepare_value("12ABC34501DE35") == "12.ABC.345/01DE-35"
    assert campo.clean("12.abc.345/01de-35") == "12ABC34501DE35"
