"""/api/v1/clientes/: CNPJ in any spelling and out formatted, the portal password never answered, the roles."""

import pytest
from stdnum.br import cnpj as stdnum_cnpj

from clientes.models import Cliente
from tests.api.conftest import assert_erro
from tests.factories import ClienteFactory, OperadoraFactory, ProcessoFactory, cnpj_valido

pytestmark = pytest.mark.django_db

URL = "/api/v1/clientes/"
SENHA = "senha-ultra-secreta"


def _alfanumerico() -> str:
    raiz = "12ABC34501DE"
    return raiz + stdnum_cnpj.calc_check_digits(raiz)


def _novo(da_operadora, **extra) -> dict:
    return {
        "razao_social": "BEG Telecomunicações Ltda",
        "cnpj": stdnum_cnpj.format(cnpj_valido()),
        "operadora": da_operadora.codigo,
        "login_portal": "financeiro@beg.com.br",
        "senha_portal": SENHA,
        "conta": "0123456789",
        "dados_rpa": {"contrato": "123"},
        "dia_emissao": 10,
        **extra,
    }


def test_lista_responde_cnpj_formatado_operadora_resumida_e_nunca_a_senha(api_leitor):
    cliente = ClienteFactory(senha_portal=SENHA)

    resposta = api_leitor.get(URL)

    assert resposta.status_code == 200
    item = resposta.json()["resultados"][0]
    assert item["cnpj"] == cliente.cnpj_formatado
    assert item["operadora"] == {
        "id": str(cliente.operadora_id),
        "nome": cliente.operadora.nome,
        "codigo": cliente.operadora.codigo,
    }
    assert item["tem_senha_portal"] is True
    assert "senha_portal" not in item
    assert SENHA not in resposta.content.decode()


@pytest.mark.parametrize("forma", ["cru", "formatado", "raiz"])
def test_busca_acha_cnpj_com_ou_sem_pontuacao(api_leitor, forma):
    cliente = ClienteFactory(razao_social="Achada Ltda")
    ClienteFactory(razao_social="Outra Ltda")
    termo = {"cru": cliente.cnpj, "formatado": cliente.cnpj_formatado, "raiz": cliente.cnpj_formatado[:10]}[forma]

    corpo = api_leitor.get(URL, {"busca": termo}).json()

    assert [item["id"] for item in corpo["resultados"]] == [str(cliente.pk)]


def test_busca_acha_cnpj_alfanumerico_e_palavras(api_leitor):
    cliente = ClienteFactory(razao_social="Letras e Números SA", cnpj=_alfanumerico())
    ClienteFactory(razao_social="Outra Ltda")

    for termo in ("12abc34501de" + cliente.cnpj[-2:], cliente.cnpj_formatado, "letras números"):
        corpo = api_leitor.get(URL, {"busca": termo}).json()
        assert [item["id"] for item in corpo["resultados"]] == [str(cliente.pk)], termo


def test_filtra_por_operadora_pelo_id_ou_pelo_codigo_e_por_ativo(api_leitor):
    vivo = OperadoraFactory(codigo="vivo")
    ativo = ClienteFactory(operadora=vivo)
    ClienteFactory(operadora=vivo, ativo=False)
    ClienteFactory()

    for referencia in (str(vivo.pk), "vivo"):
        corpo = api_leitor.get(URL, {"operadora": referencia, "ativo": "true"}).json()
        assert [item["id"] for item in corpo["resultados"]] == [str(ativo.pk)]
    assert api_leitor.get(URL, {"operadora": "inexistente"}).json()["total"] == 0


def test_operador_cadastra_com_cnpj_formatado_e_operadora_pelo_codigo(api_operador, operador):
    vivo = OperadoraFactory(codigo="vivo")
    dados = _novo(vivo)

    resposta = api_operador.post(URL, dados, format="json")

    assert resposta.status_code == 201, resposta.content
    corpo = resposta.json()
    cliente = Cliente.objects.get(pk=corpo["id"])
    assert cliente.cnpj == stdnum_cnpj.compact(dados["cnpj"])
    assert cliente.operadora == vivo
    assert cliente.senha_portal == SENHA
    assert corpo["cnpj"] == cliente.cnpj_formatado
    assert corpo["tem_senha_portal"] is True
    assert SENHA not in resposta.content.decode()


def test_cadastra_cnpj_alfanumerico_sem_pontuacao_em_minusculas(api_admin):
    operadora = OperadoraFactory()
    cnpj = _alfanumerico()

    resposta = api_admin.post(URL, _novo(operadora, cnpj=cnpj.lower(), operadora=str(operadora.pk)), format="json")

    assert resposta.status_code == 201, resposta.content
    assert resposta.json()["cnpj"] == stdnum_cnpj.format(cnpj)
    assert Cliente.objects.get().cnpj == cnpj


@pytest.mark.parametrize(
    ("extra", "campo"),
    [
        ({"cnpj": "12.345.678/0001-00"}, "cnpj"),
        ({"dados_rpa": ["lista"]}, "dados_rpa"),
        ({"dia_emissao": 32}, "dia_emissao"),
        ({"operadora": "nao-existe"}, "operadora"),
    ],
)
def test_dados_invalidos_sao_recusados_no_campo_e_nada_e_criado(api_admin, extra, campo):
    operadora = OperadoraFactory()

    corpo = assert_erro(api_admin.post(URL, _novo(operadora, **extra), format="json"), 400, "invalido")

    assert campo in corpo["campos"], corpo
    assert not Cliente.objects.exists()


