"""Events go out after the commit, from the places where statuses change, into Redis storage."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from django_eventstream.utils import get_storage

from brm.eventos.canais import CANAL_PAINEL, canal_execucao
from brm.eventos.publicacao import publicar
from processos.models import Execucao, Processo
from processos.services import execucao_mudar_status, execucao_registrar_logs, processo_rejeitar
from processos.services.ao_vivo import LINHAS_POR_EVENTO
from processos.services.execucao_estado import execucoes_criar
from tests.factories import ExecucaoFactory, ProcessoFactory

pytestmark = pytest.mark.django_db


class Eventos:
    """The events stored in Redis on a channel after a mark (storage is what resuming readers get)."""

    def __init__(self, canal: str):
        self.canal = canal
        self.armazenamento = get_storage()
        self.marca = self.armazenamento.get_current_id(canal)

    def novos(self) -> list:
        return [(e.type, e.data) for e in self.armazenamento.get_events(self.canal, self.marca, limit=10_000)]


def _linha(seq, mensagem="linha"):
    from brm.rpa.api_robos import LinhaLog

    return LinhaLog(seq=seq, quando=timezone.now(), nivel="INFO", mensagem=mensagem)


def test_evento_sai_so_depois_do_commit(django_capture_on_commit_callbacks):
    painel = Eventos(CANAL_PAINEL)
    with django_capture_on_commit_callbacks(execute=True):
        publicar(CANAL_PAINEL, "teste", {"n": 1})
        assert painel.novos() == []

    assert painel.novos() == [("teste", '{"n": 1}')]


def test_nada_sai_quando_a_transacao_volta_atras(django_capture_on_commit_callbacks):
    painel = Eventos(CANAL_PAINEL)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                publicar(CANAL_PAINEL, "teste", {"n": 1})
                raise RuntimeError
        except RuntimeError:
            pass

    assert painel.novos() == []


def test_mudanca_de_status_da_execucao_avisa_o_painel_e_a_pagina_da_execucao(django_capture_on_commit_callbacks):
    import json

    execucao = ExecucaoFactory(status=Execucao.Status.ENVIANDO)
    painel, pagina = Eventos(CANAL_PAINEL), Eventos(canal_execucao(execucao.pk))
    inicio = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        execucao_mudar_status(execucao=execucao, para=Execucao.Status.EM_EXECUCAO, iniciado_em=inicio)

    [(tipo, dados)] = painel.novos()
    assert tipo == "execucao"
    assert json.loads(dados) == {
        "id": str(execucao.pk),
        "processo_id": str(execucao.processo_id),
        "tipo": execucao.tipo,
        "status": "EM_EXECUCAO",
        "status_rotulo": "Em execução",
        "de": "ENVIANDO",
    }
    [(tipo, dados)] = pagina.novos()
    assert tipo == "status"
    assert json.loads(dados)["iniciado_em"] == inicio.isoformat()


def test_mudanca_recusada_nao_avisa_ninguem(django_capture_on_commit_callbacks):
    execucao = ExecucaoFactory(status=Execucao.Status.SUCESSO)
    painel = Eventos(CANAL_PAINEL)

    with django_capture_on_commit_callbacks(execute=True):
        assert not execucao_mudar_status(execucao=execucao, de=Execucao.Status.ENVIANDO, para=Execucao.Status.FALHA)

    assert painel.novos() == []


def test_muitas_execucoes_criadas_viram_um_evento_so_no_painel(django_capture_on_commit_callbacks):
    processos = ProcessoFactory.create_batch(60)
    painel = Eventos(CANAL_PAINEL)

    with django_capture_on_commit_callbacks(execute=True):
        execucoes_criar([Execucao(processo=p, tipo=Execucao.Tipo.DOWNLOAD_FATURA) for p in processos], motivo="teste")

    assert painel.novos() == [("execucoes", '{"quantidade": 60}')]


def test_transicao_do_processo_avisa_o_painel(django_capture_on_commit_callbacks, aprovador):
    import json

    processo = ProcessoFactory(status=Processo.Status.AGUARDANDO_APROVACAO, competencia=dt.date(2026, 11, 1))
    painel = Eventos(CANAL_PAINEL)

    with django_capture_on_commit_callbacks(execute=True):
        processo_rejeitar(processo=processo, por=aprovador, motivo="Valor errado")

    [(tipo, dados)] = painel.novos()
    assert tipo == "processo"
    assert json.loads(dados) == {
        "id": str(processo.pk),
        "status": "AGUARDANDO_DOWNLOAD",
        "status_rotulo": "Aguardando download",
        "de": "AGUARDANDO_APROVACAO",
        "competencia": "2026-11-01",
    }


def test_linhas_de_log_vao_em_lotes_em_ordem_e_so_as_novas(django_capture_on_commit_callbacks):
    import json

    execucao = ExecucaoFactory(status=Execucao.Status.EM_EXECUCAO)
    pagina = Eventos(canal_execucao(execucao.pk))
    total = LINHAS_POR_EVENTO * 2 + 7

    with django_capture_on_commit_callbacks(execute=True):
        execucao_registrar_logs(execucao=execucao, linhas=[_linha(seq) for seq in reversed(range(1, total + 1))])
        # Lines already kept are not sent again.
        execucao_registrar_logs(execucao=execucao, linhas=[_linha(seq) for seq in range(1, 4)])

    eventos = pagina.novos()
    assert [tipo for tipo, _ in eventos] == ["logs"] * 3
    seqs = [linha["seq"] for _, dados in eventos for linha in json.loads(dados)["linhas"]]
    assert seqs == list(range(1, total + 1))


def test_redis_fora_nao_falha_o_trabalho_e_avisa_uma_vez_por_pausa(
    django_capture_on_commit_callbacks, monkeypatch, caplog
):
    from brm.eventos import publicacao
    from tests.conftest import porta_fechada

    # The storage of this thread talks to a port where nothing listens.
    monkeypatch.setattr(get_storage(), "connection_details", {"port": porta_fechada(), "socket_connect_timeout": 1})
    monkeypatch.setattr(publicacao._estado, "pausado_ate", 0.0, raising=False)
    processo = ProcessoFactory(status=Processo.Status.AGUARDANDO_APROVACAO)

    with caplog.at_level("WARNING", logger="brm.eventos.publicacao"):
        with django_capture_on_commit_callbacks(execute=True):
            for n in range(5):
                publicar(CANAL_PAINEL, "teste", {"n": n})
        # The work that causes events still happens.
        with django_capture_on_commit_callbacks(execute=True):
            processo_rejeitar(processo=processo, por=None, motivo="Sem Redis")

    processo.refresh_from_db()
    assert processo.status == Processo.Status.AGUARDANDO_DOWNLOAD
    avisos = [r for r in caplog.records if r.name == "brm.eventos.publicacao"]
    assert len(avisos) == 1
    assert "Atualizações ao vivo não enviadas" in avisos[0].getMessage()
