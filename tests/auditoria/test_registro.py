"""What the audit trail records when the services change operators, clients, users, schedules, the robot
configuration and webhooks: who, when, what, and secrets only by name."""

import datetime as dt

import pytest
from celery import current_app
from django.apps import apps
from django.contrib.auth.signals import user_logged_in
from django.db import connection
from django.db.models import ProtectedError
from django.test import RequestFactory

from agendamentos.models import Agendamento
from agendamentos.services import agendamento_atualizar, agendamento_criar, agendamento_executar
from brm.common import auditoria
from brm.common.auditoria import historico_iniciar, origem_sem_requisicao
from brm.common.fields import EncryptedTextField
from brm.rpa.models import ConfiguracaoRPA
from brm.usuarios.models import ORIGEM_RECODIFICACAO, Usuario
from brm.usuarios.services import usuario_atualizar, usuario_criar
from brm.webhooks.models import Webhook
from brm.webhooks.services import webhook_alterar, webhook_criar, webhook_segredo_renovar
from clientes.models import Cliente
from clientes.services import cliente_atualizar, cliente_criar, cliente_excluir
from operadoras.models import Operadora
from operadoras.services import operadora_atualizar
from processos.models import Execucao, Processo
from tests.factories import ClienteFactory, ConfiguracaoRPAFactory, OperadoraFactory, UsuarioFactory

pytestmark = pytest.mark.django_db

AUDITADOS = [Operadora, Cliente, Usuario, Agendamento, ConfiguracaoRPA, Webhook]


