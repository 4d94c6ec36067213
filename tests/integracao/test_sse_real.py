"""Live updates against real servers: uvicorn web processes serving brm.asgi, a Celery worker, Redis, the robot
simulator, and clients reading the streams over HTTP as browsers do."""

import signal
import subprocess
import threading
import time
import uuid

import pytest
import requests
from django.db import connection
from django.utils import timezone
from django_eventstream import send_event

from brm.eventos.canais import CANAL_PAINEL, canal_execucao
from brm.eventos.publicacao import publicar
from brm.rpa.api_robos import LinhaLog
from brm.usuarios.models import Usuario
from processos.models import Execucao, Processo
from processos.services import execucao_registrar_logs, execucao_solicitar
from tests.factories import ExecucaoFactory, ProcessoFactory, UsuarioFactory

from .conftest import Processos, RedisProprio
from .sse import ClienteSSE, sessao_de

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.integracao_web]


@pytest.fixture
def web(celery_processos):
    return celery_processos.web()


@pytest.fixture
def sessao_leitor():
    return sessao_de(UsuarioFactory())


def _linhas(inicio: int, quantidade: int, mensagem: str = "linha {seq}") -> list[LinhaLog]:
    return [
        LinhaLog(seq=seq, quando=timezone.now(), nivel="INFO", mensagem=mensagem.format(seq=seq))
        for seq in range(inicio, inicio + quantidade)
    ]


def _seqs(eventos) -> list[int]:
    return [linha["seq"] for evento in eventos if evento.tipo == "logs" for linha in evento.json()["linhas"]]


def test_evento_publicado_chega_ao_navegador_conectado(web, sessao_leitor):
    with ClienteSSE(f"{web.url}/eventos/{CANAL_PAINEL}/", sessao=sessao_leitor) as cliente:
        cliente.aberto()
        marca = str(uuid.uuid4())
        publicar(CANAL_PAINEL, "teste", {"marca": marca})

        [evento] = cliente.esperar(lambda eventos: eventos, descricao="o evento publicado")
    assert evento.tipo == "teste"
    assert evento.json() == {"marca": marca}
    assert evento.id.startswith(f"{CANAL_PAINEL}:")


def test_download_num_worker_chega_com_status_e_logs_ao_navegador_de_um_processo_web(
    celery_processos, configuracao_rpa
):
    E = Execucao.Status
    web = celery_processos.web()
    sessao = sessao_de(UsuarioFactory())
    processo = ProcessoFactory()
    with ClienteSSE(f"{web.url}/eventos/{CANAL_PAINEL}/", sessao=sessao) as painel:
        painel.aberto()
        execucao = execucao_solicitar(
            processo=processo, tipo=Execucao.Tipo.DOWNLOAD_FATURA, por=UsuarioFactory(papel=Usuario.Papel.OPERADOR)
        )
        with ClienteSSE(f"{web.url}/eventos/{canal_execucao(execucao.pk)}/", sessao=sessao) as pagina:
            pagina.aberto()
            # The dispatch waits in Redis for a worker: everything from here on happens in the worker's process.
            celery_processos.worker()

            pagina.esperar(
                lambda eventos: any(e.tipo == "status" and e.json()["status"] == E.SUCESSO for e in eventos),
                prazo=30,
                descricao="a execução terminar com sucesso",
            )
            painel.esperar(
                lambda eventos: any(e.tipo == "processo" and e.json()["id"] == str(processo.pk) for e in eventos),
                descricao="o processo mudar de situação no painel",
            )

    status = [e.json() for e in pagina.eventos if e.tipo == "status"]
    assert [s["status"] for s in status] == [E.ENVIANDO, E.EM_EXECUCAO, E.SUCESSO]
    assert status[-1]["finalizado_em"] and status[-1]["status_rotulo"] == "Sucesso"
    # Every line the robot wrote, once each, in order, as stored.
    linhas = [linha for e in pagina.eventos if e.tipo == "logs" for linha in e.json()["linhas"]]
    assert [(linha["seq"], linha["mensagem"]) for linha in linhas] == list(
        execucao.logs.order_by("seq").values_list("seq", "mensagem")
    )
    assert len(linhas) >= 3
    do_painel = [e.json() for e in painel.eventos if e.tipo == "execucao" and e.json()["id"] == str(execucao.pk)]
    assert [(e["de"], e["status"]) for e in do_painel] == [
        ("", E.PENDENTE),
        (E.PENDENTE, E.ENVIANDO),
        (E.ENVIANDO, E.EM_EXECUCAO),
        (E.EM_EXECUCAO, E.SUCESSO),
    ]
    [mudanca] = [e.json() for e in painel.eventos if e.tipo == "processo" and e.json()["id"] == str(processo.pk)]
    assert (mudanca["de"], mudanca["status"]) == (Processo.Status.AGUARDANDO_DOWNLOAD, "AGUARDANDO_APROVACAO")


