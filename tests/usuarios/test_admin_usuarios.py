"""Users in the admin: created and changed through the role services, secrets hidden, superusers protected."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from brm.usuarios.models import Usuario
from brm.usuarios.papeis import GRUPOS
from brm.usuarios.services import usuario_definir_papel
from tests.conftest import linhas_da_lista
from tests.factories import UsuarioFactory

pytestmark = pytest.mark.django_db


def url(acao: str, *args) -> str:
    return reverse(f"admin:usuarios_usuario_{acao}", args=args)


def test_criar_usuario_aprovador_o_coloca_no_grupo_aprovadores(client, admin_user):
    client.force_login(admin_user)
    dados = {
        "email": "Nova.Pessoa@BRM.test",
        "nome": "Nova Pessoa",
        "papel": Usuario.Papel.APROVADOR,
        "password1": "uma-senha-bem-forte-91",
        "password2": "uma-senha-bem-forte-91",
    }

    resposta = client.post(url("add"), dados)

    assert resposta.status_code == 302, resposta.context["adminform"].form.errors
    usuario = Usuario.objects.get(email="nova.pessoa@brm.test")
    assert usuario.check_password("uma-senha-bem-forte-91")
    assert list(usuario.groups.values_list("name", flat=True)) == [GRUPOS["APROVADOR"]]
    assert usuario.has_perm("processos.aprovar_processo")


def test_criar_usuario_com_senha_fraca_e_recusado(client, admin_user):
    client.force_login(admin_user)
    total = Usuario.objects.count()
    dados = {"email": "fraca@brm.test", "nome": "Fraca", "papel": "LEITURA", "password1": "123", "password2": "123"}

    resposta = client.post(url("add"), dados)

    assert resposta.status_code == 200
    assert resposta.context["adminform"].form.errors["password2"]
    assert Usuario.objects.count() == total


def _dados_usuario(usuario: Usuario, **extra) -> dict:
    return {
        "email": usuario.email,
        "nome": usuario.nome,
        "papel": usuario.papel,
        "is_active": "on",
        "is_staff": "on",
        "api_externa_token": "",
        **extra,
    }


def test_mudar_papel_do_usuario_muda_o_grupo(client, admin_user):
    pessoa = UsuarioFactory(papel=Usuario.Papel.LEITURA)
    client.force_login(admin_user)

    resposta = client.post(url("change", pessoa.pk), _dados_usuario(pessoa, papel=Usuario.Papel.OPERADOR))

    assert resposta.status_code == 302, resposta.context["adminform"].form.errors
    pessoa.refresh_from_db()
    assert pessoa.papel == Usuario.Papel.OPERADOR
    assert list(pessoa.groups.values_list("name", flat=True)) == [GRUPOS["OPERADOR"]]


def test_salvar_usuario_refaz_grupo_que_saiu_do_papel(client, admin_user):
    pessoa = UsuarioFactory(papel=Usuario.Papel.LEITURA)
    pessoa.groups.set([Group.objects.get(name=GRUPOS["ADMIN"])])
    client.force_login(admin_user)

    resposta = client.post(url("change", pessoa.pk), _dados_usuario(pessoa))

    assert resposta.status_code == 302, resposta.context["adminform"].form.errors
    assert list(pessoa.groups.values_list("name", flat=True)) == [GRUPOS["LEITURA"]]


def test_token_da_api_nunca_aparece_e_em_branco_e_mantido(client, admin_user):
    pessoa = UsuarioFactory()
    pessoa.api_externa_token = "token-muito-secreto"
    pessoa.save()
    client.force_login(admin_user)

    pagina = client.get(url("change", pessoa.pk)).content.decode()
    client.post(url("change", pessoa.pk), _dados_usuario(pessoa, nome="Renomeada"))

    assert "token-muito-secreto" not in pagina
    pessoa.refresh_from_db()
    assert pessoa.nome == "Renomeada"
    assert pessoa.api_externa_token == "token-muito-secreto"


def test_pagina_do_usuario_nao_edita_grupos_nem_permissoes(client, admin_user):
    pessoa = UsuarioFactory(papel=Usuario.Papel.OPERADOR)
    client.force_login(admin_user)

    conteudo = client.get(url("change", pessoa.pk)).content.decode()

    assert 'name="groups"' not in conteudo
    assert 'name="user_permissions"' not in conteudo
    assert GRUPOS["OPERADOR"] in conteudo
    assert "password/" in conteudo


def test_admin_sem_superusuario_nao_concede_superusuario(client, admin_user):
    pessoa = UsuarioFactory()
    client.force_login(admin_user)

    resposta = client.post(url("change", pessoa.pk), _dados_usuario(pessoa, nome="Renomeada", is_superuser="on"))

    # The form was saved, with the rest of what was sent: only the superuser flag was left out.
    assert resposta.status_code == 302, resposta.context["adminform"].form.errors
    pessoa.refresh_from_db()
    assert pessoa.nome == "Renomeada"
    assert not pessoa.is_superuser


def test_admin_sem_superusuario_nao_altera_superusuario(client, admin_user, superusuario):
    client.force_login(admin_user)
    senha = reverse("admin:auth_user_password_change", args=[superusuario.pk])

    assert client.get(url("change", superusuario.pk)).status_code == 200
    assert client.post(url("change", superusuario.pk), _dados_usuario(superusuario, nome="X")).status_code == 403
    assert client.post(senha, {"password1": "tomada-de-conta-1", "password2": "tomada-de-conta-1"}).status_code == 403
    assert client.post(url("delete", superusuario.pk), {"post": "yes"}).status_code == 403

    superusuario.refresh_from_db()
    assert superusuario.nome != "X"
    assert not superusuario.check_password("tomada-de-conta-1")


def test_troca_de_senha_pelo_admin(client, admin_user):
    pessoa = UsuarioFactory()
    client.force_login(admin_user)
    pagina = reverse("admin:auth_user_password_change", args=[pessoa.pk])
    dados = {"password1": "outra-senha-forte-77", "password2": "outra-senha-forte-77", "usable_password": "true"}

    assert client.get(pagina).status_code == 200
    resposta = client.post(pagina, dados)

    assert resposta.status_code == 302
    pessoa.refresh_from_db()
    assert pessoa.check_password("outra-senha-forte-77")


def test_lista_de_usuarios_mostra_papel(client, admin_user):
    # A name without the role in it, and a list whose role filter names every role anyway: only the row counts.
    usuario_definir_papel(usuario=UsuarioFactory(nome="Zé Silva"), papel=Usuario.Papel.APROVADOR)
    client.force_login(admin_user)

    resposta = client.get(url("changelist"))

    assert "Zé Silva" in resposta.content.decode()
    papeis = {linha["nome"]: linha["papel"] for linha in linhas_da_lista(resposta)}
    assert papeis == {"Zé Silva": "Aprovador", admin_user.nome: "Administrador"}
