"""The admin as a whole: every page opens for admins, and each role sees and changes only what it may."""

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    PeriodicTasks,
    SolarSchedule,
)

from agendamentos.models import Agendamento, AgendamentoExecucao
from agendamentos.services import agendamento_criar
from brm.alertas.models import ConfiguracaoDeAlertas, DestinatarioDeAlerta, EnvioDeAlerta, EventoDeAlerta
from brm.alertas.selectors import configuracao_alertas_obter
from brm.alertas.services import alerta_registrar, alertas_enviar
from brm.api.models import TokenDeServico
from brm.api.services import token_de_servico_criar
from brm.entrada.models import ContaExterna, EntradaRegistrada, TentativaDeEntrada
from brm.rpa.models import ConfiguracaoRPA
from brm.usuarios.models import Usuario
from brm.usuarios.papeis import GRUPOS
from brm.webhooks.models import EntregaWebhook, Webhook
from brm.webhooks.services import webhook_criar, webhooks_notificar
from clientes.models import Cliente
from operadoras.models import Operadora
from processos.models import Execucao, ExecucaoLog, Processo, ProcessoEvento

from .factories import (
    AgendamentoExecucaoFactory,
    AgendamentoFactory,
    ClienteFactory,
    ConfiguracaoRPAFactory,
    ExecucaoFactory,
    ExecucaoLogFactory,
    OperadoraFactory,
    ProcessoEventoFactory,
    ProcessoFactory,
    UsuarioFactory,
)

pytestmark = pytest.mark.django_db

NOSSOS_APPS = {"usuarios", "operadoras", "clientes", "processos", "agendamentos", "api"}
# Every model with a page in the admin: ours, the robot configuration and Django's groups (beat's are not offered).
REGISTRADOS = sorted(admin.site._registry, key=lambda modelo: modelo._meta.label)
MODELOS = [modelo for modelo in REGISTRADOS if modelo._meta.app_label in NOSSOS_APPS]
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
    TokenDeServico: lambda: token_de_servico_criar(nome="ERP financeiro", usuario=UsuarioFactory(), por=None)[0],
}


def _webhook() -> Webhook:
    return webhook_criar(nome="ERP", url="https://erp.example/brm", eventos=["processo.aprovado"], por=None)[0]


def _entrega_webhook() -> EntregaWebhook:
    _webhook()
    return webhooks_notificar(evento="processo.aprovado", dados={})[0]


def _destinatario_de_alerta() -> DestinatarioDeAlerta:
    return DestinatarioDeAlerta.objects.create(email="plantao@brm.test", tipos=["FATURA_ATRASADA"])


def _evento_de_alerta() -> EventoDeAlerta:
    _destinatario_de_alerta()
    alerta_registrar(tipo="FATURA_ATRASADA", chave="processo:1", titulo="Empresa 12.345 · 11/2026")
    return EventoDeAlerta.objects.get()


def _envio_de_alerta() -> EnvioDeAlerta:
    _evento_de_alerta()
    alertas_enviar()
    return EnvioDeAlerta.objects.get()


_ACESSO = {"ip_address": "203.0.113.5", "user_agent": "Mozilla/5.0", "http_accept": "*/*", "path_info": "/admin/login/"}


def _tentativa_de_entrada() -> TentativaDeEntrada:
    return TentativaDeEntrada.objects.create(
        username="ana@brm.test", get_data="", post_data="", failures_since_start=5, **_ACESSO
    )


def _conta_externa() -> ContaExterna:
    return ContaExterna.objects.create(user=UsuarioFactory(), provider="github", uid="4242", extra_data={})


# A row of each registered model, to open its change page.
LINHAS = {
    **FABRICAS,
    ConfiguracaoRPA: ConfiguracaoRPAFactory,
    Group: lambda: Group.objects.get(name=GRUPOS["LEITURA"]),
    TokenDeServico: lambda: token_de_servico_criar(nome="ERP financeiro", usuario=UsuarioFactory(), por=None)[0],
    Webhook: _webhook,
    EntregaWebhook: _entrega_webhook,
    ConfiguracaoDeAlertas: configuracao_alertas_obter,
    DestinatarioDeAlerta: _destinatario_de_alerta,
    EventoDeAlerta: _evento_de_alerta,
    EnvioDeAlerta: _envio_de_alerta,
    TentativaDeEntrada: _tentativa_de_entrada,
    EntradaRegistrada: lambda: EntradaRegistrada.objects.create(username="ana@brm.test", **_ACESSO),
    ContaExterna: _conta_externa,
}
# Rows of beat's tables, which have no admin pages: schedules are edited only through Agendamentos.
LINHAS_DO_BEAT = {
    PeriodicTask: lambda: PeriodicTask.objects.create(
        name="tarefa de teste",
        task="agendamentos.executar_agendamento",
        interval=IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS),
    ),
    CrontabSchedule: lambda: CrontabSchedule.objects.create(minute="0", hour="6"),
    IntervalSchedule: lambda: IntervalSchedule.objects.create(every=10, period=IntervalSchedule.SECONDS),
    ClockedSchedule: lambda: ClockedSchedule.objects.create(clocked_time=dt.datetime(2026, 12, 1, tzinfo=dt.UTC)),
    SolarSchedule: lambda: SolarSchedule.objects.create(event="sunrise", latitude=-23.55, longitude=-46.63),
}
# History and robot jobs are written by services, never added by hand; the robot and alert configurations are one
# row; the sign-in's rows are written by the sign-in itself.
SEM_INCLUSAO = {
    ProcessoEvento,
    Execucao,
    ExecucaoLog,
    AgendamentoExecucao,
    ConfiguracaoRPA,
    EntregaWebhook,
    ConfiguracaoDeAlertas,
    EventoDeAlerta,
    EnvioDeAlerta,
    TentativaDeEntrada,
    EntradaRegistrada,
    ContaExterna,
}
# Groups come from the roles: the admin role only reads them.
ADMIN_SO_VE = {Group}
# The list of a one-row model opens that row.
UMA_LINHA = {ConfiguracaoRPA, ConfiguracaoDeAlertas}
# The viewer role reads everything of the business but the users and the API's service keys.
LEITOR_VE = set(FABRICAS) - {Usuario, TokenDeServico}
# Whatever field a form might have: posted where the user must not change anything.
DADOS_QUALQUER = {
    "nome": "Alterado",
    "name": "Alterado",
    "razao_social": "Alterado",
    "email": "alterado@brm.test",
    "mensagem": "alterado",
    "motivo": "alterado",
    "expressao_cron": "* * * * *",
    "codigo": "alterado",
    "papel": Usuario.Papel.ADMIN,
    "url_base": "http://alterado.example",
    "limite_global": "99",
}