def test_mesma_conta_da_mesma_empresa_na_mesma_operadora_e_recusada(api_admin):
    existente = ClienteFactory()
    dados = _novo(existente.operadora, cnpj=existente.cnpj_formatado, conta=existente.conta)

    corpo = assert_erro(api_admin.post(URL, dados, format="json"), 400, "invalido")

    assert corpo["campos"]
    assert Cliente.objects.count() == 1


def test_alterar_sem_senha_ou_com_senha_em_branco_mantem_a_guardada(api_operador):
    cliente = ClienteFactory(senha_portal=SENHA)

    for dados in ({"razao_social": "Nova Razão Ltda"}, {"senha_portal": ""}):
        resposta = api_operador.patch(f"{URL}{cliente.pk}/", dados, format="json")
        assert resposta.status_code == 200, resposta.content
        assert resposta.json()["tem_senha_portal"] is True

    cliente.refresh_from_db()
    assert cliente.razao_social == "Nova Razão Ltda"
    assert cliente.senha_portal == SENHA


def test_trocar_e_limpar_a_senha_do_portal(api_operador):
    cliente = ClienteFactory(senha_portal=SENHA)

    api_operador.patch(f"{URL}{cliente.pk}/", {"senha_portal": "nova-senha"}, format="json")
    cliente.refresh_from_db()
    assert cliente.senha_portal == "nova-senha"

    resposta = api_operador.patch(f"{URL}{cliente.pk}/", {"limpar_senha_portal": True}, format="json")
    assert resposta.json()["tem_senha_portal"] is False
    cliente.refresh_from_db()
    assert cliente.senha_portal == ""


def test_nova_senha_e_limpar_juntos_sao_recusados_sem_mudar_nada(api_operador):
    cliente = ClienteFactory(senha_portal=SENHA)

    corpo = assert_erro(
        api_operador.patch(f"{URL}{cliente.pk}/", {"senha_portal": "x", "limpar_senha_portal": True}, format="json"),
        400,
        "invalido",
    )

    assert "senha_portal" in corpo["campos"]
    cliente.refresh_from_db()
    assert cliente.senha_portal == SENHA


def test_alteracao_invalida_nao_muda_nada(api_operador):
    cliente = ClienteFactory(razao_social="Original Ltda")

    assert_erro(
        api_operador.patch(f"{URL}{cliente.pk}/", {"razao_social": "Outra", "cnpj": "11111111111111"}, format="json"),
        400,
        "invalido",
    )

    cliente.refresh_from_db()
    assert cliente.razao_social == "Original Ltda"


@pytest.mark.parametrize("leitor_ou_aprovador", ["api_leitor", "api_aprovador"])
def test_quem_so_ve_nao_cadastra_nem_altera(request, leitor_ou_aprovador):
    api = request.getfixturevalue(leitor_ou_aprovador)
    cliente = ClienteFactory(razao_social="Original Ltda")

    assert api.get(f"{URL}{cliente.pk}/").status_code == 200
    assert_erro(api.post(URL, _novo(cliente.operadora), format="json"), 403, "permissao")
    assert_erro(api.patch(f"{URL}{cliente.pk}/", {"razao_social": "X"}, format="json"), 403, "permissao")
    assert_erro(api.delete(f"{URL}{cliente.pk}/"), 403, "permissao")
    cliente.refresh_from_db()
    assert cliente.razao_social == "Original Ltda"
    assert Cliente.objects.count() == 1


def test_operador_nao_exclui(api_operador):
    cliente = ClienteFactory()

    assert_erro(api_operador.delete(f"{URL}{cliente.pk}/"), 403, "permissao")
    assert Cliente.objects.filter(pk=cliente.pk).exists()


def test_admin_exclui_cliente_sem_processos(api_admin):
    cliente = ClienteFactory()

    assert api_admin.delete(f"{URL}{cliente.pk}/").status_code == 204
    assert not Cliente.objects.filter(pk=cliente.pk).exists()


def test_excluir_cliente_com_processos_responde_409_e_ele_fica(api_admin):
    processo = ProcessoFactory()

    corpo = assert_erro(api_admin.delete(f"{URL}{processo.cliente_id}/"), 409, "conflito")

    assert "desative" in corpo["mensagem"]
    assert Cliente.objects.filter(pk=processo.cliente_id).exists()


def test_sem_token_responde_401(anonimo):
    assert_erro(anonimo.get(URL), 401, "nao_autenticado")


def test_lista_custa_as_mesmas_consultas_com_5_ou_50_por_pagina(api_leitor, django_assert_max_num_queries):
    ClienteFactory.create_batch(50, operadora=OperadoraFactory())

    # The caller and their permissions, the count, the page: the same few queries whatever the page size.
    for tamanho in (5, 50):
        with django_assert_max_num_queries(5):
            corpo = api_leitor.get(URL, {"tamanho": tamanho}).json()
        assert len(corpo["resultados"]) == tamanho
