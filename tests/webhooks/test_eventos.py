"""Events raised by the process and robot-job services: one delivery per webhook that asked for the event,
written in the same transaction, queued after the commit, and nothing at all when nobody asked."""

import json
from decimal import Decimal

import pytest
from django.db import connection

from brm.common.errors import ErroDeNegocio
from brm.webhooks.models import EntregaWebhook, Evento
from brm.webhooks.services import webhooks_notificar
from brm.webhooks.tasks import entregar
from processos.models import Execucao, Processo
from processos.services import processo_aprovar, processo_registrar_envio_sat, processo_rejeitar
from processos.services.falha import execucao_falhar
from tests.factories import ConfiguracaoRPAFactory, ExecucaoFactory, ProcessoFactory

from .conftest import Resposta

pytestmark = pytest.mark.django_db

S = Processo.Status
TODOS = [Evento.PROCESSO_APROVADO, Evento.PROCESSO_REJEITADO, Evento.PROCESSO_ENVIADO_SAT, Evento.EXECUCAO_FALHOU]


def aguardando_aprovacao(**campos) -> Processo:
    return ProcessoFactory(
        status=S.AGUARDANDO_APROVACAO,
        fatura="faturas/2026-11/fatura.pdf",
        fatura_sha256="a" * 64,
        valor_total=Decimal("1234.56"),
        numero_fatura="2026-11-000123",
        **campos,
    )


def entregas_para(webhook) -> list[str]:
    return list(EntregaWebhook.objects.filter(webhook=webhook).values_list("evento", flat=True))


def entregas_enfileiradas(tarefas) -> list[str]:
    return [tarefa.args[0] for tarefa in tarefas if tarefa.nome == "entregar"]


def test_aprovar_grava_a_entrega_so_para_quem_pediu_o_evento_e_a_enfileira_apos_o_commit(
    aprovador, criar_webhook, tarefas, django_capture_on_commit_callbacks
):
    quer_aprovados, _ = criar_webhook("https://erp.example/brm", [Evento.PROCESSO_APROVADO], nome="ERP")
    quer_rejeitados, _ = criar_webhook("https://bot.example/brm", [Evento.PROCESSO_REJEITADO], nome="Bot")
    desativado, _ = criar_webhook("https://velho.example/brm", TODOS, nome="Antigo", ativo=False)
    processo = aguardando_aprovacao()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        processo_aprovar(processo=processo, por=aprovador)
        # Written inside the approval's transaction; nothing queued before it commits.
        (entrega,) = EntregaWebhook.objects.all()
        assert entregas_enfileiradas(tarefas) == []
    for callback in callbacks:
        callback()

    assert entregas_para(quer_aprovados) == [Evento.PROCESSO_APROVADO]
    assert entregas_para(quer_rejeitados) == entregas_para(desativado) == []
    assert entregas_enfileiradas(tarefas) == [str(entrega.pk)]
    dados = entrega.dados
    assert dados["processo"]["aprovado_em"]
    assert dados["processo"] | {"aprovado_em": None} == {
        "id": str(processo.pk),
        "competencia": "2026-11",
        "status": S.AGUARDANDO_ENVIO_SAT,
        "status_rotulo": "Aguardando envio ao SAT",
        "valor_total": "1234.56",
        "vencimento": None,
        "numero_fatura": "2026-11-000123",
        "aprovado_por": aprovador.email,
        "aprovado_em": None,
        "motivo_rejeicao": "",
        "protocolo_sat": "",
        "enviado_sat_em": None,
    }
    cliente = processo.cliente
    assert dados["cliente"] == {
        "id": str(cliente.pk),
        "razao_social": cliente.razao_social,
        "cnpj": cliente.cnpj_formatado,
        "conta": cliente.conta,
        "operadora": cliente.operadora.codigo,
    }
    assert (dados["de"], dados["por"], dados["motivo"]) == (S.AGUARDANDO_APROVACAO, aprovador.email, "")
    # The portal password travels nowhere.
    assert "senha" not in json.dumps(dados) and cliente.senha_portal not in json.dumps(dados)


