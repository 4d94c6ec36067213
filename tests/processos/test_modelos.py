"""The rules the database itself enforces, and the one-row rules of `clean()`."""

import contextlib
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agendamentos.models import Agendamento
from brm.usuarios.models import Usuario
from clientes.models import Cliente
from operadoras.models import Operadora
from processos.models import Execucao, ExecucaoLog, Processo

from tests.factories import (
    AgendamentoFactory,
    ClienteFactory,
    ExecucaoFactory,
    ExecucaoLogFactory,
    OperadoraFactory,
    ProcessoFactory,
)

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def recusado_pelo_banco(*indicios: str):
    """The block must fail in the database, naming the expected rule.

    PostgreSQL names every constraint; SQLite names check constraints but lists the columns of a unique
    one, so each caller gives both spellings. The savepoint keeps the test's transaction usable.
    """
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        yield
    mensagem = str(info.value)
    assert any(indicio in mensagem for indicio in indicios), mensagem


def test_segundo_processo_do_mesmo_cliente_e_competencia_e_recusado():
    processo = ProcessoFactory(competencia=dt.date(2026, 11, 1))

    with recusado_pelo_banco(
        "processo_unico_por_cliente_competencia", "processos_processo.cliente_id, processos_processo.competencia"
    ):
        Processo.objects.create(cliente=processo.cliente, competencia=dt.date(2026, 11, 1))

    assert Processo.objects.filter(cliente=processo.cliente).count() == 1


def test_mesmo_cliente_pode_ter_processos_de_meses_diferentes():
    processo = ProcessoFactory(competencia=dt.date(2026, 11, 1))

    Processo.objects.create(cliente=processo.cliente, competencia=dt.date(2026, 12, 1))

    assert Processo.objects.filter(cliente=processo.cliente).count() == 2


@pytest.mark.parametrize("dia", [2, 15, 28])
def test_competencia_fora_do_primeiro_dia_do_mes_e_recusada(dia):
    cliente = ClienteFactory()

    with recusado_pelo_banco("processo_competencia_primeiro_dia"):
        Processo.objects.create(cliente=cliente, competencia=dt.date(2026, 11, dia))

    assert not Processo.objects.exists()


def test_cliente_repetido_na_mesma_operadora_cnpj_e_conta_e_recusado():
    cliente = ClienteFactory()

    with recusado_pelo_banco(
        "cliente_unico_por_operadora_cnpj_conta",
        "clientes_cliente.operadora_id, clientes_cliente.cnpj, clientes_cliente.conta",
    ):
        ClienteFactory(operadora=cliente.operadora, cnpj=cliente.cnpj, conta=cliente.conta)

    assert Cliente.objects.count() == 1


def test_mesmo_cnpj_com_outra_conta_ou_outra_operadora_e_aceito():
    cliente = ClienteFactory()

    ClienteFactory(operadora=cliente.operadora, cnpj=cliente.cnpj, conta="outra-conta")
    ClienteFactory(cnpj=cliente.cnpj, conta=cliente.conta)

    assert Cliente.objects.filter(cnpj=cliente.cnpj).count() == 3


@pytest.mark.parametrize("dia", [0, 32])
def test_dia_de_emissao_fora_de_1_a_31_e_recusado(dia):
    with recusado_pelo_banco("cliente_dia_emissao_valido"):
        ClienteFactory(dia_emissao=dia)

    assert not Cliente.objects.exists()


@pytest.mark.parametrize("dia", [None, 1, 31])
def test_dia_de_emissao_vazio_ou_entre_1_e_31_e_aceito(dia):
    cliente = ClienteFactory(dia_emissao=dia)

    cliente.refresh_from_db()
    assert cliente.dia_emissao == dia


def test_operadora_sem_execucoes_simultaneas_e_recusada():
    with recusado_pelo_banco("operadora_max_execucoes_positivo"):
        OperadoraFactory(max_execucoes_simultaneas=0)

    assert not Operadora.objects.exists()


def test_robo_terceirizado_sem_endereco_e_recusado():
    with recusado_pelo_banco("operadora_terceirizado_tem_endereco"):
        OperadoraFactory(rpa_terceirizado=True, url_endpoint_rpa="")

    assert not Operadora.objects.exists()


def test_robo_terceirizado_com_endereco_e_aceito():
    operadora = OperadoraFactory(rpa_terceirizado=True, url_endpoint_rpa="https://robo.terceiro.example/api")

    operadora.refresh_from_db()
    assert operadora.rpa_terceirizado


def test_duas_execucoes_ativas_do_mesmo_processo_e_tipo_sao_recusadas():
    processo = ProcessoFactory()
    ExecucaoFactory(processo=processo, tipo=Execucao.Tipo.DOWNLOAD_FATURA, status=Execucao.Status.EM_EXECUCAO)

    with recusado_pelo_banco(
        "execucao_uma_ativa_por_processo_tipo", "processos_execucao.processo_id, processos_execucao.tipo"
    ):
        ExecucaoFactory(processo=processo, tipo=Execucao.Tipo.DOWNLOAD_FATURA, status=Execucao.Status.PENDENTE)

    assert processo.execucoes.count() == 1


