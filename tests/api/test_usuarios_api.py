"""/api/v1/usuarios/: administrators only, roles through their groups, superusers protected, no secret answered."""

import pytest

from brm.usuarios.models import Usuario
from tests.api.conftest import assert_erro, cliente_jwt
from tests.factories import UsuarioFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/usuarios/"


def _grupos(usuario) -> list[str]:
    return list(usuario.groups.values_list("name", flat=True))


def test_admin_lista_sem_hash_de_senha_nem_token_pessoal(api_admin):
    UsuarioFactory(api_externa_token="token-pessoal-secreto")

    resposta = api_admin.get(URL)

    assert resposta.status_code == 200
    conteudo = resposta.content.decode()
    assert "token-pessoal-secreto" not in conteudo
    assert "md5$" not in conteudo
    for item in resposta.json()["resultados"]:
        assert "password" not in item and "api_externa_token" not in item


@pytest.mark.parametrize("api_de_outro_papel", ["api_operador", "api_aprovador", "api_leitor"])
def test_so_administradores_usam_usuarios(request, api_de_outro_papel, leitor):
    api = request.getfixturevalue(api_de_outro_papel)

    assert_erro(api.get(URL), 403, "permissao")
    assert_erro(api.get(f"{URL}{leitor.pk}/"), 403, "permissao")
    assert_erro(api.post(URL, {"email": "nova@brm.test"}, format="json"), 403, "permissao")
    assert_erro(api.patch(f"{URL}{leitor.pk}/", {"papel": "ADMIN"}, format="json"), 403, "permissao")
    leitor.refresh_from_db()
    assert leitor.papel == Usuario.Papel.LEITURA
    assert not Usuario.objects.filter(email="nova@brm.test").exists()


def test_admin_cria_usuario_no_grupo_do_papel(api_admin):
    resposta = api_admin.post(
        URL,
        {"email": "Ana@Empresa.com.br", "nome": "Ana", "papel": "APROVADOR", "password": "uma-senha-longa-42"},
        format="json",
    )

    assert resposta.status_code == 201, resposta.content
    corpo = resposta.json()
    assert corpo["email"] == "ana@empresa.com.br" and corpo["papel_nome"] == "Aprovador"
    assert "password" not in corpo
    usuario = Usuario.objects.get(pk=corpo["id"])
    assert usuario.check_password("uma-senha-longa-42")
    assert _grupos(usuario) == ["Aprovadores"]


def test_criar_sem_senha_faz_conta_sem_senha_utilizavel(api_admin):
    resposta = api_admin.post(URL, {"email": "erp@brm.test", "nome": "ERP"}, format="json")

    assert resposta.status_code == 201, resposta.content
    usuario = Usuario.objects.get(email="erp@brm.test")
    assert not usuario.has_usable_password()
    assert usuario.papel == Usuario.Papel.LEITURA


def test_senha_fraca_e_email_repetido_sao_recusados_por_campo_e_nada_e_criado(api_admin, leitor):
    corpo = assert_erro(
        api_admin.post(URL, {"email": "nova@brm.test", "password": "123"}, format="json"), 400, "invalido"
    )
    assert "password" in corpo["campos"]

    corpo = assert_erro(api_admin.post(URL, {"email": leitor.email.upper()}, format="json"), 400, "invalido")
    assert "email" in corpo["campos"]

    assert not Usuario.objects.filter(email="nova@brm.test").exists()
    assert Usuario.objects.filter(email=leitor.email).count() == 1


def test_mudar_papel_muda_o_grupo(api_admin, leitor):
    resposta = api_admin.patch(f"{URL}{leitor.pk}/", {"papel": "OPERADOR", "nome": "Léo"}, format="json")

    assert resposta.status_code == 200, resposta.content
    leitor.refresh_from_db()
    assert leitor.papel == Usuario.Papel.OPERADOR and leitor.nome == "Léo"
    assert _grupos(leitor) == ["Operadores"]


def test_desativar_e_a_conta_deixa_de_entrar(api_admin, leitor):
    api_leitor = cliente_jwt(leitor)

    resposta = api_admin.post(f"{URL}{leitor.pk}/desativar/")

    assert resposta.status_code == 200 and resposta.json()["is_active"] is False
    leitor.refresh_from_db()
    assert not leitor.is_active
    assert_erro(api_leitor.get("/api/v1/me/"), 401, "nao_autenticado")


def test_nao_ha_exclusao_de_usuarios(api_admin, leitor):
    # No route deletes an account (the permission check answers before the method does).
    assert api_admin.delete(f"{URL}{leitor.pk}/").status_code == 405
    assert Usuario.objects.filter(pk=leitor.pk).exists()


def test_ninguem_desativa_a_propria_conta(api_admin, admin_user):
    corpo = assert_erro(api_admin.patch(f"{URL}{admin_user.pk}/", {"is_active": False}, format="json"), 400, "invalido")

    assert "is_active" in corpo["campos"]
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_admin_que_nao_e_superusuario_nao_altera_superusuario(api_admin, superusuario):
    assert api_admin.get(f"{URL}{superusuario.pk}/").status_code == 200
    assert_erro(api_admin.patch(f"{URL}{superusuario.pk}/", {"papel": "LEITURA"}, format="json"), 403, "permissao")
    assert_erro(api_admin.post(f"{URL}{superusuario.pk}/desativar/"), 403, "permissao")

    superusuario.refresh_from_db()
    assert superusuario.is_active and superusuario.papel == Usuario.Papel.ADMIN
    assert _grupos(superusuario) == ["Administradores"]


def test_superusuario_altera_outro_superusuario(superusuario):
    outro = UsuarioFactory(email="root2@brm.test", papel=Usuario.Papel.ADMIN, is_superuser=True)

    resposta = cliente_jwt(superusuario).patch(f"{URL}{outro.pk}/", {"nome": "Raiz"}, format="json")

    assert resposta.status_code == 200, resposta.content
    outro.refresh_from_db()
    assert outro.nome == "Raiz"


def test_papel_desconhecido_e_recusado(api_admin, leitor):
    corpo = assert_erro(api_admin.patch(f"{URL}{leitor.pk}/", {"papel": "CHEFE"}, format="json"), 400, "invalido")

    assert "papel" in corpo["campos"]
    leitor.refresh_from_db()
    assert leitor.papel == Usuario.Papel.LEITURA


def test_lista_custa_as_mesmas_consultas_com_5_ou_50_por_pagina(api_admin, django_assert_max_num_queries):
    UsuarioFactory.create_batch(50)

    # The caller and their permissions, the count, the page: the same few queries whatever the page size.
    for tamanho in (5, 50):
        with django_assert_max_num_queries(5):
            corpo = api_admin.get(URL, {"tamanho": tamanho}).json()
        assert len(corpo["resultados"]) == tamanho
