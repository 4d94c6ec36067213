"""Changes made through the API keep who made them in the audit trail: with a JWT, a service key (the system account
it acts as) or the pages' session. DRF authenticates inside the view, after the middleware ran."""

import pytest
from django.db import connection
from rest_framework.test import APIClient

from agendamentos.models import Agendamento
from agendamentos.services import agendamento_criar
from brm.api.services import token_de_servico_criar
from brm.usuarios.models import Usuario
from clientes.models import Cliente
from tests.api.conftest import cliente_jwt
from tests.factories import ClienteFactory, OperadoraFactory, UsuarioFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def api_admin(admin_user) -> APIClient:
    return cliente_jwt(admin_user)


@pytest.fixture
def api_operador(operador) -> APIClient:
    return cliente_jwt(operador)


@pytest.fixture
def api_leitor(leitor) -> APIClient:
    return cliente_jwt(leitor)


def historico_cru(modelo) -> str:
    tabela = connection.ops.quote_name(modelo.history.model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {tabela}")
        return repr(cursor.fetchall())


def test_operadora_alterada_com_jwt_registra_a_pessoa_e_a_origem(api_admin, admin_user):
    operadora = OperadoraFactory(max_execucoes_simultaneas=2)

    resposta = api_admin.patch(f"{API}/operadoras/{operadora.pk}/", {"max_execucoes_simultaneas": 6}, format="json")

    assert resposta.status_code == 200, resposta.content
    ultimo, anterior = operadora.history.all()[:2]
    assert ultimo.history_user == admin_user
    assert ultimo.history_change_reason == "API · JWT"
    assert ultimo.diff_against(anterior).changed_fields == ["max_execucoes_simultaneas"]


def test_senha_do_portal_alterada_pela_api_fica_so_pelo_nome(api_operador, operador):
    cliente = ClienteFactory(senha_portal="senha-velha-api")

    resposta = api_operador.patch(
        f"{API}/clientes/{cliente.pk}/", {"senha_portal": "senha-nova-api", "unidade": "Filial"}, format="json"
    )

    assert resposta.status_code == 200, resposta.content
    ultimo, anterior = cliente.history.all()[:2]
    assert ultimo.history_user == operador
    assert ultimo.segredos_alterados == ["senha_portal"]
    assert ultimo.diff_against(anterior).changed_fields == ["unidade"]
    cru = historico_cru(Cliente)
    assert "senha-velha-api" not in cru and "senha-nova-api" not in cru


def test_agendamento_alterado_pela_api_registra_quem(api_admin, admin_user):
    agendamento = agendamento_criar(
        por=None, nome="Downloads", tipo=Agendamento.Tipo.CRIAR_PROCESSOS_MENSAIS, expressao_cron="0 6 1 * *"
    )

    resposta = api_admin.patch(f"{API}/agendamentos/{agendamento.pk}/", {"expressao_cron": "30 2 * * *"}, format="json")

    assert resposta.status_code == 200, resposta.content
    ultimo, anterior = agendamento.history.all()[:2]
    assert ultimo.history_user == admin_user
    assert ultimo.diff_against(anterior).changed_fields == ["expressao_cron"]
    assert anterior.history_user is None


def test_papel_trocado_pela_api_fica_no_historico_do_usuario(api_admin, admin_user):
    pessoa = UsuarioFactory(papel=Usuario.Papel.LEITURA)

    resposta = api_admin.patch(f"{API}/usuarios/{pessoa.pk}/", {"papel": "APROVADOR"}, format="json")

    assert resposta.status_code == 200, resposta.content
    ultimo, anterior = pessoa.history.all()[:2]
    assert ultimo.history_user == admin_user
    assert (anterior.papel, ultimo.papel) == (Usuario.Papel.LEITURA, Usuario.Papel.APROVADOR)
    assert ultimo.history_change_reason == "API · JWT"


def test_usuario_criado_pela_api_registra_quem_criou(api_admin, admin_user):
    resposta = api_admin.post(f"{API}/usuarios/", {"email": "nova@brm.test", "papel": "OPERADOR"}, format="json")

    assert resposta.status_code == 201, resposta.content
    [criacao] = Usuario.objects.get(email="nova@brm.test").history.all()
    assert criacao.history_type == "+" and criacao.history_user == admin_user


def test_chave_de_servico_registra_a_conta_do_sistema_e_qual_chave(admin_user):
    conta = UsuarioFactory(papel=Usuario.Papel.ADMIN, nome="ERP financeiro", email="erp@brm.test", password=None)
    token, chave = token_de_servico_criar(nome="ERP financeiro", usuario=conta, por=admin_user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {chave}")
    operadora = OperadoraFactory()

    resposta = api.patch(f"{API}/operadoras/{operadora.pk}/", {"ativa": False}, format="json")

    assert resposta.status_code == 200, resposta.content
    ultimo = operadora.history.first()
    assert ultimo.history_user == conta
    assert ultimo.history_change_reason == f"API · chave de serviço {token.prefixo}…"
    assert chave not in historico_cru(type(operadora))


def test_sessao_das_paginas_na_api_registra_a_pessoa(admin_user):
    api = APIClient()
    api.force_login(admin_user)
    operadora = OperadoraFactory()

    resposta = api.patch(f"{API}/operadoras/{operadora.pk}/", {"nome": "Pela sessão"}, format="json")

    assert resposta.status_code == 200, resposta.content
    ultimo = operadora.history.first()
    assert ultimo.history_user == admin_user
    assert ultimo.history_change_reason == "API · sessão"


def test_recusa_da_api_nao_deixa_registro(api_leitor):
    operadora = OperadoraFactory()
    antes = operadora.history.count()

    resposta = api_leitor.patch(f"{API}/operadoras/{operadora.pk}/", {"nome": "Não pode"}, format="json")

    assert resposta.status_code == 403
    assert operadora.history.count() == antes
