"""Factories for every model, in one place."""

import datetime as dt
import itertools

import factory
from stdnum.br import cnpj as stdnum_cnpj

from agendamentos.models import Agendamento, AgendamentoExecucao
from brm.rpa.models import ConfiguracaoRPA
from brm.usuarios.models import Usuario
from brm.usuarios.services import usuario_criar
from clientes.models import Cliente
from operadoras.models import Operadora
from processos.models import Execucao, ExecucaoLog, Processo, ProcessoEvento

_raizes = itertools.count(10_000_000)


def cnpj_valido() -> str:
    raiz = f"{next(_raizes):08d}0001"
    return raiz + stdnum_cnpj.calc_check_digits(raiz)


class UsuarioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Usuario

    email = factory.Sequence(lambda n: f"pessoa{n}@brm.test")
    nome = factory.Sequence(lambda n: f"Pessoa {n}")
    papel = Usuario.Papel.LEITURA
    password = "senha-teste-123"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Through the service, so the role's group is set as in real life.
        return usuario_criar(**kwargs)


class OperadoraFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Operadora

    nome = factory.Sequence(lambda n: f"Operadora {n}")
    codigo = factory.Sequence(lambda n: f"operadora-{n}")
    max_execucoes_simultaneas = 2


class ClienteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cliente

    razao_social = factory.Sequence(lambda n: f"Empresa {n} Ltda")
    cnpj = factory.LazyFunction(cnpj_valido)
    operadora = factory.SubFactory(OperadoraFactory)
    login_portal = factory.Sequence(lambda n: f"login{n}")
    senha_portal = "senha-do-portal"
    conta = factory.Sequence(lambda n: f"{n:010d}")
    dia_emissao = 10


class ProcessoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Processo

    cliente = factory.SubFactory(ClienteFactory)
    competencia = dt.date(2026, 11, 1)


class ProcessoEventoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcessoEvento

    processo = factory.SubFactory(ProcessoFactory)
    de = Processo.Status.AGUARDANDO_DOWNLOAD
    para = Processo.Status.AGUARDANDO_APROVACAO


class ExecucaoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Execucao

    processo = factory.SubFactory(ProcessoFactory)
    tipo = Execucao.Tipo.DOWNLOAD_FATURA


class ExecucaoLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExecucaoLog

    execucao = factory.SubFactory(ExecucaoFactory)
    seq = factory.Sequence(lambda n: n + 1)
    quando = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))
    mensagem = "Acessando o portal"


class AgendamentoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agendamento

    nome = factory.Sequence(lambda n: f"Agendamento {n}")
    tipo = Agendamento.Tipo.CRIAR_PROCESSOS_MENSAIS
    expressao_cron = "0 6 1 * *"


class AgendamentoExecucaoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendamentoExecucao

    agendamento = factory.SubFactory(AgendamentoFactory)
    inicio = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))


class ConfiguracaoRPAFactory(factory.django.DjangoModelFactory):
    """The single robot configuration row, with timeouts and waits of seconds instead of production's minutes."""

    class Meta:
        model = ConfiguracaoRPA

    url_base = "http://127.0.0.1:8000"
    token = "token-de-teste"
    intervalo_polling_ms = 200
    timeout_http_segundos = 2
    timeout_execucao_segundos = 60
    backoff_base_segundos = 1
    backoff_max_segundos = 2
    reexecucoes_automaticas = 0
