"""The user services: every refusal an ErroDeNegocio by field, the password rules, superusers protected."""

import pytest
from django.core.management import call_command

from brm.common.errors import ErroDeNegocio
from brm.usuarios.models import Usuario
from brm.usuarios.services import usuario_atualizar, usuario_criar, usuario_definir_papel, usuario_desativar
from tests.factories import UsuarioFactory

pytestmark = pytest.mark.django_db


def test_senha_que_fere_as_regras_e_recusada_no_campo_sem_criar():
    with pytest.raises(ErroDeNegocio) as info:
        usuario_criar(email="pessoa@brm.test", password="12345678")

    assert info.value.codigo == ErroDeNegocio.INVALIDO
    assert info.value.dados["campos"]["password"]
    assert not Usuario.objects.filter(email="pessoa@brm.test").exists()


def test_senha_parecida_com_o_email_e_recusada():
    with pytest.raises(ErroDeNegocio) as info:
        usuario_criar(email="joaquim.silva@brm.test", password="joaquim.silva")

    assert "password" in info.value.dados["campos"]


def test_todos_os_erros_vem_juntos_por_campo():
    with pytest.raises(ErroDeNegocio) as info:
        usuario_criar(email="nao-e-email", password="123", papel="CHEFE")

    assert set(info.value.dados["campos"]) == {"email", "papel", "password"}


def test_senha_simples_da_demonstracao_passa_quando_pedido():
    usuario = usuario_criar(email="demo@brm.test", password="admin123", validar_senha=False)

    assert usuario.check_password("admin123")


def test_create_user_e_createsuperuser_continuam_funcionando(monkeypatch):
    usuario = Usuario.objects.create_user(email="simples@brm.test", password="x")
    assert usuario.check_password("x")

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "uma-senha-longa-42")
    call_command("createsuperuser", "--noinput", email="root@brm.test", nome="Root", verbosity=0)
    root = Usuario.objects.get(email="root@brm.test")
    assert root.is_superuser and root.papel == Usuario.Papel.ADMIN


def test_quem_nao_pode_nao_cria(operador):
    with pytest.raises(ErroDeNegocio) as info:
        usuario_criar(email="nova@brm.test", por=operador)

    assert info.value.codigo == ErroDeNegocio.PERMISSAO
    assert not Usuario.objects.filter(email="nova@brm.test").exists()


def test_admin_comum_nao_cria_superusuario(admin_user):
    with pytest.raises(ErroDeNegocio) as info:
        usuario_criar(email="root@brm.test", por=admin_user, is_superuser=True)

    assert info.value.codigo == ErroDeNegocio.PERMISSAO
    assert not Usuario.objects.filter(email="root@brm.test").exists()


def test_atualizar_muda_nome_e_papel_com_o_grupo(admin_user, leitor):
    usuario_atualizar(usuario=leitor, por=admin_user, nome="Novo Nome", papel=Usuario.Papel.APROVADOR)

    leitor = Usuario.objects.get(pk=leitor.pk)
    assert leitor.nome == "Novo Nome" and leitor.papel == Usuario.Papel.APROVADOR
    assert list(leitor.groups.values_list("name", flat=True)) == ["Aprovadores"]


def test_atualizar_com_papel_invalido_nao_muda_nada(admin_user, leitor):
    with pytest.raises(ErroDeNegocio):
        usuario_atualizar(usuario=leitor, por=admin_user, nome="Outro", papel="CHEFE")

    leitor = Usuario.objects.get(pk=leitor.pk)
    assert leitor.nome != "Outro" and leitor.papel == Usuario.Papel.LEITURA


def test_admin_comum_nao_muda_papel_nem_desativa_superusuario(admin_user, superusuario):
    for servico in (
        lambda: usuario_definir_papel(usuario=superusuario, papel=Usuario.Papel.LEITURA, por=admin_user),
        lambda: usuario_desativar(usuario=superusuario, por=admin_user),
    ):
        with pytest.raises(ErroDeNegocio) as info:
            servico()
        assert info.value.codigo == ErroDeNegocio.PERMISSAO

    superusuario = Usuario.objects.get(pk=superusuario.pk)
    assert superusuario.is_active and superusuario.papel == Usuario.Papel.ADMIN


def test_ninguem_se_desativa(admin_user):
    with pytest.raises(ErroDeNegocio):
        usuario_desativar(usuario=admin_user, por=admin_user)

    assert Usuario.objects.get(pk=admin_user.pk).is_active


def test_desativar_outro(admin_user):
    pessoa = UsuarioFactory()

    usuario_desativar(usuario=pessoa, por=admin_user)

    assert not Usuario.objects.get(pk=pessoa.pk).is_active
