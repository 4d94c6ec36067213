"""The client services: the model's rules as field errors, the portal password kept unless removed, PROTECT as 409."""

import pytest

from brm.common.errors import ErroDeNegocio
from clientes.models import Cliente
from clientes.services import cliente_atualizar, cliente_criar, cliente_excluir
from tests.factories import ClienteFactory, OperadoraFactory, ProcessoFactory, cnpj_valido

pytestmark = pytest.mark.django_db


def _campos(operadora, **extra) -> dict:
    return {"razao_social": "Empresa Ltda", "cnpj": cnpj_valido(), "operadora": operadora, "conta": "1", **extra}


def test_criar_normaliza_o_cnpj_e_cifra_a_senha(operador):
    operadora = OperadoraFactory()
    cnpj = cnpj_valido()
    formatado = f"{cnpj[:2]}.{cnpj[2:5]}.{cnpj[5:8]}/{cnpj[8:12]}-{cnpj[12:]}"

    cliente = cliente_criar(por=operador, **_campos(operadora, cnpj=formatado, senha_portal="segredo"))

    cliente = Cliente.objects.get(pk=cliente.pk)
    assert cliente.cnpj == cnpj
    assert cliente.senha_portal == "segredo"


def test_criar_sem_permissao_e_recusado_sem_criar(leitor):
    with pytest.raises(ErroDeNegocio) as info:
        cliente_criar(por=leitor, **_campos(OperadoraFactory()))

    assert info.value.codigo == ErroDeNegocio.PERMISSAO
    assert not Cliente.objects.exists()


def test_dados_rpa_que_nao_sao_objeto_sao_recusados(operador):
    with pytest.raises(ErroDeNegocio) as info:
        cliente_criar(por=operador, **_campos(OperadoraFactory(), dados_rpa=[1, 2]))

    assert info.value.codigo == ErroDeNegocio.INVALIDO
    assert "dados_rpa" in info.value.dados["campos"]
    assert not Cliente.objects.exists()


def test_campo_desconhecido_e_recusado(operador):
    with pytest.raises(ErroDeNegocio) as info:
        cliente_criar(por=operador, **_campos(OperadoraFactory(), senha="x"))

    assert info.value.codigo == ErroDeNegocio.INVALIDO


def test_atualizar_com_senha_em_branco_mantem_a_guardada(operador):
    cliente = ClienteFactory(senha_portal="antiga")

    cliente_atualizar(cliente=cliente, por=operador, senha_portal="", unidade="Filial")

    cliente = Cliente.objects.get(pk=cliente.pk)
    assert cliente.senha_portal == "antiga"
    assert cliente.unidade == "Filial"


def test_atualizar_limpando_a_senha_a_remove(operador):
    cliente = ClienteFactory(senha_portal="antiga")

    cliente_atualizar(cliente=cliente, por=operador, limpar_senha_portal=True)

    assert Cliente.objects.get(pk=cliente.pk).senha_portal == ""


def test_atualizar_com_cnpj_invalido_nao_muda_nada(operador):
    cliente = ClienteFactory(razao_social="Original")

    with pytest.raises(ErroDeNegocio) as info:
        cliente_atualizar(cliente=cliente, por=operador, razao_social="Outra", cnpj="123")

    assert "cnpj" in info.value.dados["campos"]
    assert Cliente.objects.get(pk=cliente.pk).razao_social == "Original"


def test_excluir_cliente_com_processos_e_conflito_e_ele_fica(admin_user):
    processo = ProcessoFactory()

    with pytest.raises(ErroDeNegocio) as info:
        cliente_excluir(cliente=processo.cliente, por=admin_user)

    assert info.value.codigo == ErroDeNegocio.CONFLITO
    assert Cliente.objects.filter(pk=processo.cliente_id).exists()


def test_operador_nao_exclui(operador):
    cliente = ClienteFactory()

    with pytest.raises(ErroDeNegocio) as info:
        cliente_excluir(cliente=cliente, por=operador)

    assert info.value.codigo == ErroDeNegocio.PERMISSAO
    assert Cliente.objects.filter(pk=cliente.pk).exists()