@pytest.mark.parametrize("finalizada", [Execucao.Status.SUCESSO, Execucao.Status.FALHA, Execucao.Status.CANCELADA])
def test_execucao_finalizada_e_uma_ativa_do_mesmo_processo_e_tipo_convivem(finalizada):
    processo = ProcessoFactory()
    anterior = ExecucaoFactory(processo=processo, status=finalizada)

    ExecucaoFactory(processo=processo, status=Execucao.Status.PENDENTE, anterior=anterior, tentativa=2)

    assert processo.execucoes.count() == 2


def test_execucoes_ativas_de_tipos_diferentes_no_mesmo_processo_convivem():
    processo = ProcessoFactory()

    ExecucaoFactory(processo=processo, tipo=Execucao.Tipo.DOWNLOAD_FATURA)
    ExecucaoFactory(processo=processo, tipo=Execucao.Tipo.UPLOAD_SAT)

    assert processo.execucoes.count() == 2


def test_execucao_com_tentativa_zero_e_recusada():
    with recusado_pelo_banco("execucao_tentativa_positiva"):
        ExecucaoFactory(tentativa=0)

    assert not Execucao.objects.exists()


def test_linha_de_log_repetida_na_mesma_sequencia_e_recusada():
    linha = ExecucaoLogFactory(seq=7)

    with recusado_pelo_banco(
        "execucaolog_unica_por_seq", "processos_execucaolog.execucao_id, processos_execucaolog.seq"
    ):
        ExecucaoLogFactory(execucao=linha.execucao, seq=7, mensagem="Repetida")

    assert list(ExecucaoLog.objects.values_list("mensagem", flat=True)) == ["Acessando o portal"]


def test_mesma_sequencia_em_execucoes_diferentes_e_aceita():
    linha = ExecucaoLogFactory(seq=1)

    ExecucaoLogFactory(seq=1)

    assert ExecucaoLog.objects.filter(seq=1).count() == 2
    assert linha.execucao.logs.count() == 1


def test_agendamento_com_nome_repetido_e_recusado():
    AgendamentoFactory(nome="Processos do mês")

    with recusado_pelo_banco("agendamentos_agendamento.nome", "agendamentos_agendamento_nome"):
        AgendamentoFactory(nome="Processos do mês", expressao_cron="0 7 1 * *")

    assert Agendamento.objects.count() == 1


def test_usuario_com_email_repetido_e_recusado():
    Usuario.objects.create(email="ana@brm.test", nome="Ana")

    with recusado_pelo_banco("usuarios_usuario.email", "usuarios_usuario_email"):
        Usuario.objects.create(email="ana@brm.test", nome="Outra Ana")

    assert Usuario.objects.filter(email="ana@brm.test").count() == 1


def test_clean_da_operadora_exige_endereco_do_robo_terceirizado():
    operadora = Operadora(nome="Terceira", codigo="terceira", rpa_terceirizado=True, url_endpoint_rpa="")

    with pytest.raises(ValidationError) as info:
        operadora.clean()

    assert info.value.message_dict == {"url_endpoint_rpa": ["Informe o endereço do robô terceirizado."]}


def test_clean_da_operadora_exige_possui_robo_quando_terceirizado():
    operadora = Operadora(
        nome="Terceira",
        codigo="terceira",
        possui_rpa=False,
        rpa_terceirizado=True,
        url_endpoint_rpa="https://robo.terceiro.example/api",
    )

    with pytest.raises(ValidationError) as info:
        operadora.clean()

    assert info.value.message_dict == {"possui_rpa": ["Um robô terceirizado é um robô: marque “possui robô”."]}


def test_full_clean_da_operadora_recusa_zero_execucoes_simultaneas():
    operadora = Operadora(nome="Lenta", codigo="lenta", max_execucoes_simultaneas=0)

    with pytest.raises(ValidationError) as info:
        operadora.full_clean()

    assert list(info.value.message_dict) == ["max_execucoes_simultaneas"]


def test_operadora_sem_robo_terceirizado_passa_no_full_clean():
    Operadora(nome="Vivo", codigo="vivo").full_clean()
    Operadora(
        nome="Terceira", codigo="terceira", rpa_terceirizado=True, url_endpoint_rpa="https://robo.terceiro.example/"
    ).full_clean()


def test_full_clean_do_cliente_recusa_dia_de_emissao_32():
    cliente = ClienteFactory.build(operadora=OperadoraFactory(), dia_emissao=32)

    with pytest.raises(ValidationError) as info:
        cliente.full_clean()

    assert list(info.value.message_dict) == ["dia_emissao"]
