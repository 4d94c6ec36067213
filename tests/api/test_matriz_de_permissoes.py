"""Who may call what: every endpoint of /api/v1/ × every method it answers × every role, against the matrix below.

The endpoints come from the URL resolver and the methods from each view (a viewset's actions, a plain view's
methods), so a new endpoint fails `test_toda_rota_da_api_esta_na_matriz` until its rows are written here, and a
removed one fails until its rows go. The matrix is the roles' permissions (brm/usuarios/papeis.py) as the admin
enforces them, written out by hand: reading it is reading who may do what through the API.

"ok" means allowed: anything but 401/403 (a 400, 404 or 409 for a request without real data is fine, a 5xx
never is). A refusal is exactly 401 for the anonymous caller and 403 for a signed-in role.
"""

import re
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient
from rest_framework.viewsets import ViewSetMixin

from brm.api.permissoes import QUALQUER_USUARIO, PermissaoDoPapel
from brm.usuarios.models import Usuario
from tests.api.conftest import assert_erro, cliente_jwt
from tests.factories import UsuarioFactory

pytestmark = pytest.mark.django_db

PREFIXO = "api/v1/"
# Not resources: the description of the API, and the sign-in and renewal that take their credentials in the body
# (tests/api/test_autenticacao_api.py covers those).
FORA_DA_MATRIZ = {"schema", "docs", "redoc", "entrar", "renovar"}
PAPEIS = ("anonimo", Usuario.Papel.LEITURA, Usuario.Papel.APROVADOR, Usuario.Papel.OPERADOR, Usuario.Papel.ADMIN)
OK = "ok"

# fmt: off
MATRIZ = {
    #  endpoint (URL name), method           anônimo  LEITURA  APROVADOR  OPERADOR  ADMIN
    ("operadora-list", "get"):              (401,     OK,      OK,        OK,       OK),
    ("operadora-list", "post"):             (401,     403,     403,       OK,       OK),
    ("operadora-detail", "get"):            (401,     OK,      OK,        OK,       OK),
    ("operadora-detail", "put"):            (401,     403,     403,       OK,       OK),
    ("operadora-detail", "patch"):          (401,     403,     403,       OK,       OK),
    ("operadora-detail", "delete"):         (401,     403,     403,       403,      OK),
    ("cliente-list", "get"):                (401,     OK,      OK,        OK,       OK),
    ("cliente-list", "post"):               (401,     403,     403,       OK,       OK),
    ("cliente-detail", "get"):              (401,     OK,      OK,        OK,       OK),
    ("cliente-detail", "put"):              (401,     403,     403,       OK,       OK),
    ("cliente-detail", "patch"):            (401,     403,     403,       OK,       OK),
    ("cliente-detail", "delete"):           (401,     403,     403,       403,      OK),
    ("processo-list", "get"):               (401,     OK,      OK,        OK,       OK),
    ("processo-detail", "get"):             (401,     OK,      OK,        OK,       OK),
    ("processo-historico", "get"):          (401,     OK,      OK,        OK,       OK),
    ("processo-arquivos", "get"):           (401,     OK,      OK,        OK,       OK),
    ("processo-arquivo", "get"):            (401,     OK,      OK,        OK,       OK),
    ("processo-fatura", "get"):             (401,     OK,      OK,        OK,       OK),
    ("processo-fatura", "post"):            (401,     403,     403,       OK,       OK),
    ("processo-aprovar", "post"):           (401,     403,     OK,        403,      OK),
    ("processo-rejeitar", "post"):          (401,     403,     OK,        403,      OK),
    ("processo-baixar", "post"):            (401,     403,     403,       OK,       OK),
    ("processo-enviar-sat", "post"):        (401,     403,     403,       OK,       OK),
    ("painel", "get"):                      (401,     OK,      OK,        OK,       OK),
    ("execucao-list", "get"):               (401,     OK,      OK,        OK,       OK),
    ("execucao-detail", "get"):             (401,     OK,      OK,        OK,       OK),
    ("execucao-logs", "get"):               (401,     OK,      OK,        OK,       OK),
    ("execucao-historico", "get"):          (401,     OK,      OK,        OK,       OK),
    ("execucao-reexecutar", "post"):        (401,     403,     403,       OK,       OK),
    ("execucao-cancelar", "post"):          (401,     403,     403,       OK,       OK),
    ("agendamento-list", "get"):            (401,     OK,      403,       OK,       OK),
    ("agendamento-list", "post"):           (401,     403,     403,       403,      OK),
    ("agendamento-detail", "get"):          (401,     OK,      403,       OK,       OK),
    ("agendamento-detail", "put"):          (401,     403,     403,       403,      OK),
    ("agendamento-detail", "patch"):        (401,     403,     403,       403,      OK),
    ("agendamento-detail", "delete"):       (401,     403,     403,       403,      OK),
    ("agendamento-ativar", "post"):         (401,     403,     403,       403,      OK),
    ("agendamento-desativar", "post"):      (401,     403,     403,       403,      OK),
    ("agendamento-executar-agora", "post"): (401,     403,     403,       403,      OK),
    ("agendamento-proximas", "get"):        (401,     OK,      403,       OK,       OK),
    ("agendamento-historico", "get"):       (401,     OK,      403,       OK,       OK),
    ("usuario-list", "get"):                (401,     403,     403,       403,      OK),
    ("usuario-list", "post"):               (401,     403,     403,       403,      OK),
    ("usuario-detail", "get"):              (401,     403,     403,       403,      OK),
    ("usuario-detail", "patch"):            (401,     403,     403,       403,      OK),
    ("usuario-desativar", "post"):          (401,     403,     403,       403,      OK),
    ("me", "get"):                          (401,     OK,      OK,        OK,       OK),
    ("sair", "post"):                       (401,     OK,      OK,        OK,       OK),
}
# fmt: on


