"""The audit trail in the admin: changes made in the change forms are recorded with the person who made them, and
the "Histórico" page shows who, when, from where and what (field: before → after), secrets only as "alterado"."""

import json

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.test import AsyncClient
from django.urls import NoReverseMatch, reverse

from agendamentos.models import Agendamento
from agendamentos.services import agendamento_criar
from brm.common.admin_auditoria import AuditoriaAdminMixin
from brm.rpa.models import ConfiguracaoRPA
from brm.usuarios.models import Usuario
from brm.webhooks.models import Webhook
from brm.webhooks.services import webhook_criar
from clientes.models import Cliente
from operadoras.models import Operadora
from tests.conftest import _pagina
from tests.factories import ClienteFactory, ConfiguracaoRPAFactory, OperadoraFactory, UsuarioFactory

pytestmark = pytest.mark.django_db


def url(modelo, acao: str, *args) -> str:
    return reverse(f"admin:{modelo._meta.app_label}_{modelo._meta.model_name}_{acao}", args=args)


def registros(resposta) -> list[dict]:
    """The rows of a history page, newest first: {quando, acao, quem, origem, mudancas (one text per change)}."""
    assert resposta.status_code == 200, resposta.status_code
    linhas = [e for e in _pagina(resposta).todos() if e.tag == "tr" and "brm-auditoria-registro" in e.classes]
    resultado = []
    for linha in linhas:
        quando, acao, quem, origem, mudancas = [c for c in linha.filhos if not isinstance(c, str)]
        resultado.append(
            {
                "quando": quando.texto(),
                "acao": acao.texto(),
                "quem": quem.texto(),
                "origem": origem.texto(),
                "mudancas": [item.texto() for item in mudancas.todos() if item.tag == "li"],
                "texto": mudancas.texto(),
            }
        )
    return resultado