def url(modelo, acao: str, *args) -> str:
    return reverse(f"admin:{modelo._meta.app_label}_{modelo._meta.model_name}_{acao}", args=args)


def ids(modelo) -> str:
    return modelo._meta.label


def linha(modelo, pk) -> dict:
    return modelo.objects.filter(pk=pk).values().get()


def test_todos_os_modelos_do_projeto_estao_no_admin():
    assert set(MODELOS) == set(FABRICAS)
    assert set(REGISTRADOS) == set(LINHAS)


def test_tabelas_do_beat_nao_sao_oferecidas_no_admin():
    assert not any(admin.site.is_registered(modelo) for modelo in [*LINHAS_DO_BEAT, PeriodicTasks])


@pytest.mark.parametrize("papel", ["superusuario", "admin_user"])
def test_indice_do_admin_nao_mostra_o_beat_e_as_paginas_dele_nao_existem(client, request, papel):
    agendamento = agendamento_criar(
        por=None,
        nome="Processos do mês",
        tipo=Agendamento.Tipo.CRIAR_PROCESSOS_MENSAIS,
        expressao_cron="0 6 1 * *",
        fuso_horario="America/Sao_Paulo",
        parametros={},
        ativo=True,
    )
    linhas = {modelo: fabrica() for modelo, fabrica in LINHAS_DO_BEAT.items()}
    client.force_login(request.getfixturevalue(papel))

    indice = client.get(reverse("admin:index"))

    assert indice.status_code == 200
    conteudo = indice.content.decode()
    assert "/admin/django_celery_beat/" not in conteudo
    assert "/admin/agendamentos/agendamento/" in conteudo
    caminhos = [
        "/admin/django_celery_beat/",
        f"/admin/django_celery_beat/periodictask/{agendamento.periodic_task_id}/change/",
    ]
    for modelo, obj in linhas.items():
        base = f"/admin/django_celery_beat/{modelo._meta.model_name}/"
        caminhos += [base, f"{base}add/", f"{base}{obj.pk}/change/", f"{base}{obj.pk}/delete/"]
    for caminho in caminhos:
        assert client.get(caminho).status_code == 404, caminho
    assert (
        client.post(f"/admin/django_celery_beat/periodictask/{agendamento.periodic_task_id}/delete/").status_code == 404
    )
    assert PeriodicTask.objects.filter(pk=agendamento.periodic_task_id).exists()


@pytest.mark.parametrize("papel", ["superusuario", "admin_user"])
@pytest.mark.parametrize("modelo", REGISTRADOS, ids=ids)
def test_paginas_do_admin_abrem_para_administradores(client, request, papel, modelo):
    obj = LINHAS[modelo]()
    client.force_login(request.getfixturevalue(papel))
    inclui = modelo not in SEM_INCLUSAO and (papel == "superusuario" or modelo not in ADMIN_SO_VE)

    if modelo in UMA_LINHA:
        lista = client.get(url(modelo, "changelist"))
        assert (lista.status_code, lista.url) == (302, url(modelo, "change", obj.pk))
    else:
        assert client.get(url(modelo, "changelist")).status_code == 200
        assert client.get(url(modelo, "changelist"), {"q": "12.345"}).status_code == 200
    assert client.get(url(modelo, "change", obj.pk)).status_code == 200
    assert client.get(url(modelo, "add")).status_code == (200 if inclui else 403)


@pytest.mark.parametrize("modelo", sorted(ADMIN_SO_VE, key=ids), ids=ids)
def test_administrador_so_ve_grupos(client, admin_user, modelo):
    obj = LINHAS[modelo]()
    antes, total = linha(modelo, obj.pk), modelo.objects.count()
    client.force_login(admin_user)

    assert 'name="_save"' not in client.get(url(modelo, "change", obj.pk)).content.decode()
    assert client.post(url(modelo, "change", obj.pk), DADOS_QUALQUER).status_code == 403
    assert client.post(url(modelo, "add"), DADOS_QUALQUER).status_code == 403
    assert client.post(url(modelo, "delete", obj.pk), {"post": "yes"}).status_code == 403

    assert linha(modelo, obj.pk) == antes
    assert modelo.objects.count() == total


@pytest.mark.parametrize("modelo", REGISTRADOS, ids=ids)
def test_leitor_ve_so_o_que_pode_e_nao_altera_nada(client, leitor, modelo):
    obj = LINHAS[modelo]()
    # Signed in first: signing in writes a row of its own (EntradaRegistrada), which is not the pages' doing.
    client.force_login(leitor)
    antes, total = linha(modelo, obj.pk), modelo.objects.count()

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
