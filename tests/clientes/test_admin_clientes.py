"""Clients in the admin: editing keeps the portal password, the page hides it, the search finds CNPJs and accounts."""

import pytest
from django.urls import reverse

from clientes.models import Cliente
from tests.factories import ClienteFactory, OperadoraFactory

pytestmark = pytest.mark.django_db


def url(acao: str, *args) -> str:
    return reverse(f"admin:clientes_cliente_{acao}", args=args)


def test_operador_altera_cliente_e_senha_do_portal_em_branco_e_mantida(client, operador):
    cliente = ClienteFactory(senha_portal="segredo-antigo")
    client.force_login(operador)
    dados = {
        "razao_social": "Nova Razão Ltda",
        "cnpj": cliente.cnpj_formatado,
        "operadora": str(cliente.operadora_id),
        "ativo": "on",
        "conta": cliente.conta,
        "unidade": "Matriz",
        "dia_emissao": "15",
        "login_portal": cliente.login_portal,
        "senha_portal": "",
        "dados_rpa": '{"contrato": "123"}',
        "codigo_sat": "SAT1",
    }

    resposta = client.post(url("change", cliente.pk), dados)

    assert resposta.status_code == 302, resposta.context["adminform"].form.errors
    cliente.refresh_from_db()
    assert cliente.razao_social == "Nova Razão Ltda"
    assert cliente.dados_rpa == {"contrato": "123"}
    assert cliente.senha_portal == "segredo-antigo"


@pytest.mark.parametrize("papel", ["admin_user", "operador", "leitor", "aprovador"])
def test_pagina_do_cliente_esconde_a_senha_e_formata_o_cnpj(client, request, papel):
    cliente = ClienteFactory(senha_portal="senha-ultra-secreta")
    client.force_login(request.getfixturevalue(papel))

    resposta = client.get(url("change", cliente.pk))

    assert resposta.status_code == 200
    conteudo = resposta.content.decode()
    assert "senha-ultra-secreta" not in conteudo
    assert "senha do portal" in conteudo.lower()
    assert cliente.cnpj_formatado in conteudo


def test_busca_de_cliente_acha_cnpj_com_ou_sem_pontuacao(client, leitor):
    cliente = ClienteFactory(razao_social="Achada Ltda")
    ClienteFactory(razao_social="Outra Ltda")
    client.force_login(leitor)

    for termo in (cliente.cnpj, cliente.cnpj_formatado, cliente.cnpj_formatado[:10]):
        resposta = client.get(url("changelist"), {"q": termo})
        assert list(resposta.context["cl"].result_list) == [cliente], termo


def test_busca_de_cliente_acha_pela_conta(client, leitor):
    cliente = ClienteFactory(conta="98765-4")
    ClienteFactory()
    client.force_login(leitor)

    resposta = client.get(url("changelist"), {"q": "98765-4"})

    assert list(resposta.context["cl"].result_list) == [cliente]


def test_pagina_do_cliente_explica_que_o_dia_de_emissao_substitui_o_da_operadora(client, operador):
    cliente = ClienteFactory()
    client.force_login(operador)

    resposta = client.get(url("change", cliente.pk))

    assert 'name="dia_emissao"' in resposta.content.decode()
    assert "em branco, vale o da operadora" in resposta.content.decode()


def _dados_do_formulario(cliente, **extra) -> dict:
    return {
        "razao_social": cliente.razao_social,
        "cnpj": cliente.cnpj_formatado,
        "operadora": str(cliente.operadora_id),
        "ativo": "on",
        "conta": cliente.conta,
        "unidade": "",
        "dia_emissao": "",
        "login_portal": cliente.login_portal,
        "senha_portal": "",
        "dados_rpa": "{}",
        "codigo_sat": "",
        **extra,
    }


def test_admin_remove_a_senha_do_portal_quando_pedido(client, operador):
    cliente = ClienteFactory(senha_portal="segredo-antigo")
    client.force_login(operador)

    resposta = client.post(url("change", cliente.pk), _dados_do_formulario(cliente, senha_portal__limpar="on"))

    assert resposta.status_code == 302
    cliente.refresh_from_db()
    assert cliente.senha_portal == ""


def test_admin_cadastra_pelo_servico_com_a_senha_cifrada(client, operador):
    modelo = ClienteFactory.build(operadora=OperadoraFactory())
    client.force_login(operador)

    resposta = client.post(url("add"), _dados_do_formulario(modelo, senha_portal="nova-senha"))

    assert resposta.status_code == 302
    cliente = Cliente.objects.get(cnpj=modelo.cnpj)
    assert cliente.senha_portal == "nova-senha"


def test_admin_recusa_dados_rpa_que_nao_sao_objeto(client, operador):
    cliente = ClienteFactory()
    client.force_login(operador)

    resposta = client.post(url("change", cliente.pk), _dados_do_formulario(cliente, dados_rpa="[1, 2]"))

    assert resposta.status_code == 200
    assert "dados_rpa" in resposta.context["adminform"].form.errors
    cliente.refresh_from_db()
    assert cliente.dados_rpa != [1, 2]