def test_aprovacao_feita_num_processo_web_chega_ao_painel_aberto_em_outro(celery_processos):
    web_a, web_b = celery_processos.web(), celery_processos.web()
    processo = ProcessoFactory(status=Processo.Status.AGUARDANDO_APROVACAO)
    aprovador = UsuarioFactory(papel=Usuario.Papel.APROVADOR)
    with ClienteSSE(f"{web_b.url}/eventos/{CANAL_PAINEL}/", sessao=sessao_de(UsuarioFactory())) as painel:
        painel.aberto()
        # The approver uses the admin's bulk action, served by the other web process.
        navegador = requests.Session()
        navegador.cookies.set("sessionid", sessao_de(aprovador))
        lista = f"{web_a.url}/admin/processos/processo/"
        assert navegador.get(lista, timeout=20).status_code == 200
        resposta = navegador.post(
            lista,
            data={
                "action": "aprovar_selecionados",
                "_selected_action": str(processo.pk),
                "csrfmiddlewaretoken": navegador.cookies["csrftoken"],
            },
            headers={"Referer": lista},
            timeout=20,
        )
        assert resposta.status_code == 200, resposta.text[:500]

        painel.esperar(
            lambda eventos: any(e.tipo == "processo" and e.json()["id"] == str(processo.pk) for e in eventos),
            descricao="a aprovação no painel do outro processo web",
        )
    [mudanca] = [e.json() for e in painel.eventos if e.tipo == "processo" and e.json()["id"] == str(processo.pk)]
    assert mudanca == {
        "id": str(processo.pk),
        "status": "AGUARDANDO_ENVIO_SAT",
        "status_rotulo": Processo.Status.AGUARDANDO_ENVIO_SAT.label,
        "de": "AGUARDANDO_APROVACAO",
        "competencia": processo.competencia.isoformat(),
    }
    processo.refresh_from_db()
    assert processo.status == Processo.Status.AGUARDANDO_ENVIO_SAT


def test_quem_nao_pode_ler_e_recusado_pelo_servidor_real(web):
    sem_papel = UsuarioFactory()
    sem_papel.groups.clear()
    execucao = canal_execucao(uuid.uuid4())
    anonimos = {
        "anônimo no painel": ClienteSSE(f"{web.url}/eventos/{CANAL_PAINEL}/"),
        "anônimo numa execução": ClienteSSE(f"{web.url}/eventos/{execucao}/"),
    }
    sem_permissao = {
        "sem papel": ClienteSSE(f"{web.url}/eventos/{execucao}/", sessao=sessao_de(sem_papel)),
        "canal que não é nosso": ClienteSSE(f"{web.url}/eventos/outro-canal/", sessao=sessao_de(UsuarioFactory())),
    }
    for status, frase, casos in (
        (401, "Authorization: Bearer", anonimos),
        (403, "permissão para acompanhar", sem_permissao),
    ):
        for caso, cliente in casos.items():
            assert cliente.terminou.wait(20), caso
            assert cliente.status == status, (caso, cliente.situacao())
            assert frase in cliente.corpo_recusa
            assert cliente.todos == []


def test_html_numa_linha_de_log_chega_intacto_como_texto(web, sessao_leitor):
    execucao = ExecucaoFactory(status=Execucao.Status.EM_EXECUCAO)
    perigosa = '<img src=x onerror=alert(1)> & <script>alert("x")</script>'
    with ClienteSSE(f"{web.url}/eventos/{canal_execucao(execucao.pk)}/", sessao=sessao_leitor) as cliente:
        cliente.aberto()
        execucao_registrar_logs(execucao=execucao, linhas=_linhas(1, 1, perigosa))

        [evento] = cliente.esperar(lambda eventos: eventos, descricao="a linha de log")
    assert evento.tipo == "logs"
    [linha] = evento.json()["linhas"]
    assert linha["mensagem"] == perigosa
    assert "<img src=x onerror=alert(1)>" in evento.dados  # JSON escapes nothing of it, nor does the stream


