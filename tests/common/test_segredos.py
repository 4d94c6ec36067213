"""Secrets at rest: what the columns really hold, and key rotation."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection, transaction

from brm.common import crypto
from brm.usuarios.models import Usuario
from clientes.models import Cliente
from tests.factories import ClienteFactory, UsuarioFactory

pytestmark = pytest.mark.django_db

SENHA = "S3nha-do-Portal!"
TOKEN = "token-pessoal-da-api-0123456789"


def _coluna(modelo, objeto, campo: str) -> str:
    """The value stored in the database, read around the ORM so nothing decrypts it."""
    tabela = connection.ops.quote_name(modelo._meta.db_table)
    coluna = connection.ops.quote_name(modelo._meta.get_field(campo).column)
    pk = connection.ops.quote_name(modelo._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {coluna} FROM {tabela} WHERE {pk} = %s", [modelo._meta.pk.get_db_prep_value(objeto.pk, connection)]
        )
        return cursor.fetchone()[0]


def _gravar_coluna(modelo, objeto, campo: str, valor: str) -> None:
    tabela = connection.ops.quote_name(modelo._meta.db_table)
    coluna = connection.ops.quote_name(modelo._meta.get_field(campo).column)
    pk = connection.ops.quote_name(modelo._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {tabela} SET {coluna} = %s WHERE {pk} = %s",
            [valor, modelo._meta.pk.get_db_prep_value(objeto.pk, connection)],
        )


def test_senha_do_portal_fica_cifrada_no_banco_e_volta_legivel():
    cliente = ClienteFactory(senha_portal=SENHA)

    bruto = _coluna(Cliente, cliente, "senha_portal")

    assert SENHA not in bruto
    assert bruto.startswith("gAAAAA")
    assert crypto.decifrar(bruto) == SENHA
    assert Cliente.objects.get(pk=cliente.pk).senha_portal == SENHA


def test_token_pessoal_do_usuario_fica_cifrado_no_banco_e_volta_legivel():
    usuario = UsuarioFactory(api_externa_token=TOKEN)

    bruto = _coluna(Usuario, usuario, "api_externa_token")

    assert TOKEN not in bruto
    assert crypto.decifrar(bruto) == TOKEN
    assert Usuario.objects.get(pk=usuario.pk).api_externa_token == TOKEN


def test_mesmo_segredo_gravado_duas_vezes_nao_se_repete_no_banco():
    primeiro = ClienteFactory(senha_portal=SENHA)
    segundo = ClienteFactory(senha_portal=SENHA)

    assert _coluna(Cliente, primeiro, "senha_portal") != _coluna(Cliente, segundo, "senha_portal")


def test_segredo_vazio_continua_vazio():
    cliente = ClienteFactory(senha_portal="")
    usuario = UsuarioFactory()

    assert _coluna(Cliente, cliente, "senha_portal") == ""
    assert _coluna(Usuario, usuario, "api_externa_token") == ""
    assert Cliente.objects.get(pk=cliente.pk).senha_portal == ""


def test_segredo_alterado_e_cifrado_de_novo():
    cliente = ClienteFactory(senha_portal=SENHA)

    cliente.senha_portal = "nova-senha"
    cliente.save()

    assert crypto.decifrar(_coluna(Cliente, cliente, "senha_portal")) == "nova-senha"
    assert Cliente.objects.get(pk=cliente.pk).senha_portal == "nova-senha"


def test_rotacao_recifra_tudo_com_a_chave_nova(settings):
    antigas = list(settings.FERNET_KEYS)
    cliente = ClienteFactory(senha_portal=SENHA)
    usuario = UsuarioFactory(api_externa_token=TOKEN)
    # A secret still under the second, older key must be rotated too.
    outro = ClienteFactory(senha_portal="")
    _gravar_coluna(Cliente, outro, "senha_portal", Fernet(antigas[1].encode()).encrypt(b"senha-velha").decode())
    vazio = ClienteFactory(senha_portal="")
    nova = Fernet.generate_key().decode()
    settings.FERNET_KEYS = [nova, *antigas]

    saida = io.StringIO()
    call_command("rotacionar_chaves", stdout=saida)

    assert "clientes.Cliente: 2 registros recifrados." in saida.getvalue()
    assert "usuarios.Usuario: 1 registros recifrados." in saida.getvalue()
    assert "todos os segredos usam a chave mais nova" in saida.getvalue()
    so_a_nova = Fernet(nova.encode())
    assert so_a_nova.decrypt(_coluna(Cliente, cliente, "senha_portal").encode()).decode() == SENHA
    assert so_a_nova.decrypt(_coluna(Cliente, outro, "senha_portal").encode()).decode() == "senha-velha"
    assert so_a_nova.decrypt(_coluna(Usuario, usuario, "api_externa_token").encode()).decode() == TOKEN
    assert _coluna(Cliente, vazio, "senha_portal") == ""
    settings.FERNET_KEYS = [nova]
    assert Cliente.objects.get(pk=cliente.pk).senha_portal == SENHA
    assert Usuario.objects.get(pk=usuario.pk).api_externa_token == TOKEN


def test_sem_rotacao_remover_a_chave_antiga_impede_ler_os_segredos(settings):
    cliente = ClienteFactory(senha_portal=SENHA)
    settings.FERNET_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(ImproperlyConfigured) as info:
        Cliente.objects.get(pk=cliente.pk)

    assert "não pode ser decifrado com as chaves de FERNET_KEYS" in str(info.value)
    assert "rotacionar_chaves" in str(info.value)


def test_chave_que_nao_e_fernet_da_erro_claro(settings):
    settings.FERNET_KEYS = ["isto-nao-e-uma-chave"]

    with pytest.raises(ImproperlyConfigured, match="FERNET_KEYS contém uma chave inválida"), transaction.atomic():
        ClienteFactory(senha_portal=SENHA)

    assert not Cliente.objects.exists()


def test_sem_chaves_da_erro_claro(settings):
    settings.FERNET_KEYS = []

    with pytest.raises(ImproperlyConfigured, match="FERNET_KEYS está vazio"):
        crypto.cifrar(SENHA)


def test_rotacao_depois_de_remover_a_chave_antiga_da_erro_claro_e_nao_muda_nada(settings):
    cliente = ClienteFactory(senha_portal=SENHA)
    bruto = _coluna(Cliente, cliente, "senha_portal")
    settings.FERNET_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(ImproperlyConfigured, match="não pode ser decifrado com as chaves de FERNET_KEYS"):
        call_command("rotacionar_chaves", stdout=io.StringIO())

    assert _coluna(Cliente, cliente, "senha_portal") == bruto
