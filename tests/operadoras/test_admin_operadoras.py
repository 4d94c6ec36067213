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