def test_rejeitar_e_enviar_ao_sat_geram_seus_eventos(aprovador, operador, criar_webhook, tarefas):
    webhook, _ = criar_webhook("https://erp.example/brm", TODOS)
    rejeitado = aguardando_aprovacao()
    enviado = aguardando_aprovacao()

    processo_rejeitar(processo=rejeitado, por=aprovador, motivo="Valor diverge do contrato.")
    processo_aprovar(processo=enviado, por=aprovador)
    processo_registrar_envio_sat(processo=enviado, protocolo="SAT-2026-0001", por=operador)

    por_evento = {entrega.evento: entrega.dados for entrega in EntregaWebhook.objects.filter(webhook=webhook)}
    assert set(por_evento) == {Evento.PROCESSO_REJEITADO, Evento.PROCESSO_APROVADO, Evento.PROCESSO_ENVIADO_SAT}
    assert por_evento[Evento.PROCESSO_REJEITADO]["motivo"] == "Valor diverge do contrato."
    assert por_evento[Evento.PROCESSO_REJEITADO]["processo"]["motivo_rejeicao"] == "Valor diverge do contrato."
    assert por_evento[Evento.PROCESSO_ENVIADO_SAT]["processo"]["protocolo_sat"] == "SAT-2026-0001"
    assert por_evento[Evento.PROCESSO_ENVIADO_SAT]["por"] == operador.email


def test_falha_de_execucao_gera_o_evento_com_o_erro_e_a_reexecucao(criar_webhook, tarefas):
    ConfiguracaoRPAFactory(reexecucoes_automaticas=2)
    webhook, _ = criar_webhook("https://erp.example/brm", [Evento.EXECUCAO_FALHOU])
    execucao = ExecucaoFactory(status=Execucao.Status.EM_EXECUCAO)

    assert execucao_falhar(
        execucao, "O portal da operadora está fora do ar.", codigo="PORTAL_FORA_DO_AR", de="EM_EXECUCAO"
    )

    (entrega,) = EntregaWebhook.objects.filter(webhook=webhook)
    assert entrega.evento == Evento.EXECUCAO_FALHOU
    falha = entrega.dados["execucao"]
    assert (falha["id"], falha["tipo"], falha["erro"], falha["codigo"], falha["tentativa"]) == (
        str(execucao.pk),
        Execucao.Tipo.DOWNLOAD_FATURA,
        "O portal da operadora está fora do ar.",
        "PORTAL_FORA_DO_AR",
        1,
    )
    assert falha["reexecucao_automatica_em"] is not None
    assert entrega.dados["processo"]["id"] == str(execucao.processo_id)
    assert entrega.dados["cliente"]["cnpj"] == execucao.processo.cliente.cnpj_formatado


def test_sem_webhook_nada_e_gravado_nem_enfileirado_e_os_dados_nem_sao_montados(aprovador, tarefas):
    processo = aguardando_aprovacao()

    processo_aprovar(processo=processo, por=aprovador)

    assert not EntregaWebhook.objects.exists()
    assert entregas_enfileiradas(tarefas) == []

    def montar():
        raise AssertionError("os dados não deviam ser montados")

    assert webhooks_notificar(evento=Evento.PROCESSO_APROVADO, dados=montar) == []


def test_transicao_recusada_nao_gera_evento(aprovador, criar_webhook, tarefas):
    criar_webhook("https://erp.example/brm", TODOS)
    processo = ProcessoFactory(status=S.AGUARDANDO_DOWNLOAD)

    with pytest.raises(ErroDeNegocio):
        processo_aprovar(processo=processo, por=aprovador)

    assert not EntregaWebhook.objects.exists()
    assert entregas_enfileiradas(tarefas) == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_aprovar_com_receptor_travado_confirma_na_hora_sem_chamar_o_receptor(
    receptor, aprovador, criar_webhook, tarefas
):
    # A receiver that would hold every call for seconds: the approval must not wait for it, nor call it.
    receptor.padrao = Resposta(200, demora=3)
    criar_webhook(receptor.url, [Evento.PROCESSO_APROVADO])
    processo = aguardando_aprovacao()

    processo_aprovar(processo=processo, por=aprovador)

    # Committed (this test runs outside a wrapping transaction): read back from the database.
    assert not connection.in_atomic_block
    assert Processo.objects.get(pk=processo.pk).status == S.AGUARDANDO_ENVIO_SAT
    (entrega,) = EntregaWebhook.objects.all()
    assert (entrega.status, entrega.tentativas) == (EntregaWebhook.Status.PENDENTE, 0)
    assert entregas_enfileiradas(tarefas) == [str(entrega.pk)]
    assert receptor.recebidas == []

    # The worker makes the call later; the receiver's slowness is its own.
    receptor.padrao = Resposta(200)
    entregar(str(entrega.pk))
    assert len(receptor.recebidas) == 1
    entrega.refresh_from_db()
    assert entrega.status == EntregaWebhook.Status.ENTREGUE
