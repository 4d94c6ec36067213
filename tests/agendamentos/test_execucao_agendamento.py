"""Running a schedule: history and counters written by the run itself, no overlap, no run of a switched-off one."""

import datetime as dt
import threading

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django_celery_beat.models import PeriodicTask

from agendamentos.models import Agendamento, AgendamentoExecucao
from agendamentos.services import (
    EXECUCAO_PRESA_APOS,
    TAREFA_BEAT,
    agendamento_criar,
    agendamento_executar,
    agendamento_solicitar_execucao,
)
from agendamentos.tasks import executar_agendamento
from agendamentos.tipos import TIPOS, Tipo
from brm.celery import app
from brm.common.errors import ErroDeNegocio
from processos.models import Processo

from ..conftest import esperar
from ..factories import AgendamentoExecucaoFactory, ClienteFactory

T = Agendamento.Tipo
S = AgendamentoExecucao.Status
# 1 December 2026, 00:00:02 in São Paulo: the monthly creation has just fired.
AGORA = dt.datetime(2026, 12, 1, 3, 0, 2, tzinfo=dt.UTC)


class TipoDeTeste:
    """A schedule type whose behaviour each test chooses, registered in place of LIMPEZA_LOGS."""

    def __init__(self):
        self.chamadas: list[dict] = []
        self.erro: Exception | None = None
        self.durante = None

    def executar(self, **kwargs) -> dict:
        self.chamadas.append(kwargs)
        if self.durante:
            self.durante()
        if self.erro:
            raise self.erro
        return {"feito": len(self.chamadas), "quando": kwargs["agora"]}


@pytest.fixture
def tipo_de_teste(monkeypatch):
    tipo = TipoDeTeste()
    monkeypatch.setitem(
        TIPOS, T.LIMPEZA_LOGS, Tipo(validar=lambda p: dict(p), executar=tipo.executar, descricao="teste", padrao={})
    )
    return tipo


def criar(**campos) -> Agendamento:
    dados = {
        "por": None,
        "nome": "Teste",
        "tipo": T.LIMPEZA_LOGS,
        "expressao_cron": "0 0 1 * *",
        "fuso_horario": "America/Sao_Paulo",
        "parametros": {"x": 1},
        "ativo": True,
    }
    return agendamento_criar(**{**dados, **campos})


