"""The painel's reads of processes and jobs: the month by status and operator, invoices late or due soon, the
jobs now and the failures that still wait for someone."""

import datetime as dt

import pytest

from processos.models import Execucao, Processo
from processos.selectors import (
    execucoes_ativas,
    execucoes_ativas_contagem,
    execucoes_falhas_a_reexecutar,
    processo_data_esperada,
    processos_atrasados,
    processos_contagem_do_mes,
    processos_vencimento_proximo,
)
from tests.factories import ClienteFactory, ExecucaoFactory, OperadoraFactory, ProcessoFactory

pytestmark = pytest.mark.django_db

S = Processo.Status
E = Execucao.Status
T = Execucao.Tipo
NOVEMBRO = dt.date(2026, 11, 1)
OUTUBRO = dt.date(2026, 10, 1)
DEZEMBRO = dt.date(2026, 12, 1)


def _processo(*, dia_operadora=None, dia_cliente=None, competencia=NOVEMBRO, status=S.AGUARDANDO_DOWNLOAD, **cliente):
    operadora = OperadoraFactory(dia_emissao=dia_operadora)
    return ProcessoFactory(
        cliente=ClienteFactory(operadora=operadora, dia_emissao=dia_cliente, **cliente),
        competencia=competencia,
        status=status,
    )


def _atrasados(hoje: dt.date) -> set:
    return set(processos_atrasados(hoje=hoje).values_list("pk", flat=True))


# The month by status and operator


def test_contagem_do_mes_por_status_e_por_operadora():
    vivo, claro = OperadoraFactory(nome="Vivo", codigo="vivo"), OperadoraFactory(nome="Claro", codigo="claro")
    for status in (S.AGUARDANDO_DOWNLOAD, S.AGUARDANDO_DOWNLOAD, S.UPLOAD_REALIZADO):
        ProcessoFactory(cliente=ClienteFactory(operadora=vivo), status=status)
    ProcessoFactory(cliente=ClienteFactory(operadora=claro), status=S.AGUARDANDO_APROVACAO)
    # Another month counts nowhere.
    ProcessoFactory(cliente=ClienteFactory(operadora=claro), competencia=OUTUBRO)

    contagem = processos_contagem_do_mes(competencia=NOVEMBRO)

    assert contagem.por_status == {
        S.AGUARDANDO_DOWNLOAD: 2,
        S.AGUARDANDO_APROVACAO: 1,
        S.AGUARDANDO_ENVIO_SAT: 0,
        S.UPLOAD_REALIZADO: 1,
    }
    assert contagem.total == 4
    assert [(o.nome, o.codigo, o.total) for o in contagem.por_operadora] == [("Claro", "claro", 1), ("Vivo", "vivo", 3)]
    assert contagem.por_operadora[1].por_status == {
        S.AGUARDANDO_DOWNLOAD: 2,
        S.AGUARDANDO_APROVACAO: 0,
        S.AGUARDANDO_ENVIO_SAT: 0,
        S.UPLOAD_REALIZADO: 1,
    }


def test_contagem_de_um_mes_vazio_tem_todas_as_situacoes_em_zero():
    contagem = processos_contagem_do_mes(competencia=NOVEMBRO)

    assert contagem.por_status == dict.fromkeys(S.values, 0)
    assert contagem.por_operadora == []


def test_contagem_do_mes_e_uma_consulta_so(django_assert_num_queries):
    ProcessoFactory.create_batch(3)

    with django_assert_num_queries(1):
        processos_contagem_do_mes(competencia=NOVEMBRO)


# Invoices that should already have arrived


def test_atrasada_pelo_dia_da_operadora_so_depois_do_dia():
    processo = _processo(dia_operadora=10)

    assert _atrasados(dt.date(2026, 11, 10)) == set()
    assert _atrasados(dt.date(2026, 11, 11)) == {processo.pk}


def test_dia_do_cliente_substitui_o_da_operadora():
    so_operadora = _processo(dia_operadora=5)
    cliente_mais_tarde = _processo(dia_operadora=5, dia_cliente=20)
    cliente_mais_cedo = _processo(dia_operadora=25, dia_cliente=3)

    assert _atrasados(dt.date(2026, 11, 15)) == {so_operadora.pk, cliente_mais_cedo.pk}
    assert _atrasados(dt.date(2026, 11, 21)) == {so_operadora.pk, cliente_mais_cedo.pk, cliente_mais_tarde.pk}


def test_sem_dia_nenhum_nunca_atrasa():
    _processo()

    assert _atrasados(dt.date(2027, 3, 1)) == set()


def test_mes_anterior_atrasa_com_qualquer_dia_e_mes_seguinte_ainda_nao():
    outubro = _processo(dia_cliente=28, competencia=OUTUBRO)
    dezembro = _processo(dia_cliente=1, competencia=DEZEMBRO)

    assert _atrasados(dt.date(2026, 11, 1)) == {outubro.pk}
    assert dezembro.pk not in _atrasados(dt.date(2026, 11, 30))
    assert _atrasados(dt.date(2026, 12, 2)) == {outubro.pk, dezembro.pk}