def test_rajada_de_3000_linhas_chega_inteira_e_em_ordem(web, sessao_leitor):
    execucao = ExecucaoFactory(status=Execucao.Status.EM_EXECUCAO)
    with ClienteSSE(f"{web.url}/eventos/{canal_execucao(execucao.pk)}/", sessao=sessao_leitor) as cliente:
        cliente.aberto()
        for lote in range(100):
            execucao_registrar_logs(execucao=execucao, linhas=_linhas(lote * 30 + 1, 30))

        cliente.esperar(lambda eventos: len(_seqs(eventos)) >= 3000, prazo=30, descricao="as 3.000 linhas")
    assert _seqs(cliente.eventos) == list(range(1, 3001))
    ids = _ids(cliente.eventos)
    assert ids == list(range(ids[0], ids[0] + 100))


def test_reconexao_com_last_event_id_recebe_o_que_perdeu_uma_vez_e_depois_os_novos(web, sessao_leitor):
    execucao = ExecucaoFactory(status=Execucao.Status.EM_EXECUCAO)
    url = f"{web.url}/eventos/{canal_execucao(execucao.pk)}/"
    with ClienteSSE(url, sessao=sessao_leitor) as primeiro:
        primeiro.aberto()
        for lote in range(3):
            execucao_registrar_logs(execucao=execucao, linhas=_linhas(lote * 5 + 1, 5))
        primeiro.esperar(lambda eventos: len(eventos) == 3, descricao="os 3 primeiros lotes")
    ultimo_id = primeiro.ultimo_id

    # Missed while disconnected.
    for lote in range(3, 30):
        execucao_registrar_logs(execucao=execucao, linhas=_linhas(lote * 5 + 1, 5))

    with ClienteSSE(url, sessao=sessao_leitor, ultimo_id=ultimo_id) as segundo:
        segundo.aberto()
        segundo.esperar(lambda eventos: len(_seqs(eventos)) >= 135, descricao="os lotes perdidos")
        for lote in range(30, 35):
            execucao_registrar_logs(execucao=execucao, linhas=_linhas(lote * 5 + 1, 5))
        segundo.esperar(lambda eventos: len(_seqs(eventos)) >= 160, descricao="os lotes novos")

    assert _seqs(primeiro.eventos) == list(range(1, 16))
    assert _seqs(segundo.eventos) == list(range(16, 176))
    ids = _ids(primeiro.eventos + segundo.eventos)
    assert ids == list(range(ids[0], ids[0] + 35))


def _ids(eventos) -> list[int]:
    return [int(evento.id.rsplit(":", 1)[1]) for evento in eventos]


def test_varios_remetentes_ao_mesmo_tempo_cada_evento_chega_uma_vez_em_ordem(web, sessao_leitor):
    # Workers, beat and web processes send on `painel` at the same time; pub/sub may bring their messages in
    # another order than their ids, and after the stream read the same events from storage.
    canal = canal_execucao(uuid.uuid4())
    clientes = [ClienteSSE(f"{web.url}/eventos/{canal}/", sessao=sessao_leitor) for _ in range(3)]
    for cliente in clientes:
        cliente.aberto()

    def remetente(n: int) -> None:
        for i in range(100):
            send_event(canal, "teste", {"remetente": n, "i": i})

    remetentes = [threading.Thread(target=remetente, args=(n,)) for n in range(6)]
    for fio in remetentes:
        fio.start()
    for fio in remetentes:
        fio.join()

    for cliente in clientes:
        cliente.esperar(lambda eventos: len(eventos) >= 600, descricao="os 600 eventos")
        cliente.fechar()
        assert _ids(cliente.eventos) == list(range(1, 601))
        recebidos = [(e.json()["remetente"], e.json()["i"]) for e in cliente.eventos]
        assert sorted(recebidos) == [(n, i) for n in range(6) for i in range(100)]
        # Each sender's events in the order it sent them.
        for n in range(6):
            assert [i for r, i in recebidos if r == n] == list(range(100))