@pytest.mark.django_db
def test_execucao_com_o_tipo_real_cria_os_processos_e_grava_historico_e_contadores():
    ClienteFactory.create_batch(3)
    agendamento = criar(nome="Criar processos do mês", tipo=T.CRIAR_PROCESSOS_MENSAIS, parametros={})

    with time_machine.travel(AGORA, tick=False):
        execucao = agendamento_executar(agendamento=agendamento)

    assert execucao.status == S.SUCESSO
    assert execucao.inicio == execucao.fim == AGORA
    assert execucao.resultado == {"competencia": "2026-12", "criados": 3, "existentes": 0}
    assert execucao.erro == "" and execucao.solicitado_por is None
    assert set(Processo.objects.values_list("competencia", flat=True)) == {dt.date(2026, 12, 1)}
    agendamento.refresh_from_db()
    assert (agendamento.total_execucoes, agendamento.total_sucessos, agendamento.total_falhas) == (1, 1, 0)
    assert agendamento.ultima_execucao == AGORA
    assert agendamento.proxima_execucao == dt.datetime(2027, 1, 1, 3, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_tipo_recebe_parametros_agora_fuso_e_quem_pediu(tipo_de_teste, admin_user):
    agendamento = criar(fuso_horario="Europe/Lisbon")

    with time_machine.travel(AGORA, tick=False):
        execucao = agendamento_executar(agendamento=agendamento, por=admin_user)

    assert tipo_de_teste.chamadas == [
        {"parametros": {"x": 1}, "agora": AGORA, "fuso": "Europe/Lisbon", "por": admin_user}
    ]
    assert execucao.solicitado_por == admin_user
    # Dates in what a type returns are stored as text instead of failing the run.
    assert execucao.resultado == {"feito": 1, "quando": "2026-12-01T03:00:02Z"}


@pytest.mark.django_db
def test_falha_de_negocio_fica_no_historico_com_a_frase_e_conta_como_falha(tipo_de_teste):
    tipo_de_teste.erro = ErroDeNegocio("A pasta de backup não existe: /nao/existe.")
    agendamento = criar()

    execucao = agendamento_executar(agendamento=agendamento)

    assert execucao.status == S.FALHA
    assert execucao.erro == "A pasta de backup não existe: /nao/existe."
    assert execucao.fim is not None and execucao.resultado == {}
    agendamento.refresh_from_db()
    assert (agendamento.total_execucoes, agendamento.total_sucessos, agendamento.total_falhas) == (1, 0, 1)


@pytest.mark.django_db
def test_erro_inesperado_tambem_vira_falha_com_uma_frase(tipo_de_teste):
    tipo_de_teste.erro = RuntimeError("disco cheio")
    agendamento = criar()

    execucao = agendamento_executar(agendamento=agendamento)

    assert execucao.status == S.FALHA
    assert execucao.erro.startswith("Erro inesperado (RuntimeError: disco cheio).")
    agendamento.refresh_from_db()
    assert agendamento.total_falhas == 1


@pytest.mark.django_db
def test_execucao_anterior_em_andamento_impede_outra_sem_registrar_nada(tipo_de_teste, caplog):
    agendamento = criar()
    em_andamento = AgendamentoExecucaoFactory(agendamento=agendamento, inicio=AGORA - dt.timedelta(minutes=30))

    with time_machine.travel(AGORA, tick=False):
        resultado = agendamento_executar(agendamento=agendamento)

    assert resultado is None
    assert tipo_de_teste.chamadas == []
    assert list(AgendamentoExecucao.objects.all()) == [em_andamento]
    agendamento.refresh_from_db()
    assert (agendamento.total_execucoes, agendamento.total_falhas, agendamento.ultima_execucao) == (0, 0, None)
    assert "a execução anterior ainda está em andamento" in caplog.text


@pytest.mark.django_db
def test_execucao_presa_ha_muito_tempo_e_encerrada_como_interrompida(tipo_de_teste):
    agendamento = criar()
    presa = AgendamentoExecucaoFactory(agendamento=agendamento, inicio=AGORA - EXECUCAO_PRESA_APOS - dt.timedelta(1))

    with time_machine.travel(AGORA, tick=False):
        nova = agendamento_executar(agendamento=agendamento)

    presa.refresh_from_db()
    assert presa.status == S.FALHA and presa.fim == AGORA
    assert presa.erro.startswith("Execução interrompida")
    assert nova.status == S.SUCESSO
    agendamento.refresh_from_db()
    assert (agendamento.total_execucoes, agendamento.total_sucessos, agendamento.total_falhas) == (1, 1, 1)


@pytest.mark.django_db
def test_agendamento_desativado_disparado_pelo_beat_nao_roda(tipo_de_teste):
    agendamento = criar(ativo=False)

    assert executar_agendamento(str(agendamento.pk)) is None

    assert tipo_de_teste.chamadas == []
    assert not AgendamentoExecucao.objects.exists()
    agendamento.refresh_from_db()
    assert agendamento.total_execucoes == 0


@pytest.mark.django_db
def test_agendamento_desativado_roda_quando_uma_pessoa_pede(tipo_de_teste, admin_user):
    agendamento = criar(ativo=False)

    assert executar_agendamento(str(agendamento.pk), str(admin_user.pk)) == S.SUCESSO

    execucao = AgendamentoExecucao.objects.get()
    assert execucao.solicitado_por == admin_user
    agendamento.refresh_from_db()
    assert agendamento.total_execucoes == 1 and agendamento.proxima_execucao is None


@pytest.mark.django_db
def test_tarefa_de_agendamento_excluido_nao_faz_nada(tipo_de_teste):
    agendamento = criar()
    Agendamento.objects.filter(pk=agendamento.pk).delete()

    assert executar_agendamento(str(agendamento.pk)) is None
    assert tipo_de_teste.chamadas == []


@pytest.mark.django_db
def test_agendamento_excluido_durante_a_execucao_termina_sem_erro(tipo_de_teste):
    agendamento = criar()
    tipo_de_teste.durante = lambda: Agendamento.objects.filter(pk=agendamento.pk).delete()

    execucao = agendamento_executar(agendamento=agendamento)

    assert execucao.status == S.SUCESSO and execucao.resultado["feito"] == 1
    assert not AgendamentoExecucao.objects.exists()


@pytest.mark.django_db
def test_execucao_encerrada_como_interrompida_enquanto_rodava_nao_conta_duas_vezes(tipo_de_teste):
    agendamento = criar()

    def outro_disparo_a_encerra():
        em_andamento = AgendamentoExecucao.objects.filter(status=S.EM_EXECUCAO)
        em_andamento.update(status=S.FALHA, erro="Execução interrompida")
        Agendamento.objects.filter(pk=agendamento.pk).update(total_falhas=1)

    tipo_de_teste.durante = outro_disparo_a_encerra

    execucao = agendamento_executar(agendamento=agendamento)

    assert execucao.status == S.FALHA and execucao.erro == "Execução interrompida"
    agendamento.refresh_from_db()
    assert (agendamento.total_execucoes, agendamento.total_sucessos, agendamento.total_falhas) == (1, 0, 1)


@pytest.mark.django_db
def test_executar_agora_enfileira_a_mesma_tarefa_depois_do_commit(
    tipo_de_teste, admin_user, tarefas, django_capture_on_commit_callbacks
):
    agendamento = criar()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        agendamento_solicitar_execucao(agendamento=agendamento, por=admin_user)

    assert len(callbacks) == 1 and tarefas == []
    callbacks[0]()
    assert tarefas == [("executar_agendamento", (str(agendamento.pk), str(admin_user.pk)), {})]
    # The one beat fires for this schedule.
    assert PeriodicTask.objects.get(pk=agendamento.periodic_task_id).task == executar_agendamento.name
    assert app.tasks[TAREFA_BEAT].run is executar_agendamento.run
    assert not AgendamentoExecucao.objects.exists()


@pytest.mark.django_db
def test_executar_agora_e_recusado_a_quem_so_le(leitor, operador, django_capture_on_commit_callbacks):
    agendamento = criar(tipo=T.CRIAR_PROCESSOS_MENSAIS, parametros={})
    for pessoa in (leitor, operador):
        with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ErroDeNegocio) as info:
            agendamento_solicitar_execucao(agendamento=agendamento, por=pessoa)
        assert info.value.codigo == ErroDeNegocio.PERMISSAO
        assert callbacks == []


