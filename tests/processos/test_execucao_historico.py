"""The one path of an execution's status change: every change writes its history row, a lost race writes none."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from brm.rpa.models import ConfiguracaoRPA
from processos.models import Execucao, ExecucaoEvento, Processo
from processos.services import (
    execucao_cancelar,
    execucao_mudar_status,
    execucao_reexecutar,
    execucao_solicitar,
    execucoes_despachar,
    execucoes_mudar_status,
    execucoes_solicitar_downloads,
)
from processos.services.falha import execucao_falhar
from tests.factories import ExecucaoFactory, OperadoraFactory, ProcessoFactory

E = Execucao.Status
T = Execucao.Tipo


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tarefas")]


def historico(execucao: Execucao) -> list[tuple[str, str]]:
    return list(ExecucaoEvento.objects.filter(execucao=execucao).order_by("quando", "para").values_list("de", "para"))


def test_pedir_um_download_grava_o_primeiro_evento_com_quem_pediu(operador, django_capture_on_commit_callbacks):
    processo = ProcessoFactory()

    with django_capture_on_commit_callbacks(execute=True):
        execucao = execucao_solicitar(processo=processo, tipo=T.DOWNLOAD_FATURA, por=operador)

    evento = ExecucaoEvento.objects.get(execucao=execucao)
    assert (evento.de, evento.para, evento.por) == ("", E.PENDENTE, operador)
    assert str(operador) in evento.motivo


def test_pedido_em_lote_grava_um_evento_por_execucao_criada(operador):
    processos = [ProcessoFactory() for _ in range(3)]

    resultado = execucoes_solicitar_downloads(por=operador, processo_ids=[p.pk for p in processos], todos=True)

    assert resultado.enfileiradas == 3
    assert ExecucaoEvento.objects.filter(de="", para=E.PENDENTE, por=operador).count() == 3
    assert set(ExecucaoEvento.objects.values_list("execucao__processo", flat=True)) == {p.pk for p in processos}


def test_despachar_grava_pendente_para_enviando_so_das_escolhidas(django_capture_on_commit_callbacks):
    ConfiguracaoRPA.objects.create(url_base="http://127.0.0.1:9", limite_global=2)
    operadora = OperadoraFactory(max_execucoes_simultaneas=5)
    execucoes = [ExecucaoFactory(processo__cliente__operadora=operadora) for _ in range(3)]

    with django_capture_on_commit_callbacks(execute=True):
        escolhidas = execucoes_despachar()

    assert escolhidas == [execucoes[0].pk, execucoes[1].pk]
    assert historico(execucoes[0]) == [(E.PENDENTE, E.ENVIANDO)]
    assert historico(execucoes[1]) == [(E.PENDENTE, E.ENVIANDO)]
    assert historico(execucoes[2]) == []


def test_mudanca_com_situacao_antiga_nao_muda_nada_nem_grava_evento():
    execucao = ExecucaoFactory()
    lida = Execucao.objects.get(pk=execucao.pk)
    assert execucao_mudar_status(execucao=execucao, para=E.ENVIANDO, motivo="primeira")

    # `lida` still thinks it is PENDENTE: someone else moved it first.
    assert not execucao_mudar_status(execucao=lida, para=E.CANCELADA, motivo="segunda")

    execucao.refresh_from_db()
    assert execucao.status == E.ENVIANDO
    assert historico(execucao) == [(E.PENDENTE, E.ENVIANDO)]


def test_mudanca_em_lote_devolve_so_as_que_mudaram_na_ordem_pedida():
    primeira, segunda, terceira = (ExecucaoFactory() for _ in range(3))
    Execucao.objects.filter(pk=segunda.pk).update(status=E.CANCELADA)

    movidas = execucoes_mudar_status(
        ids=[terceira.pk, segunda.pk, primeira.pk], de=E.PENDENTE, para=E.ENVIANDO, motivo="vaga"
    )

    assert movidas == [terceira.pk, primeira.pk]
    assert ExecucaoEvento.objects.filter(para=E.ENVIANDO, motivo="vaga").count() == 2
    assert historico(segunda) == []


def test_mudanca_grava_campos_na_mesma_atualizacao():
    execucao = ExecucaoFactory()
    agora = timezone.now()

    assert execucao_mudar_status(execucao=execucao, para=E.ENVIANDO, agora=agora, enviado_em=agora)

    execucao.refresh_from_db()
    assert execucao.enviado_em == agora
    assert ExecucaoEvento.objects.get(execucao=execucao).quando >= agora


def test_cancelar_grava_quem_cancelou_e_o_motivo(operador):
    execucao = ExecucaoFactory()

    execucao_cancelar(execucao=execucao, por=operador, motivo="Cliente pediu para parar.")

    evento = ExecucaoEvento.objects.get(execucao=execucao)
    assert (evento.de, evento.para, evento.por, evento.motivo) == (
        E.PENDENTE,
        E.CANCELADA,
        operador,
        "Cliente pediu para parar.",
    )


def test_falha_grava_o_erro_como_motivo_e_a_reexecucao_automatica_seu_proprio_inicio():
    ConfiguracaoRPA.objects.create(url_base="http://127.0.0.1:9", reexecucoes_automaticas=2)
    execucao = ExecucaoFactory(status=E.EM_EXECUCAO)

    assert execucao_falhar(
        execucao, "O portal da operadora está fora do ar.", codigo="PORTAL_FORA_DO_AR", de=E.EM_EXECUCAO
    )

    evento = ExecucaoEvento.objects.get(execucao=execucao)
    assert (evento.de, evento.para, evento.motivo) == (E.EM_EXECUCAO, E.FALHA, "O portal da operadora está fora do ar.")
    nova = Execucao.objects.get(anterior=execucao)
    assert nova.status == E.PENDENTE and nova.tentativa == 2


def test_falha_de_execucao_que_ja_terminou_nao_grava_evento():
    execucao = ExecucaoFactory(status=E.SUCESSO)

    assert not execucao_falhar(execucao, "tarde demais", codigo="ERRO_INTERNO", de=E.EM_EXECUCAO)

    assert historico(execucao) == []
    execucao.refresh_from_db()
    assert execucao.status == E.SUCESSO


def test_reexecutar_cria_nova_execucao_com_seu_historico(operador):
    falha = ExecucaoFactory(status=E.FALHA, processo__status=Processo.Status.AGUARDANDO_DOWNLOAD)

    nova = execucao_reexecutar(execucao=falha, por=operador)

    assert historico(nova) == [("", E.PENDENTE)]
    assert historico(falha) == []


def test_servicos_enfileiram_pelo_nome_da_tarefa(operador, tarefas, django_capture_on_commit_callbacks):
    ConfiguracaoRPA.objects.create(url_base="http://127.0.0.1:9", limite_global=1)
    processo = ProcessoFactory()

    with django_capture_on_commit_callbacks(execute=True):
        execucao = execucao_solicitar(processo=processo, tipo=T.DOWNLOAD_FATURA, por=operador)
    with django_capture_on_commit_callbacks(execute=True):
        execucoes_despachar()

    assert tarefas == [("despachar_execucoes", (), {}), ("enviar_execucao", (str(execucao.pk),), {})]


def test_execucao_antiga_sem_historico_continua_mudando():
    antiga = ExecucaoFactory(status=E.EM_EXECUCAO, criado_em=timezone.now() - dt.timedelta(days=30))

    assert execucao_mudar_status(execucao=antiga, para=E.CANCELADA)
    assert historico(antiga) == [(E.EM_EXECUCAO, E.CANCELADA)]


def test_pagina_da_execucao_mostra_o_historico_a_quem_so_le(client, leitor, operador):
    execucao = ExecucaoFactory()
    execucao_cancelar(execucao=execucao, por=operador, motivo="Pedido do cliente.")
    client.force_login(leitor)

    resposta = client.get(reverse("admin:processos_execucao_change", args=[execucao.pk]))

    assert resposta.status_code == 200
    historico_inline = next(
        inline for inline in resposta.context["inline_admin_formsets"] if inline.opts.model is ExecucaoEvento
    )
    linhas = [formulario.original for formulario in historico_inline]
    assert [(linha.de, linha.para, linha.motivo) for linha in linhas] == [
        (E.PENDENTE, E.CANCELADA, "Pedido do cliente.")
    ]
    assert "Pedido do cliente." in resposta.content.decode()
