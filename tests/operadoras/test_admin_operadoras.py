"""Operators in the admin."""

import pytest
from django.urls import reverse

from tests.factories import ClienteFactory, OperadoraFactory

pytestmark = pytest.mark.django_db


def test_operadora_lista_conta_clientes_ativos(client, admin_user):
    operadora = OperadoraFactory(nome="Operadora Contada")
    ClienteFactory.create_batch(2, operadora=operadora)
    ClienteFactory(operadora=operadora, ativo=False)
    client.force_login(admin_user)

    resposta = client.get(reverse("admin:operadoras_operadora_changelist"))

    assert resposta.status_code == 200
    assert resposta.context["cl"].result_list.get(pk=operadora.pk).clientes_ativos == 2


def _formulario(operadora, **campos) -> dict:
    return {
        "nome": operadora.nome,
        "codigo": operadora.codigo,
        "ativa": "on",
        "possui_rpa": "on",
        "url_endpoint_rpa": "",
        "max_execucoes_simultaneas": "2",
        "dia_emissao": "",
        **campos,
    }


def test_operador_define_o_dia_de_emissao_da_operadora(client, operador):
    operadora = OperadoraFactory()
    client.force_login(operador)
    url = reverse("admin:operadoras_operadora_change", args=[operadora.pk])

    pagina = client.get(url)
    resposta = client.post(url, _formulario(operadora, dia_emissao="12"))

    assert 'name="dia_emissao"' in pagina.content.decode()
    assert resposta.status_code == 302, resposta.context["adminform"].form.errors
    operadora.refresh_from_db()
    assert operadora.dia_emissao == 12


def test_dia_de_emissao_29_e_recusado_no_formulario_da_operadora(client, operador):
    operadora = OperadoraFactory(dia_emissao=5)
    client.force_login(operador)

    resposta = client.post(
        reverse("admin:operadoras_operadora_change", args=[operadora.pk]), _formulario(operadora, dia_emissao="29")
    )

    assert resposta.status_code == 200
    assert list(resposta.context["adminform"].form.errors) == ["dia_emissao"]
    operadora.refresh_from_db()
    assert operadora.dia_emissao == 5