# The command


@pytest.mark.django_db
def test_comando_executa_pelo_nome_em_primeiro_plano_e_mostra_o_resultado(tipo_de_teste, capsys):
    agendamento = criar(nome="Limpeza de logs", ativo=False)

    call_command("executar_agendamento", "limpeza de logs")

    saida = capsys.readouterr().out
    assert "Executando “Limpeza de logs”" in saida
    assert '"feito": 1' in saida
    execucao = AgendamentoExecucao.objects.get()
    assert execucao.agendamento == agendamento and execucao.status == S.SUCESSO


@pytest.mark.django_db
def test_comando_executa_pelo_id(tipo_de_teste):
    agendamento = criar()

    call_command("executar_agendamento", str(agendamento.pk))

    assert AgendamentoExecucao.objects.filter(agendamento=agendamento, status=S.SUCESSO).count() == 1


@pytest.mark.django_db
def test_comando_com_agendamento_desconhecido_sai_com_codigo_2():
    with pytest.raises(CommandError) as info:
        call_command("executar_agendamento", "Não existe")

    assert info.value.returncode == 2
    assert "Agendamento “Não existe” não encontrado" in str(info.value)


@pytest.mark.django_db
def test_comando_com_falha_sai_com_codigo_1_e_a_frase(tipo_de_teste):
    tipo_de_teste.erro = ErroDeNegocio("Sem espaço na pasta de backup.")
    criar()

    with pytest.raises(CommandError) as info:
        call_command("executar_agendamento", "Teste")

    assert info.value.returncode == 1
    assert "Sem espaço na pasta de backup." in str(info.value)


@pytest.mark.django_db
def test_comando_nao_inicia_com_execucao_anterior_em_andamento(tipo_de_teste):
    agendamento = criar()
    AgendamentoExecucaoFactory(agendamento=agendamento)

    with pytest.raises(CommandError) as info:
        call_command("executar_agendamento", "Teste")

    assert info.value.returncode == 1
    assert "a execução anterior ainda está em andamento" in str(info.value)
    assert tipo_de_teste.chamadas == []


# Two fires at the same moment


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_dois_disparos_simultaneos_rodam_uma_vez_so(tipo_de_teste):
    agendamento = criar()
    largada = threading.Barrier(2)
    resultados = []
    # The run that starts holds on until the other fire has come back: they overlap for sure.
    tipo_de_teste.durante = lambda: esperar(
        lambda: len(resultados) == 1, prazo=10, descricao="o outro disparo voltar sem rodar"
    )

    def disparar():
        try:
            largada.wait(timeout=10)
            resultados.append(agendamento_executar(agendamento=Agendamento.objects.get(pk=agendamento.pk)))
        finally:
            connection.close()

    threads = [threading.Thread(target=disparar) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(r is None for r in resultados) == [False, True]
    assert len(tipo_de_teste.chamadas) == 1
    assert AgendamentoExecucao.objects.filter(status=S.SUCESSO).count() == 1
    assert AgendamentoExecucao.objects.count() == 1
    agendamento.refresh_from_db()
    assert agendamento.total_execucoes == 1


@pytest.mark.django_db
def test_cada_execucao_diz_no_log_em_info_como_terminou(tipo_de_teste, caplog):
    caplog.set_level("INFO", logger="agendamentos")
    agendamento = criar(nome="Limpeza da madrugada")

    agendamento_executar(agendamento=agendamento)
    tipo_de_teste.erro = ErroDeNegocio("Pasta sem permissão.")
    agendamento_executar(agendamento=agendamento)

    linhas = [r.getMessage() for r in caplog.records if r.name == "agendamentos.services.execucao"]
    assert [r.levelname for r in caplog.records if r.name == "agendamentos.services.execucao"] == ["INFO", "INFO"]
    assert linhas[0].startswith("Agendamento “Limpeza da madrugada” executado com sucesso em ")
    assert linhas[1].startswith("Agendamento “Limpeza da madrugada” falhou depois de ")
    assert linhas[1].endswith(": Pasta sem permissão.")