def test_dia_31_num_mes_de_30_dias_vale_o_ultimo_dia():
    processo = _processo(dia_cliente=31)

    # November has 30 days: not late on its last day, late on 1 December, expected on 30/11.
    assert _atrasados(dt.date(2026, 11, 30)) == set()
    assert _atrasados(dt.date(2026, 12, 1)) == {processo.pk}
    atrasado = processos_atrasados(hoje=dt.date(2026, 12, 1)).get()
    assert processo_data_esperada(atrasado) == dt.date(2026, 11, 30)


def test_data_esperada_e_o_dia_no_mes_do_processo():
    _processo(dia_operadora=5, competencia=OUTUBRO)

    atrasado = processos_atrasados(hoje=dt.date(2026, 11, 20)).get()

    assert atrasado.dia_esperado == 5
    assert processo_data_esperada(atrasado) == dt.date(2026, 10, 5)


@pytest.mark.parametrize("status", [S.AGUARDANDO_APROVACAO, S.AGUARDANDO_ENVIO_SAT, S.UPLOAD_REALIZADO])
def test_so_quem_aguarda_download_atrasa(status):
    _processo(dia_operadora=1, status=status)

    assert _atrasados(dt.date(2026, 11, 20)) == set()


def test_cliente_ou_operadora_inativos_nao_atrasam():
    _processo(dia_operadora=1, ativo=False)
    operadora_inativa = _processo(dia_operadora=1)
    operadora_inativa.cliente.operadora.ativa = False
    operadora_inativa.cliente.operadora.save()

    assert _atrasados(dt.date(2026, 11, 20)) == set()


def test_atrasados_filtra_o_queryset_dado():
    novembro = _processo(dia_operadora=1)
    _processo(dia_operadora=1, competencia=OUTUBRO)

    atrasados = processos_atrasados(hoje=dt.date(2026, 11, 20), queryset=Processo.objects.filter(competencia=NOVEMBRO))

    assert list(atrasados.values_list("pk", flat=True)) == [novembro.pk]


# Invoices waiting approval close to their due date


def test_vencimento_proximo_inclui_vencidas_e_ate_o_limite():
    hoje = dt.date(2026, 11, 15)

    def aguardando(vencimento, status=S.AGUARDANDO_APROVACAO):
        return ProcessoFactory(status=status, vencimento=vencimento)

    no_limite = aguardando(dt.date(2026, 11, 20))
    vencida = aguardando(dt.date(2026, 11, 2))
    hoje_mesmo = aguardando(hoje)
    de_outro_mes = ProcessoFactory(status=S.AGUARDANDO_APROVACAO, vencimento=hoje, competencia=OUTUBRO)
    aguardando(dt.date(2026, 11, 21))  # a day too far
    aguardando(None)  # no due date
    aguardando(hoje, status=S.AGUARDANDO_ENVIO_SAT)  # already approved

    proximas = set(processos_vencimento_proximo(hoje=hoje, dias=5).values_list("pk", flat=True))

    assert proximas == {no_limite.pk, vencida.pk, hoje_mesmo.pk, de_outro_mes.pk}


# The robot's jobs now


def test_execucoes_ativas_e_sua_contagem_por_situacao():
    pendente = ExecucaoFactory(status=E.PENDENTE)
    rodando = ExecucaoFactory(status=E.EM_EXECUCAO)
    ExecucaoFactory(status=E.SUCESSO)
    ExecucaoFactory(status=E.FALHA)

    assert list(execucoes_ativas()) == [pendente, rodando]
    assert execucoes_ativas_contagem() == {"PENDENTE": 1, "ENVIANDO": 0, "EM_EXECUCAO": 1}


def test_falhas_a_reexecutar_deixam_de_fora_as_que_ja_nao_esperam_ninguem():
    a_reexecutar = ExecucaoFactory(status=E.FALHA)
    envio_sat = ExecucaoFactory(
        status=E.FALHA, tipo=T.UPLOAD_SAT, processo=ProcessoFactory(status=S.AGUARDANDO_ENVIO_SAT)
    )
    # Re-run already (the re-run itself failed too: that one is the one waiting now).
    reexecutada = ExecucaoFactory(status=E.FALHA)
    nova_falha = ExecucaoFactory(status=E.FALHA, processo=reexecutada.processo, anterior=reexecutada, tentativa=2)
    # Its invoice arrived by hand afterwards.
    ExecucaoFactory(status=E.FALHA, processo=ProcessoFactory(status=S.AGUARDANDO_APROVACAO))
    # Another download of the same process is running.
    com_outra = ExecucaoFactory(status=E.FALHA)
    ExecucaoFactory(status=E.PENDENTE, processo=com_outra.processo)
    # Not failures.
    ExecucaoFactory(status=E.CANCELADA)
    ExecucaoFactory(status=E.SUCESSO)

    assert set(execucoes_falhas_a_reexecutar()) == {a_reexecutar, envio_sat, nova_falha}