def linhas_cruas(modelo) -> str:
    """Every value of every row of the model's history table, read with SQL, as one text to search in."""
    tabela = connection.ops.quote_name(modelo.history.model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {tabela}")
        return repr(cursor.fetchall())


def coluna_cifrada(instancia, campo: str) -> str:
    """The encrypted value as the database holds it."""
    modelo = type(instancia)
    tabela = connection.ops.quote_name(modelo._meta.db_table)
    coluna = connection.ops.quote_name(modelo._meta.get_field(campo).column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {coluna} FROM {tabela} WHERE id = %s", [instancia.pk.hex])
        [(valor,)] = cursor.fetchall()
    return valor


# What is audited ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("modelo", AUDITADOS, ids=lambda modelo: modelo.__name__)
def test_modelos_auditados_nao_copiam_segredo_algum_para_o_historico(modelo):
    historico = modelo.history.model
    cifrados = {campo.name for campo in modelo._meta.fields if isinstance(campo, EncryptedTextField)}

    assert not [campo for campo in historico._meta.fields if isinstance(campo, EncryptedTextField)]
    assert not cifrados & {campo.name for campo in historico._meta.fields}
    assert "password" not in {campo.name for campo in historico._meta.fields}
    assert "segredos_alterados" in {campo.name for campo in historico._meta.fields}


def test_processos_e_execucoes_nao_tem_historico_de_auditoria():
    # Their own timelines (ProcessoEvento, ExecucaoEvento) say what happened; an extra INSERT per transition would
    # only slow the robot pipeline down.
    for modelo in (Processo, Execucao):
        assert not hasattr(modelo._meta, "simple_history_manager_attribute")


def test_todo_historico_deixa_de_fora_os_campos_cifrados_do_seu_modelo():
    # Also a model that gets a history later: its encrypted fields stay out without anyone listing them.
    for modelo in apps.get_models():
        if not hasattr(modelo._meta, "simple_history_manager_attribute"):
            continue
        copiados = {campo.name for campo in modelo.history.model._meta.fields}
        for campo in modelo._meta.fields:
            if isinstance(campo, EncryptedTextField):
                assert campo.name not in copiados, f"{modelo.__name__}.{campo.name}"


# Who, when, what --------------------------------------------------------------------------------------------------


def test_alteracao_por_servico_registra_quem_quando_e_o_que(admin_user):
    operadora = OperadoraFactory(max_execucoes_simultaneas=2)
    antes = dt.datetime.now(dt.UTC)

    operadora_atualizar(operadora=operadora, por=admin_user, max_execucoes_simultaneas=4, ativa=False)

    ultimo, anterior = operadora.history.all()[:2]
    assert ultimo.history_type == "~"
    assert ultimo.history_user == admin_user
    assert ultimo.history_date >= antes
    delta = ultimo.diff_against(anterior)
    assert sorted(delta.changed_fields) == ["ativa", "max_execucoes_simultaneas"]
    assert {(m.field, m.old, m.new) for m in delta.changes} == {
        ("ativa", True, False),
        ("max_execucoes_simultaneas", 2, 4),
    }


def test_salvar_sem_mudar_nada_nao_registra(admin_user):
    operadora = OperadoraFactory()
    antes = operadora.history.count()

    operadora_atualizar(operadora=operadora, por=admin_user)

    assert operadora.history.count() == antes


def test_exclusao_fica_registrada_com_quem_excluiu(admin_user):
    cliente = ClienteFactory()
    pk = cliente.pk

    cliente_excluir(cliente=cliente, por=admin_user)

    ultimo = Cliente.history.filter(id=pk).first()
    assert ultimo.history_type == "-"
    assert ultimo.history_user == admin_user


def test_alteracao_sem_usuario_fica_sem_autor():
    operadora = OperadoraFactory()

    operadora_atualizar(operadora=operadora, por=None, nome="Sem autor")

    assert operadora.history.first().history_user is None


def test_servico_dentro_de_outro_mantem_o_autor_de_fora(admin_user):
    pessoa = UsuarioFactory(papel=Usuario.Papel.LEITURA)

    # usuario_atualizar calls usuario_definir_papel for the role.
    usuario_atualizar(usuario=pessoa, por=admin_user, papel=Usuario.Papel.OPERADOR, nome="Nova")

    ultimos = list(pessoa.history.all()[:2])
    assert {registro.history_user for registro in ultimos} == {admin_user}
    assert ultimos[0].papel == Usuario.Papel.OPERADOR


# Secrets ---------------------------------------------------------------------------------------------------------


def test_senha_do_portal_alterada_fica_so_pelo_nome(admin_user, operador):
    cliente = cliente_criar(
        por=admin_user,
        razao_social="Empresa Auditada",
        cnpj="11.222.333/0001-81",
        operadora=OperadoraFactory(),
        senha_portal="senha-original-1",
    )
    cifrada_original = coluna_cifrada(cliente, "senha_portal")

    cliente_atualizar(cliente=cliente, por=operador, senha_portal="senha-nova-2")
    cifrada_nova = coluna_cifrada(cliente, "senha_portal")
    cliente_atualizar(cliente=cliente, por=operador, unidade="Filial")

    terceiro, segundo, primeiro = cliente.history.all()[:3]
    assert primeiro.history_type == "+" and primeiro.segredos_alterados == ["senha_portal"]
    assert segundo.segredos_alterados == ["senha_portal"] and segundo.history_user == operador
    assert terceiro.segredos_alterados == []
    assert terceiro.diff_against(segundo).changed_fields == ["unidade"]
    cru = linhas_cruas(Cliente)
    for valor in ("senha-original-1", "senha-nova-2", cifrada_original, cifrada_nova):
        assert valor not in cru


def test_mesma_senha_do_portal_digitada_de_novo_nao_conta_como_alterada(admin_user):
    cliente = ClienteFactory(senha_portal="a-mesma")

    cliente_atualizar(cliente=cliente, por=admin_user, senha_portal="a-mesma", unidade="Outra")

    assert cliente.history.first().segredos_alterados == []


def test_remover_a_senha_do_portal_conta_como_alterada(admin_user):
    cliente = ClienteFactory(senha_portal="vai-sair")

    cliente_atualizar(cliente=cliente, por=admin_user, limpar_senha_portal=True)

    assert cliente.history.first().segredos_alterados == ["senha_portal"]


def test_segredo_do_webhook_renovado_fica_so_pelo_nome(admin_user):
    webhook, segredo = webhook_criar(
        nome="ERP", url="https://erp.example/brm", eventos=["processo.aprovado"], por=admin_user
    )
    webhook_alterar(webhook=webhook, por=admin_user, nome="ERP financeiro")

    novo = webhook_segredo_renovar(webhook=webhook, por=admin_user)

    renovacao, alteracao, criacao = webhook.history.all()[:3]
    assert criacao.segredos_alterados == ["segredo"]
    assert alteracao.segredos_alterados == [] and alteracao.diff_against(criacao).changed_fields == ["nome"]
    assert renovacao.segredos_alterados == ["segredo"] and renovacao.history_user == admin_user
    cru = linhas_cruas(Webhook)
    assert segredo not in cru and novo not in cru and coluna_cifrada(webhook, "segredo") not in cru


def test_token_da_configuracao_dos_robos_fica_so_pelo_nome():
    configuracao = ConfiguracaoRPAFactory(token="token-antigo")

    configuracao.token = "token-novo"
    configuracao.save()

    assert configuracao.history.first().segredos_alterados == ["token"]
    cru = linhas_cruas(ConfiguracaoRPA)
    assert "token-antigo" not in cru and "token-novo" not in cru and coluna_cifrada(configuracao, "token") not in cru


def test_senha_e_token_pessoal_do_usuario_ficam_so_pelo_nome(admin_user):
    pessoa = usuario_criar(email="ana@brm.test", nome="Ana", password="senha-forte-da-ana-1", por=admin_user)
    hash_antigo = pessoa.password

    pessoa.set_password("outra-senha-forte-2")
    pessoa.api_externa_token = "token-pessoal-da-ana"
    pessoa.save()

    ultimo = pessoa.history.first()
    assert sorted(ultimo.segredos_alterados) == ["api_externa_token", "password"]
    cru = linhas_cruas(Usuario)
    for valor in (hash_antigo, pessoa.password, "token-pessoal-da-ana", coluna_cifrada(pessoa, "api_externa_token")):
        assert valor not in cru


def test_entrar_no_sistema_nao_registra_alteracao_do_usuario():
    pessoa = UsuarioFactory()
    antes = pessoa.history.count()

    # What Django does on every sign-in: last_login, saved alone.
    user_logged_in.send(sender=Usuario, request=RequestFactory().get("/"), user=pessoa)

    pessoa.refresh_from_db()
    assert pessoa.last_login is not None
    assert pessoa.history.count() == antes


# Schedules ---------------------------------------------------------------------------------------------------------


def test_agendamento_registra_o_que_as_pessoas_mudam_e_nao_as_execucoes(admin_user):
    agendamento = agendamento_criar(
        por=admin_user,
        nome="Processos do mês",
        tipo=Agendamento.Tipo.CRIAR_PROCESSOS_MENSAIS,
        expressao_cron="0 6 1 * *",
    )
    agendamento_atualizar(agendamento=agendamento, por=admin_user, expressao_cron="0 7 1 * *")
    depois_da_edicao = agendamento.history.count()

    agendamento_executar(agendamento=agendamento, por=None, manual=True)

    agendamento.refresh_from_db()
    assert agendamento.total_execucoes == 1
    assert agendamento.history.count() == depois_da_edicao == 2
    ultimo, primeiro = agendamento.history.all()
    assert ultimo.diff_against(primeiro).changed_fields == ["expressao_cron"]
    assert ultimo.history_user == admin_user


# Where from, when there is no request ------------------------------------------------------------------------------


def test_alteracao_feita_por_tarefa_diz_qual_tarefa():
    operadora = OperadoraFactory()

    @current_app.task(name="tests.auditoria.renomear_operadora", shared=False)
    def renomear(pk):
        operadora_atualizar(operadora=Operadora.objects.get(pk=pk), por=None, nome="Renomeada por tarefa")

    renomear.apply(args=[operadora.pk])

    ultimo = operadora.history.first()
    assert ultimo.history_user is None
    assert ultimo.history_change_reason == "tarefa tests.auditoria.renomear_operadora"


def test_alteracao_feita_por_comando_diz_qual_comando(monkeypatch):
    monkeypatch.setattr(auditoria.sys, "argv", ["/srv/brm/manage.py", "seed_demo", "--se-vazio"])

    assert origem_sem_requisicao() == "comando seed_demo"


def test_historico_comeca_com_os_registros_que_ja_existiam():
    operadora = OperadoraFactory(nome="Antiga")
    operadora.history.all().delete()

    historico_iniciar(apps, "operadoras.Operadora")

    [registro] = operadora.history.all()
    assert registro.nome == "Antiga"
    assert registro.history_change_reason == auditoria.ORIGEM_INICIAL
    assert registro.history_user is None


def test_quem_fez_alteracao_registrada_nao_pode_ser_excluido(admin_user):
    # Deleting the person would erase who made the change: people are deactivated instead.
    autor = UsuarioFactory(papel=Usuario.Papel.ADMIN)
    operadora_atualizar(operadora=OperadoraFactory(), por=autor, nome="Alterada pelo autor")

    with pytest.raises(ProtectedError):
        autor.delete()

    assert Usuario.objects.filter(pk=autor.pk).exists()


def test_senha_recodificada_ao_entrar_diz_que_a_senha_nao_mudou(settings):
    pessoa = UsuarioFactory(password="senha-forte-da-pessoa-1")
    # A newer hasher first: Django re-hashes the password at the next sign-in and saves it alone.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]

    assert pessoa.check_password("senha-forte-da-pessoa-1")

    ultimo = pessoa.history.first()
    assert ultimo.segredos_alterados == ["password"]
    assert ultimo.history_change_reason == ORIGEM_RECODIFICACAO
    assert "_change_reason" not in pessoa.__dict__
