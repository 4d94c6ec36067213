"""Roles: the groups made by the data migration, and the services that put people in them."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from brm.common.errors import ErroDeNegocio
from brm.usuarios.models import Usuario
from brm.usuarios.papeis import GRUPOS, PERMISSOES
from brm.usuarios.services import usuario_criar, usuario_definir_papel

pytestmark = pytest.mark.django_db


def _permissoes(nome_do_grupo: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=nome_do_grupo).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def _grupos(usuario: Usuario) -> list[str]:
    return list(usuario.groups.values_list("name", flat=True))


def test_os_quatro_grupos_existem_depois_das_migracoes():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Administradores",
        "Operadores",
        "Aprovadores",
        "Leitura",
    }
    assert set(GRUPOS) == set(Usuario.Papel.values)


@pytest.mark.parametrize("papel", Usuario.Papel.values)
def test_cada_grupo_tem_exatamente_as_permissoes_do_papel(papel):
    esperadas = {f"{app}.{codename}" for app, codenames in PERMISSOES[papel].items() for codename in codenames}

    assert _permissoes(GRUPOS[papel]) == esperadas


def test_aprovadores_aprovam_mas_nao_editam_clientes_nem_usuarios():
    permissoes = _permissoes("Aprovadores")

    assert "processos.aprovar_processo" in permissoes
    assert "processos.view_processo" in permissoes
    assert "clientes.change_cliente" not in permissoes
    assert "usuarios.change_usuario" not in permissoes
    assert "processos.enviar_fatura" not in permissoes


def test_operadores_enviam_faturas_mas_nao_aprovam():
    permissoes = _permissoes("Operadores")

    assert {"processos.enviar_fatura", "clientes.change_cliente", "processos.change_execucao"} <= permissoes
    assert "processos.aprovar_processo" not in permissoes
    assert "usuarios.change_usuario" not in permissoes
    assert "clientes.delete_cliente" not in permissoes


def test_leitura_so_tem_permissoes_de_ver():
    permissoes = _permissoes("Leitura")

    assert permissoes
    assert all(p.split(".", 1)[1].startswith("view_") for p in permissoes), permissoes


def test_administradores_cuidam_dos_usuarios_e_de_tudo_do_negocio():
    permissoes = _permissoes("Administradores")

    assert {
        "usuarios.add_usuario",
        "usuarios.change_usuario",
        "clientes.delete_cliente",
        "processos.aprovar_processo",
        "processos.enviar_fatura",
        "processos.criar_processos_mensais",
        "agendamentos.change_agendamento",
    } <= permissoes


@pytest.mark.parametrize("papel", Usuario.Papel.values)
def test_usuario_criar_poe_a_pessoa_no_grupo_do_papel(papel):
    usuario = usuario_criar(email="Pessoa@BRM.Test", password="senha-forte-123", nome="Pessoa", papel=papel)

    usuario = Usuario.objects.get(pk=usuario.pk)
    assert usuario.email == "pessoa@brm.test"
    assert usuario.papel == papel
    assert _grupos(usuario) == [GRUPOS[papel]]
    assert usuario.check_password("senha-forte-123")
    assert usuario.is_active
    assert not usuario.is_superuser


def test_usuario_criado_tem_as_permissoes_do_seu_grupo():
    aprovador = usuario_criar(email="aprovador@brm.test", password="x-senha-123", papel=Usuario.Papel.APROVADOR)
    leitor = usuario_criar(email="leitor@brm.test", password="x-senha-123", papel=Usuario.Papel.LEITURA)

    assert aprovador.has_perm("processos.aprovar_processo")
    assert not aprovador.has_perm("clientes.change_cliente")
    assert leitor.has_perm("processos.view_processo")
    assert not leitor.has_perm("processos.aprovar_processo")


def test_usuario_sem_senha_nao_consegue_entrar_com_senha():
    usuario = usuario_criar(email="sistema@brm.test", papel=Usuario.Papel.OPERADOR)

    assert not usuario.has_usable_password()


def test_usuario_criar_com_papel_desconhecido_e_recusado_sem_criar_nada():
    with pytest.raises(ErroDeNegocio) as info:
        usuario_criar(email="chefe@brm.test", password="x-senha-123", papel="CHEFE")

    assert info.value.codigo == ErroDeNegocio.INVALIDO
    assert "papel" in info.value.dados["campos"]
    assert not Usuario.objects.filter(email="chefe@brm.test").exists()


def test_usuario_criar_com_email_ja_usado_e_recusado():
    usuario_criar(email="ana@brm.test", password="x-senha-123")

    with pytest.raises(ErroDeNegocio) as info:
        usuario_criar(email="ANA@brm.test", password="outra-senha-123")

    assert info.value.codigo == ErroDeNegocio.INVALIDO
    assert "email" in info.value.dados["campos"]
    assert Usuario.objects.filter(email="ana@brm.test").count() == 1


@pytest.mark.parametrize("papel", Usuario.Papel.values)
def test_create_user_valida_e_poe_a_pessoa_no_grupo_do_papel(papel):
    usuario = Usuario.objects.create_user(email="Pessoa@BRM.Test", password="senha-forte-123", papel=papel)

    usuario = Usuario.objects.get(pk=usuario.pk)
    assert usuario.email == "pessoa@brm.test"
    assert _grupos(usuario) == [GRUPOS[papel]]
    assert usuario.check_password("senha-forte-123")
    assert not usuario.is_superuser


def test_create_user_sem_papel_fica_so_com_leitura():
    usuario = Usuario.objects.create_user(email="pessoa@brm.test")

    assert usuario.papel == Usuario.Papel.LEITURA
    assert _grupos(usuario) == ["Leitura"]
    assert not usuario.has_usable_password()


def test_create_user_com_email_ja_usado_e_recusado():
    Usuario.objects.create_user(email="ana@brm.test", password="x-senha-123")

    with pytest.raises(ValidationError) as info:
        Usuario.objects.create_user(email="ANA@brm.test", password="outra-senha-123")

    assert "email" in info.value.message_dict
    assert Usuario.objects.filter(email="ana@brm.test").count() == 1


def test_create_superuser_cria_administrador_no_grupo_certo():
    usuario = Usuario.objects.create_superuser(email="root@brm.test", password="x-senha-123", nome="Root")

    assert usuario.is_superuser
    assert usuario.papel == Usuario.Papel.ADMIN
    assert _grupos(usuario) == ["Administradores"]


def test_definir_papel_muda_o_papel_e_o_grupo():
    usuario = usuario_criar(email="pessoa@brm.test", password="x-senha-123", papel=Usuario.Papel.LEITURA)

    usuario_definir_papel(usuario=usuario, papel=Usuario.Papel.APROVADOR)

    usuario = Usuario.objects.get(pk=usuario.pk)
    assert usuario.papel == Usuario.Papel.APROVADOR
    assert _grupos(usuario) == ["Aprovadores"]
    assert usuario.has_perm("processos.aprovar_processo")


def test_definir_papel_tira_grupos_que_sobraram():
    usuario = usuario_criar(email="pessoa@brm.test", password="x-senha-123", papel=Usuario.Papel.OPERADOR)
    usuario.groups.add(Group.objects.get(name="Administradores"))

    usuario_definir_papel(usuario=usuario, papel=Usuario.Papel.OPERADOR)

    assert _grupos(usuario) == ["Operadores"]


def test_definir_papel_desconhecido_e_recusado_sem_mudar_nada():
    usuario = usuario_criar(email="pessoa@brm.test", password="x-senha-123", papel=Usuario.Papel.OPERADOR)

    with pytest.raises(ErroDeNegocio) as info:
        usuario_definir_papel(usuario=usuario, papel="CHEFE")

    assert info.value.codigo == ErroDeNegocio.INVALIDO
    assert "CHEFE" in info.value.mensagem
    usuario = Usuario.objects.get(pk=usuario.pk)
    assert usuario.papel == Usuario.Papel.OPERADOR
    assert _grupos(usuario) == ["Operadores"]