def coluna_cifrada(instancia, campo: str) -> str:
    modelo = type(instancia)
    tabela = connection.ops.quote_name(modelo._meta.db_table)
    coluna = connection.ops.quote_name(modelo._meta.get_field(campo).column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {coluna} FROM {tabela} WHERE id = %s", [instancia.pk.hex])
        [(valor,)] = cursor.fetchall()
    return valor


# Form data of each change page


def dados_operadora(operadora: Operadora, **extra) -> dict:
    return {
        "nome": operadora.nome,
        "codigo": operadora.codigo,
        "ativa": "on" if operadora.ativa else "",
        "dia_emissao": operadora.dia_emissao or "",
        "possui_rpa": "on" if operadora.possui_rpa else "",
        "url_endpoint_rpa": operadora.url_endpoint_rpa,
        "max_execucoes_simultaneas": operadora.max_execucoes_simultaneas,
        **extra,
    }


def dados_cliente(cliente: Cliente, **extra) -> dict:
    return {
        "razao_social": cliente.razao_social,
        "cnpj": cliente.cnpj_formatado,
        "operadora": str(cliente.operadora_id),
        "ativo": "on",
        "conta": cliente.conta,
        "unidade": cliente.unidade,
        "dia_emissao": cliente.dia_emissao or "",
        "login_portal": cliente.login_portal,
        "senha_portal": "",
        "dados_rpa": json.dumps(cliente.dados_rpa),
        "codigo_sat": cliente.codigo_sat,
        **extra,
    }


def dados_usuario(usuario: Usuario, **extra) -> dict:
    return {
        "email": usuario.email,
        "nome": usuario.nome,
        "papel": usuario.papel,
        "is_active": "on",
        "is_staff": "on",
        "api_externa_token": "",
        **extra,
    }


def dados_configuracao(configuracao: ConfiguracaoRPA, **extra) -> dict:
    campos = (
        "url_base",
        "robo_sat",
        "intervalo_polling_ms",
        "timeout_execucao_segundos",
        "timeout_http_segundos",
        "limite_global",
        "max_tentativas_envio",
        "backoff_base_segundos",
        "backoff_max_segundos",
        "reexecucoes_automaticas",
        "intervalo_reexecucao_minutos",
        "teto_ocupacao_minutos",
        "endpoint_cancelamento",
    )
    return {**{campo: getattr(configuracao, campo) for campo in campos}, "token": "", **extra}


def dados_agendamento(agendamento: Agendamento, **extra) -> dict:
    return {
        "nome": agendamento.nome,
        "tipo": agendamento.tipo,
        "ativo": "on" if agendamento.ativo else "",
        "expressao_cron": agendamento.expressao_cron,
        "fuso_horario": agendamento.fuso_horario,
        "parametros": json.dumps(agendamento.parametros),
        "execucoes-TOTAL_FORMS": "0",
        "execucoes-INITIAL_FORMS": "0",
        "execucoes-MIN_NUM_FORMS": "0",
        "execucoes-MAX_NUM_FORMS": "0",
        **extra,
    }


def _webhook(por=None) -> Webhook:
    return webhook_criar(nome="ERP", url="https://erp.example/brm", eventos=["processo.aprovado"], por=por)[0]


def _agendamento(por=None) -> Agendamento:
    return agendamento_criar(
        por=por, nome="Processos do mês", tipo=Agendamento.Tipo.CRIAR_PROCESSOS_MENSAIS, expressao_cron="0 6 1 * *"
    )


LINHAS = {
    Operadora: lambda: OperadoraFactory(),
    Cliente: lambda: ClienteFactory(),
    Usuario: lambda: UsuarioFactory(),
    Agendamento: _agendamento,
    ConfiguracaoRPA: lambda: ConfiguracaoRPAFactory(),
    Webhook: _webhook,
}


# Edits in the change forms --------------------------------------------------------------------------------------


def test_administrador_altera_operadora_e_o_historico_diz_quem_quando_e_o_que(client, admin_user):
    operadora = OperadoraFactory(nome="Vivo", max_execucoes_simultaneas=2)
    client.force_login(admin_user)

    resposta = client.post(
        url(Operadora, "change", operadora.pk), dados_operadora(operadora, max_execucoes_simultaneas=5, ativa="")
    )

    assert resposta.status_code == 302, resposta.context["adminform"].form.errors
    registro = operadora.history.first()
    assert registro.history_user == admin_user
    assert registro.history_change_reason == "admin"
    [alteracao, criacao] = registros(client.get(url(Operadora, "history", operadora.pk)))
    assert alteracao["acao"] == "Alteração"
    assert admin_user.nome in alteracao["quem"] and admin_user.email in alteracao["quem"]
    assert alteracao["origem"] == "admin"
    assert alteracao["mudancas"] == ["Execuções simultâneas (máx.): 2 → 5", "Ativa: Sim → Não"]
    assert criacao["acao"] == "Criação" and "Cadastro criado." in criacao["texto"]


def test_senha_do_portal_trocada_no_admin_aparece_so_como_alterado(client, operador):
    cliente = ClienteFactory(senha_portal="senha-antiga-do-portal", unidade="")
    antiga_cifrada = coluna_cifrada(cliente, "senha_portal")
    client.force_login(operador)

    resposta = client.post(
        url(Cliente, "change", cliente.pk),
        dados_cliente(cliente, senha_portal="senha-nova-do-portal", unidade="Matriz"),
    )

    assert resposta.status_code == 302
    nova_cifrada = coluna_cifrada(cliente, "senha_portal")
    pagina = client.get(url(Cliente, "history", cliente.pk))
    alteracao = registros(pagina)[0]
    assert alteracao["mudancas"] == ["Unidade: — → Matriz", "Senha do portal: alterado"]
    assert operador.email in alteracao["quem"]
    conteudo = pagina.content.decode()
    for valor in ("senha-antiga-do-portal", "senha-nova-do-portal", antiga_cifrada, nova_cifrada):
        assert valor not in conteudo


def test_senha_do_portal_em_branco_no_admin_nao_conta_como_alterada(client, admin_user):
    cliente = ClienteFactory(senha_portal="fica-como-esta")
    client.force_login(admin_user)

    client.post(url(Cliente, "change", cliente.pk), dados_cliente(cliente, codigo_sat="SAT-9"))

    assert registros(client.get(url(Cliente, "history", cliente.pk)))[0]["mudancas"] == ["Código no SAT: — → SAT-9"]


def test_token_dos_robos_trocado_no_admin_aparece_so_como_alterado(client, admin_user):
    configuracao = ConfiguracaoRPAFactory(token="token-global-antigo", limite_global=5)
    client.force_login(admin_user)

    resposta = client.post(
        url(ConfiguracaoRPA, "change", configuracao.pk),
        dados_configuracao(configuracao, token="token-global-novo", limite_global=8),
    )

    assert resposta.status_code == 302
    pagina = client.get(url(ConfiguracaoRPA, "history", configuracao.pk))
    alteracao = registros(pagina)[0]
    assert alteracao["mudancas"] == ["Trabalhos simultâneos (máx. global): 5 → 8", "Token global: alterado"]
    conteudo = pagina.content.decode()
    assert "token-global-antigo" not in conteudo and "token-global-novo" not in conteudo
    assert coluna_cifrada(configuracao, "token") not in conteudo


def test_troca_de_papel_no_admin_fica_no_historico_do_usuario(client, admin_user):
    pessoa = UsuarioFactory(papel=Usuario.Papel.LEITURA)
    client.force_login(admin_user)

    resposta = client.post(url(Usuario, "change", pessoa.pk), dados_usuario(pessoa, papel=Usuario.Papel.OPERADOR))

    assert resposta.status_code == 302
    pessoa.refresh_from_db()
    assert list(pessoa.groups.values_list("name", flat=True)) == ["Operadores"]
    alteracao = registros(client.get(url(Usuario, "history", pessoa.pk)))[0]
    assert alteracao["mudancas"] == ["Papel: Leitura → Operador"]
    assert admin_user.email in alteracao["quem"] and alteracao["origem"] == "admin"


def test_troca_de_senha_no_admin_aparece_so_como_alterada(client, admin_user):
    pessoa = UsuarioFactory()
    hash_antigo = pessoa.password
    client.force_login(admin_user)

    resposta = client.post(
        reverse("admin:auth_user_password_change", args=[pessoa.pk]),
        {"password1": "outra-senha-forte-77", "password2": "outra-senha-forte-77", "usable_password": "true"},
    )

    assert resposta.status_code == 302
    pessoa.refresh_from_db()
    pagina = client.get(url(Usuario, "history", pessoa.pk))
    alteracao = registros(pagina)[0]
    assert alteracao["mudancas"] == ["Senha: alterado"]
    assert admin_user.email in alteracao["quem"]
    conteudo = pagina.content.decode()
    assert hash_antigo not in conteudo and pessoa.password not in conteudo


def test_sob_asgi_o_usuario_da_requisicao_chega_ao_historico(admin_user):
    # The web runs under ASGI (uvicorn): the password page saves without any service, so only the request says who.
    pessoa = UsuarioFactory()
    cliente = AsyncClient()
    async_to_sync(cliente.aforce_login)(admin_user)

    resposta = async_to_sync(cliente.post)(
        reverse("admin:auth_user_password_change", args=[pessoa.pk]),
        {"password1": "outra-senha-forte-77", "password2": "outra-senha-forte-77", "usable_password": "true"},
    )

    assert resposta.status_code == 302
    ultimo = pessoa.history.first()
    assert (ultimo.history_user, ultimo.history_change_reason) == (admin_user, "admin")
    assert ultimo.segredos_alterados == ["password"]


def test_novo_segredo_do_webhook_aparece_so_como_alterado(client, admin_user):
    webhook, antigo = webhook_criar(nome="ERP", url="https://erp.example/brm", eventos=["processo.aprovado"], por=None)
    client.force_login(admin_user)

    client.post(url(Webhook, "changelist"), {"action": "renovar_segredo", "_selected_action": [webhook.pk]})

    webhook.refresh_from_db()
    pagina = client.get(url(Webhook, "history", webhook.pk))
    renovacao, criacao = registros(pagina)
    assert renovacao["mudancas"] == ["Segredo: alterado"] and admin_user.email in renovacao["quem"]
    assert criacao["mudancas"] == ["Segredo: alterado"] and "sistema" in criacao["quem"]
    conteudo = pagina.content.decode()
    for valor in (antigo, webhook.segredo, coluna_cifrada(webhook, "segredo")):
        assert valor not in conteudo


def test_agendamento_alterado_no_admin_fica_no_historico(client, admin_user):
    agendamento = _agendamento()
    client.force_login(admin_user)

    resposta = client.post(
        url(Agendamento, "change", agendamento.pk), dados_agendamento(agendamento, expressao_cron="0 7 1 * *")
    )

    assert resposta.status_code == 302
    alteracao = registros(client.get(url(Agendamento, "history", agendamento.pk)))[0]
    assert alteracao["mudancas"] == ["Expressão cron: 0 6 1 * * → 0 7 1 * *"]
    assert admin_user.email in alteracao["quem"]


# Who sees the history -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("modelo", list(LINHAS), ids=lambda modelo: modelo.__name__)
def test_historico_abre_para_o_papel_administrador_sem_ser_superusuario(client, admin_user, modelo):
    linha = LINHAS[modelo]()
    assert not admin_user.is_superuser
    client.force_login(admin_user)

    assert registros(client.get(url(modelo, "history", linha.pk)))


@pytest.mark.parametrize(
    ("papel", "modelo", "status"),
    [
        ("operador", Cliente, 200),
        ("operador", Operadora, 200),
        ("leitor", Cliente, 200),
        ("leitor", Usuario, 403),
        ("operador", ConfiguracaoRPA, 403),
        ("operador", Webhook, 403),
        ("aprovador", Agendamento, 403),
    ],
)
def test_historico_segue_a_permissao_de_ver_o_cadastro(client, request, papel, modelo, status):
    linha = LINHAS[modelo]()
    client.force_login(request.getfixturevalue(papel))

    assert client.get(url(modelo, "history", linha.pk)).status_code == status


def test_nenhuma_pagina_mostra_ou_restaura_versao_antiga(client, admin_user):
    # simple-history's page of one version saves whatever is posted to it, outside the services.
    operadora = OperadoraFactory(nome="Original")
    client.force_login(admin_user)
    registro = operadora.history.first()

    with pytest.raises(NoReverseMatch):
        reverse("admin:operadoras_operadora_simple_history", args=[operadora.pk, registro.history_id])
    resposta = client.post(
        f"{url(Operadora, 'history', operadora.pk)}{registro.history_id}/", dados_operadora(operadora, nome="Tomada")
    )

    assert resposta.status_code in (302, 404)
    operadora.refresh_from_db()
    assert operadora.nome == "Original"
    assert "Reverter" not in client.get(url(Operadora, "history", operadora.pk)).content.decode()


def test_registro_mais_antigo_da_pagina_e_comparado_com_o_da_pagina_seguinte(client, admin_user, monkeypatch):
    operadora = OperadoraFactory(max_execucoes_simultaneas=1)
    for maximo in (2, 3, 4):
        operadora.max_execucoes_simultaneas = maximo
        operadora.save()
    monkeypatch.setattr(AuditoriaAdminMixin, "history_list_per_page", 2)
    client.force_login(admin_user)

    primeira = registros(client.get(url(Operadora, "history", operadora.pk)))
    segunda = registros(client.get(url(Operadora, "history", operadora.pk), {"p": 2}))

    assert [r["mudancas"] for r in primeira] == [
        ["Execuções simultâneas (máx.): 3 → 4"],
        ["Execuções simultâneas (máx.): 2 → 3"],
    ]
    assert [r["mudancas"] for r in segunda] == [["Execuções simultâneas (máx.): 1 → 2"], []]


def test_historico_de_cliente_excluido_continua_no_endereco_dele(client, admin_user):
    cliente = ClienteFactory(razao_social="Excluída Ltda")
    pk = cliente.pk
    client.force_login(admin_user)

    assert client.post(url(Cliente, "delete", pk), {"post": "yes"}).status_code == 302

    exclusao, criacao = registros(client.get(url(Cliente, "history", pk)))
    assert exclusao["acao"] == "Exclusão" and admin_user.email in exclusao["quem"]
    assert "Cadastro excluído." in exclusao["texto"]