def _rotas(padroes, prefixo: str = ""):
    for padrao in padroes:
        if isinstance(padrao, URLResolver):
            yield from _rotas(padrao.url_patterns, prefixo + str(padrao.pattern))
        elif isinstance(padrao, URLPattern):
            yield prefixo + str(padrao.pattern), padrao


def _metodos(padrao: URLPattern) -> dict[str, str]:
    """HTTP method → the action the permission table is read with (as `brm.api.permissoes` reads it)."""
    classe = padrao.callback.cls
    if getattr(padrao.callback, "actions", None):
        return dict(padrao.callback.actions)
    return {
        metodo: metodo
        for metodo in classe.http_method_names
        if metodo not in ("options", "head") and hasattr(classe, metodo)
    }


def endpoints_da_api() -> dict[str, URLPattern]:
    """Every named route under /api/v1/, once (the `.json` suffix routes share their names)."""
    encontrados = {}
    for caminho, padrao in _rotas(get_resolver().url_patterns):
        if caminho.startswith(PREFIXO) and padrao.name and hasattr(padrao.callback, "cls"):
            encontrados.setdefault(padrao.name, padrao)
    return encontrados


ENDPOINTS = endpoints_da_api()
DESCOBERTOS = {
    (nome, metodo): padrao
    for nome, padrao in ENDPOINTS.items()
    if nome not in FORA_DA_MATRIZ
    for metodo in _metodos(padrao)
}


def _url(nome: str, padrao: URLPattern) -> str:
    """The route with every parameter filled with an id that exists nowhere (so allowed calls change nothing)."""
    parametros = [p for p in re.findall(r"\(\?P<(\w+)>", str(padrao.pattern.regex.pattern)) if p != "format"]
    for valor in (str(uuid.uuid4()), "1"):
        try:
            return reverse(f"api:{nome}", kwargs=dict.fromkeys(parametros, valor))
        except NoReverseMatch:
            continue
    raise AssertionError(f"Não consegui montar a URL de {nome} com os parâmetros {parametros}.")