def test_reconexoes_enquanto_os_eventos_chegam_nao_perdem_nem_repetem(web, sessao_leitor):
    canal = canal_execucao(uuid.uuid4())
    url = f"{web.url}/eventos/{canal}/"
    total = 400
    enviados = threading.Event()

    def remetente() -> None:
        for i in range(total):
            send_event(canal, "teste", {"i": i})
            if i % 20 == 0:
                time.sleep(0.01)
        enviados.set()

    cliente = ClienteSSE(url, sessao=sessao_leitor, ultimo_id=f"{canal}:0").aberto()
    fio = threading.Thread(target=remetente)
    fio.start()
    recebidos = []
    while True:
        # A browser that loses its connection now and then, and comes back with its last id.
        cliente.esperar(lambda eventos: eventos or enviados.is_set(), descricao="algum evento")
        time.sleep(0.03)
        cliente.fechar()
        recebidos += cliente.eventos
        if len(recebidos) >= total:
            break
        cliente = ClienteSSE(url, sessao=sessao_leitor, ultimo_id=recebidos[-1].id if recebidos else f"{canal}:0")
        cliente.aberto()
    fio.join()
    assert [e.json()["i"] for e in recebidos] == list(range(total))
    assert _ids(recebidos) == list(range(1, total + 1))
    # The streams of the browsers that left ended with them: the server stops at once, waiting for none.
    web.processo.send_signal(signal.SIGTERM)
    try:
        web.processo.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("O processo web não parou: o fluxo de um navegador que saiu continuou rodando.")


@pytest.mark.parametrize("persistente", [False, True], ids=["redis-sem-persistencia", "redis-com-aof"])
def test_redis_reiniciado_o_processo_web_volta_a_entregar_sem_perder_nem_repetir(tmp_path, persistente):
    servidor = RedisProprio(tmp_path, persistente=persistente)
    servidor.iniciar()
    processos = Processos(tmp_path, redis_url=servidor.url)
    try:
        web = processos.web()
        canal = canal_execucao(uuid.uuid4())
        with ClienteSSE(f"{web.url}/eventos/{canal}/", sessao=sessao_de(UsuarioFactory())) as cliente:
            cliente.aberto()
            processos.enviar_eventos(canal, 0, 5)
            cliente.esperar(lambda eventos: len(eventos) >= 5, descricao="os eventos antes de o Redis cair")

            servidor.parar()
            servidor.iniciar()
            # Sent at once, most likely before the web process is back on Redis: it gets them all the same.
            processos.enviar_eventos(canal, 5, 5)

            cliente.esperar(
                lambda eventos: [e.json()["i"] for e in eventos if e.tipo == "teste"][-1:] == [9],
                descricao="os eventos depois de o Redis voltar",
            )
    finally:
        processos.parar()
        servidor.parar()

    assert [e.json()["i"] for e in cliente.eventos if e.tipo == "teste"] == list(range(10))
    recomecos = cliente.do_tipo("stream-reset")
    if persistente:
        # The data survived: the stream goes on from where it was, ids and all.
        assert recomecos == []
        assert _ids(cliente.eventos) == list(range(1, 11))
    else:
        # The data is gone and the ids start again: the page is told once (so it reloads what it shows), then gets
        # the new events from the first.
        assert [e.tipo for e in cliente.eventos] == ["teste"] * 5 + ["stream-reset"] + ["teste"] * 5
        assert _ids([e for e in cliente.eventos if e.tipo == "teste"]) == [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="conta conexões em pg_stat_activity (PostgreSQL)")
def test_fluxo_aberto_nao_segura_conexao_com_o_banco(web, sessao_leitor):
    def conexoes_da_web() -> list:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid, state, query FROM pg_stat_activity WHERE datname = current_database()"
                " AND application_name = %s",
                [web.nome_no_banco],
            )
            return cursor.fetchall()

    clientes = [ClienteSSE(f"{web.url}/eventos/{CANAL_PAINEL}/", sessao=sessao_leitor) for _ in range(20)]
    try:
        for cliente in clientes:
            cliente.aberto()
        publicar(CANAL_PAINEL, "teste", {"n": 1})
        for cliente in clientes:
            cliente.esperar(lambda eventos: eventos, descricao="o evento em cada fluxo")
        # Each stream read the session and the permissions from the database when it opened; none kept it.
        com_fluxos_abertos = conexoes_da_web()
    finally:
        for cliente in clientes:
            cliente.fechar()
    assert com_fluxos_abertos == []
