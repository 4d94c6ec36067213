import pytest
from rest_framework.test import APIClient

from brm.api.services import sessao_jwt_iniciar


def cliente_jwt(usuario) -> APIClient:
    """An API client signed in as `usuario` with a fresh JWT access token."""
    cliente = APIClient()
    cliente.credentials(HTTP_AUTHORIZATION=f"Bearer {sessao_jwt_iniciar(usuario=usuario).access_token}")
    return cliente


@pytest.fixture
def anonimo() -> APIClient:
    return APIClient()


@pytest.fixture
def api_admin(admin_user) -> APIClient:
    return cliente_jwt(admin_user)


@pytest.fixture
def api_operador(operador) -> APIClient:
    return cliente_jwt(operador)


@pytest.fixture
def api_aprovador(aprovador) -> APIClient:
    return cliente_jwt(aprovador)


@pytest.fixture
def api_leitor(leitor) -> APIClient:
    return cliente_jwt(leitor)


def assert_erro(resposta, status: int, codigo: str) -> dict:
    """The answer is the one error shape with this status and code; returns its body."""
    assert resposta.status_code == status, resposta.content
    corpo = resposta.json()
    assert corpo["codigo"] == codigo, corpo
    assert isinstance(corpo["mensagem"], str) and corpo["mensagem"]
    assert isinstance(corpo["campos"], dict)
    return corpo