def test_toda_rota_da_api_esta_na_matriz():
    faltam = sorted(set(DESCOBERTOS) - set(MATRIZ))
    sobram = sorted(set(MATRIZ) - set(DESCOBERTOS))

    assert not faltam and not sobram, (
        f"Endpoints da API sem linha na MATRIZ deste arquivo (escreva quem pode cada um): {faltam}\n"
        f"Linhas da MATRIZ de endpoints que não existem mais (apague-as): {sobram}"
    )


def test_rotas_fora_da_matriz_existem():
    assert set(ENDPOINTS) >= FORA_DA_MATRIZ, sorted(FORA_DA_MATRIZ - set(ENDPOINTS))


def test_matriz_tem_um_valor_por_papel():
    assert all(len(linha) == len(PAPEIS) and set(linha) <= {OK, 401, 403} for linha in MATRIZ.values())
    assert all(linha[0] == 401 for linha in MATRIZ.values()), "Nenhum endpoint da matriz é aberto a anônimos."
    assert all(set(linha[1:]) <= {OK, 403} for linha in MATRIZ.values())


@pytest.mark.parametrize(("nome", "metodo"), sorted(MATRIZ), ids=[f"{n}-{m}" for n, m in sorted(MATRIZ)])
def test_papel_x_endpoint_x_metodo(nome, metodo):
    assert (nome, metodo) in DESCOBERTOS, f"{metodo.upper()} {nome} está na MATRIZ mas não existe mais."
    url = _url(nome, DESCOBERTOS[(nome, metodo)])
    for papel, esperado in zip(PAPEIS, MATRIZ[(nome, metodo)], strict=True):
        cliente = APIClient() if papel == "anonimo" else cliente_jwt(UsuarioFactory(papel=papel))
        resposta = getattr(cliente, metodo)(url, {}, format="json")
        if esperado == OK:
            assert resposta.status_code not in (401, 403), (papel, resposta.content)
            assert resposta.status_code < 500, (papel, resposta.content)
        else:
            assert_erro(resposta, esperado, "nao_autenticado" if esperado == 401 else "permissao")
            if esperado == 401:
                assert resposta["WWW-Authenticate"].startswith("Bearer")


# Every view says who may use each of its actions --------------------------------------------------------------------


def _views_com_permissoes():
    vistas = {}
    for nome, padrao in ENDPOINTS.items():
        if nome not in FORA_DA_MATRIZ:
            vistas.setdefault(padrao.callback.cls, set()).update(_metodos(padrao).values())
    return vistas


VIEWS = _views_com_permissoes()


@pytest.mark.parametrize("classe", sorted(VIEWS, key=lambda c: c.__qualname__), ids=lambda c: c.__qualname__)
def test_toda_view_da_api_declara_a_permissao_de_cada_acao(classe):
    acoes = set(VIEWS[classe])
    if issubclass(classe, ViewSetMixin):
        acoes |= {acao.__name__ for acao in classe.get_extra_actions()}
    permissoes = getattr(classe, "permissoes", None)

    assert isinstance(permissoes, dict), f"{classe.__qualname__} não tem a tabela `permissoes`."
    assert not acoes - set(permissoes), f"{classe.__qualname__}: ações sem permissão: {sorted(acoes - set(permissoes))}"
    assert not set(permissoes) - acoes, f"{classe.__qualname__}: permissões de ações inexistentes"
    # The roles' one permission class, not a view's own.
    assert list(classe.permission_classes) == [PermissaoDoPapel], classe.permission_classes
    for acao, permissao in permissoes.items():
        if permissao is QUALQUER_USUARIO:
            continue
        app_label, _, codename = permissao.partition(".")
        assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists(), (
            f"{classe.__qualname__}.{acao}: a permissão {permissao} não existe."
        )
