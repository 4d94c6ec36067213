"""The admin as a whole: every page opens for admins, roles see and change only what they may, users and secrets."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from agendamentos.models import Agendamento, AgendamentoExecucao
from brm.usuarios.models import Usuario
from brm.usuarios.papeis import GRUPOS
from brm.usuarios.services import usuario_definir_papel
from clientes.models import Cliente
from operadoras.models import Operadora
from processos.models import Execucao, ExecucaoLog, Processo, ProcessoEvento

from .factories import (
    AgendamentoExecucaoFactory,
    AgendamentoFactory,
    ClienteFactory,
    ExecucaoFactory,
    ExecucaoLogFactory,
    OperadoraFactory,
    ProcessoEventoFactory,
    ProcessoFactory,
    UsuarioFactory,
)

pytestmark = pytest.mark.django_db

NOSSOS_APPS = {"usuarios", "operadoras", "clientes", "processos", "agendamentos"}
MODELOS = sorted(
    (modelo for modelo in admin.site._registry if modelo._meta.app_label in NOSSOS_APPS),
    key=lambda modelo: modelo._meta.label,
)
FABRICAS = {
    Usuario: UsuarioFactory,
    Operadora: OperadoraFactory,
    Cliente: ClienteFactory,
    Processo: ProcessoFactory,
    ProcessoEvento: ProcessoEventoFactory,
    Execucao: ExecucaoFactory,
    ExecucaoLog: ExecucaoLogFactory,
    Agendamento: AgendamentoFactory,
    AgendamentoExecucao: AgendamentoExecucaoFactory,
}
# History and robot jobs are written by services, never added by hand.
SEM_INCLUSAO = {ProcessoEvento, Execucao, ExecucaoLog, AgendamentoExecucao}
# The viewer role reads everything but the users.
LEITOR_VE = set(FABRICAS) - {Usuario}
# Whatever field a form might have: posted where the user must not change anything.
DADOS_QUALQUER = {
    "nome": "Alterado",
    "razao_social": "Alterado",
    "email": "alterado@brm.test",
    "mensagem": "alterado",
    "motivo": "alterado",
    "expressao_cron": "* * * * *",
    "codigo": "alterado",
    "papel": Usuario.Papel.ADMIN,
}


def url(modelo, acao: str, *args) -> str:
    return reverse(f"admin:{modelo._meta.app_label}_{modelo._meta.model_name}_{acao}", args=args)


def ids(modelo) -> str:
    return modelo._meta.label


def linha(modelo, pk) -> dict:
    return modelo.objects.filter(pk=pk).values().get()


def test_todos_os_modelos_do_projeto_estao_no_admin():
    assert set(MODELOS) == set(FABRICAS)


def test_admin_do_celery_beat_continua_registrado():
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask in admin.site._registry


@pytest.mark.parametrize("papel", ["superusuario", "admin_user"])
@pytest.mark.parametrize("modelo", MODELOS, ids=ids)
def test_paginas_do_admin_abrem_para_administradores(client, request, papel, modelo):
    obj = FABRICAS[modelo]()
    client.force_login(request.getfixturevalue(papel))

    assert client.get(url(modelo, "changelist")).status_code == 200
    assert client.get(url(modelo, "changelist"), {"q": "12.345"}).status_code == 200
    assert client.get(url(modelo, "change", obj.pk)).status_code == 200
    assert client.get(url(modelo, "add")).status_code == (403 if modelo in SEM_INCLUSAO else 200)


@pytest.mark.parametrize("modelo", MODELOS, ids=ids)
def test_leitor_ve_so_o_que_pode_e_nao_altera_nada(client, leitor, modelo):
    obj = FABRICAS[modelo]()
    antes, total = linha(modelo, obj.pk), modelo.objects.count()
    client.force_login(leitor)

    esperado = 200 if modelo in LEITOR_VE else 403
    assert client.get(url(modelo, "changelist")).status_code == esperado
    assert client.get(url(modelo, "change", obj.pk)).status_code == esperado
    assert client.get(url(modelo, "add")).status_code == 403
    assert client.post(url(modelo, "change", obj.pk), DADOS_QUALQUER).status_code == 403
    assert client.post(url(modelo, "add"), DADOS_QUALQUER).status_code == 403
    assert client.post(url(modelo, "delete", obj.pk), {"post": "yes"}).status_code == 403

    assert linha(modelo, obj.pk) == antes
    assert modelo.objects.count() == total


@pytest.mark.parametrize("modelo", [Usuario, Operadora, Cliente, Agendamento], ids=ids)
def test_aprovador_nao_inclui_nem_altera_usuarios_nem_configuracao(client, aprovador, modelo):
    obj = FABRICAS[modelo]()
    antes, total = linha(modelo, obj.pk), modelo.objects.count()
    client.force_login(aprovador)

    assert client.get(url(modelo, "add")).status_code == 403
    assert client.post(url(modelo, "add"), DADOS_QUALQUER).status_code == 403
    assert client.post(url(modelo, "change", obj.pk), DADOS_QUALQUER).status_code == 403

    assert linha(modelo, obj.pk) == antes
    assert modelo.objects.count() == total


@pytest.mark.parametrize("modelo", [Usuario, Agendamento], ids=ids)
def test_aprovador_nem_abre_usuarios_e_agendamentos(client, aprovador, modelo):
    obj = FABRICAS[modelo]()
    client.force_login(aprovador)

    assert client.get(url(modelo, "changelist")).status_code == 403
    assert client.get(url(modelo, "change", obj.pk)).status_code == 403


@pytest.mark.parametrize("modelo", [Operadora, Cliente], ids=ids)
def test_aprovador_ve_operadoras_e_clientes_somente_para_leitura(client, aprovador, modelo):
    # papeis.py gives the approver view permission here: Django shows the record without a form.
    obj = FABRICAS[modelo]()
    client.force_login(aprovador)

    resposta = client.get(url(modelo, "change", obj.pk))

    assert resposta.status_code == 200
    conteudo = resposta.content.decode()
    assert 'name="_save"' not in conteudo
    assert 'name="nome"' not in conteudo
    assert 'name="razao_social"' not in conteudo


# Operadoras and clients


def test_operadora_lista_conta_clientes_ativos(client, admin_user):
    operadora = OperadoraFactory(nome="Operadora Contada")
    ClienteFactory.create_batch(2, operadora=operadora)
    ClienteFactory(operadora=operadora, ativo=False)
    client.force_login(admin_user)

    resposta = client.get(url(Operadora, "changelist"))

    assert resposta.status_code == 200
    assert resposta.context["cl"].result_list.get(pk=operadora.pk).clientes_ativos == 2


def test_operador_altera_cliente_e_senha_do_portal_em_branco_e_mantida(client, operador):
    cliente = ClienteFactory(senha_portal="segredo-antigo")
    client.force_login(operador)
    dados = {
        "razao_social": "Nova Razão Ltda",
        "cnpj": cliente.cnpj_formatado,
        "operadora": str(cliente.operadora_id),
        "ativo": "on",
        "conta": cliente.conta,
        "unidade": "Matriz",
        "dia_emissao": "15",
        "login_portal": cliente.login_portal,
        "senha_portal": "",
        "dados_rpa": '{"contrato": "123"}',
        "codigo_sat": "SAT1",
    }

    resposta = client.post(url(Cliente, "change", cliente.pk), dados)

    assert resposta.status_code == 302, resposta.context["adminform"].form.errors
    cliente.refresh_from_db()
    assert cliente.razao_social == "Nova Razão Ltda"
    assert cliente.dados_rpa == {"contrato": "123"}
    assert cliente.senha_portal == "segredo-antigo"


@pytest.mark.parametrize("papel", ["admin_user", "operador", "leitor", "aprovador"])
def test_pagina_do_cliente_esconde_a_senha_e_formata_o_cnpj(client, request, papel):
    cliente = ClienteFactory(senha_portal="senha-ultra-secreta")
    client.force_login(request.getfixturevalue(papel))

    resposta = client.get(url(Cliente, "change", cliente.pk))

    assert resposta.status_code == 200
    conteudo = resposta.content.decode()
    assert "senha-ultra-secreta" not in conteudo
    assert "senha do portal" in conteudo.lower()
    assert cliente.cnpj_formatado in conteudo


def test_busca_de_cliente_acha_cnpj_com_ou_sem_pontuacao(client, leitor):
    cliente = ClienteFactory(razao_social="Achada Ltda")
    ClienteFactory(razao_social="Outra Ltda")
    client.force_login(leitor)

    for termo in (cliente.cnpj, cliente.cnpj_formatado, cliente.cnpj_formatado[:10]):
        resposta = client.get(url(Cliente, "changelist"), {"q": termo})
        assert list(resposta.context["cl"].result_list) == [cliente], termo


def test_busca_de_cliente_acha_pela_conta(client, leitor):
    cliente = ClienteFactory(conta="98765-4")
    ClienteFactory()
    client.force_login(leitor)

    resposta = client.get(url(Cliente, "changelist"), {"q": "98765-4"})

    assert list(resposta.context["cl"].result_list) == [cliente]


# Users


def test_criar_usuario_aprovador_o_coloca_no_grupo_aprovadores(client, admin_user):
    client.force_login(admin_user)
    dados = {
        "email": "Nova.Pessoa@BRM.test",
        "nome": "Nova Pessoa",
        "papel": Usuario.Papel.APROVADOR,
        "password1": "uma-senha-bem-forte-91",
        "password2": "uma-senha-bem-forte-91",
    }

    resposta = client.post(url(Usuario, "add"), dados)

    assert resposta.status_code == 302, resposta.context["adminform"].form.errors
    usuario = Usuario.objects.get(email="nova.pessoa@brm.test")
    assert usuario.check_password("uma-senha-bem-forte-91")
    assert list(usuario.groups.values_list("name", flat=True)) == [GRUPOS["APROVADOR"]]
    assert usuario.has_perm("processos.aprovar_processo")


def test_criar_usuario_com_senha_fraca_e_recusado(client, admin_user):
    client.force_login(admin_user)
    total = Usuario.objects.count()
    dados = {"email": "fraca@brm.test", "nome": "Fraca", "papel": "LEITURA", "password1": "123", "password2": "123"}

    resposta = client.post(url(Usuario, "add"), dados)

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

    resposta = client.post(url(Usuario, "change", pessoa.pk), _dados_usuario(pessoa, papel=Usuario.Papel.OPERADOR))

    assert resposta.status_code == 302, resposta.context["adminform"].form.errors
    pessoa.refresh_from_db()
    assert pessoa.papel == Usuario.Papel.OPERADOR
    assert list(pessoa.groups.values_list("name", flat=True)) == [GRUPOS["OPERADOR"]]


def test_salvar_usuario_refaz_grupo_que_saiu_do_papel(client, admin_user):
    pessoa = UsuarioFactory(papel=Usuario.Papel.LEITURA)
    pessoa.groups.set([Group.objects.get(name=GRUPOS["ADMIN"])])
    client.force_login(admin_user)

    client.post(url(Usuario, "change", pessoa.pk), _dados_usuario(pessoa))

    assert list(pessoa.groups.values_list("name", flat=True)) == [GRUPOS["LEITURA"]]


def test_token_da_api_nunca_aparece_e_em_branco_e_mantido(client, admin_user):
    pessoa = UsuarioFactory()
    pessoa.api_externa_token = "token-muito-secreto"
    pessoa.save()
    client.force_login(admin_user)

    pagina = client.get(url(Usuario, "change", pessoa.pk)).content.decode()
    client.post(url(Usuario, "change", pessoa.pk), _dados_usuario(pessoa, nome="Renomeada"))

    assert "token-muito-secreto" not in pagina
    pessoa.refresh_from_db()
    assert pessoa.nome == "Renomeada"
    assert pessoa.api_externa_token == "token-muito-secreto"


def test_pagina_do_usuario_nao_edita_grupos_nem_permissoes(client, admin_user):
    pessoa = UsuarioFactory(papel=Usuario.Papel.OPERADOR)
    client.force_login(admin_user)

    conteudo = client.get(url(Usuario, "change", pessoa.pk)).content.decode()

    assert 'name="groups"' not in conteudo
    assert 'name="user_permissions"' not in conteudo
    assert GRUPOS["OPERADOR"] in conteudo
    assert "password/" in conteudo


def test_admin_sem_superusuario_nao_concede_superusuario(client, admin_user):
    pessoa = UsuarioFactory()
    client.force_login(admin_user)

    client.post(url(Usuario, "change", pessoa.pk), _dados_usuario(pessoa, is_superuser="on"))

    pessoa.refresh_from_db()
    assert not pessoa.is_superuser


def test_admin_sem_superusuario_nao_altera_superusuario(client, admin_user, superusuario):
    client.force_login(admin_user)
    senha = reverse("admin:auth_user_password_change", args=[superusuario.pk])

    assert client.get(url(Usuario, "change", superusuario.pk)).status_code == 200
    assert (
        client.post(url(Usuario, "change", superusuario.pk), _dados_usuario(superusuario, nome="X")).status_code == 403
    )
    assert client.post(senha, {"password1": "tomada-de-conta-1", "password2": "tomada-de-conta-1"}).status_code == 403
    assert client.post(url(Usuario, "delete", superusuario.pk), {"post": "yes"}).status_code == 403

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
    usuario_definir_papel(usuario=UsuarioFactory(nome="Zé Aprovador"), papel=Usuario.Papel.APROVADOR)
    client.force_login(admin_user)

    conteudo = client.get(url(Usuario, "changelist")).content.decode()

    assert "Zé Aprovador" in conteudo
    assert "Aprovador" in conteudo


# Schedules and history


def test_agendamento_mostra_ultimas_execucoes_somente_leitura(client, admin_user):
    agendamento = AgendamentoFactory()
    AgendamentoExecucaoFactory.create_batch(25, agendamento=agendamento, erro="falhou no passo 2")
    client.force_login(admin_user)

    resposta = client.get(url(Agendamento, "change", agendamento.pk))

    assert resposta.status_code == 200
    inline = next(f for f in resposta.context["inline_admin_formsets"] if f.opts.model is AgendamentoExecucao)
    assert len(inline.formset.forms) == 20
    assert not inline.has_change_permission
    assert 'name="periodic_task"' not in resposta.content.decode()


def test_execucao_mostra_log_e_nao_edita_o_que_o_robo_escreve(client, admin_user):
    execucao = ExecucaoFactory(status=Execucao.Status.FALHA, erro="Login recusado pelo portal.")
    ExecucaoLogFactory(execucao=execucao, mensagem="Abrindo o portal da operadora")
    client.force_login(admin_user)

    resposta = client.get(url(Execucao, "change", execucao.pk))

    conteudo = resposta.content.decode()
    assert "Abrindo o portal da operadora" in conteudo
    assert "Login recusado pelo portal." in conteudo
    for campo in ("status", "erro", "job_id", "processo", "resultado"):
        assert f'name="{campo}"' not in conteudo
