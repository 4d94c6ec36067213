"""The admin as a whole: every page opens for admins, and each role sees and changes only what it may."""

import pytest
from django.contrib import admin
from django.urls import reverse

from agendamentos.models import Agendamento, AgendamentoExecucao
from brm.usuarios.models import Usuario
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
