import pytest

from operadoras.models import Operadora
from tests.api.conftest import assert_erro
from tests.factories import ClienteFactory, OperadoraFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/operadoras/"


def test_lista_operadoras_com_clientes_ativos_e_filtro(api_leitor):
    vivo = OperadoraFactory(nome="Vivo", codigo="vivo")
    OperadoraFactory(nome="Claro", codigo="claro", ativa=False)
    ClienteFactory.create_batch(2, operadora=vivo)
    ClienteFactory(operadora=vivo, ativo=False)

    corpo = api_leitor.get(URL, {"ativa": "true"}).json()

    assert corpo["total"] == 1 and corpo["total_estimado"] is False
    assert corpo["resultados"][0]["codigo"] == "vivo"
    assert corpo["resultados"][0]["clientes_ativos"] == 2


def test_admin_cadastra_operadora_pelo_servico(api_admin, admin_user):
    resposta = api_admin.post(URL, {"nome": "TIM", "codigo": "tim", "dia_emissao": 8}, format="json")

    assert resposta.status_code == 201, resposta.content
    assert resposta.json()["clientes_ativos"] == 0
    assert Operadora.objects.get(codigo="tim").dia_emissao == 8


def test_regra_do_modelo_vira_erro_de_campo_e_nada_muda(api_admin):
    resposta = api_admin.post(URL, {"nome": "Terceira", "codigo": "terceira", "rpa_terceirizado": True}, format="json")

    corpo = assert_erro(resposta, 400, "invalido")
    assert "url_endpoint_rpa" in corpo["campos"]
    assert not Operadora.objects.filter(codigo="terceira").exists()


def test_leitor_nao_cadastra(api_leitor):
    assert_erro(api_leitor.post(URL, {"nome": "X", "codigo": "x"}, format="json"), 403, "permissao")


def test_sem_token_responde_401_com_cabecalho(anonimo):
    resposta = anonimo.get(URL)

    assert_erro(resposta, 401, "nao_autenticado")
    assert resposta["WWW-Authenticate"].startswith("Bearer")


def test_excluir_operadora_com_clientes_responde_409(api_admin):
    cliente = ClienteFactory()

    assert_erro(api_admin.delete(f"{URL}{cliente.operadora_id}/"), 409, "conflito")
    assert Operadora.objects.filter(pk=cliente.operadora_id).exists()


def test_operadora_inexistente_responde_404(api_leitor):
    assert_erro(api_leitor.get(f"{URL}00000000-0000-0000-0000-000000000000/"), 404, "nao_encontrado")
