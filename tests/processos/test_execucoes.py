"""The robot job services, driven step by step as the workers would drive them, against the simulator as a real
HTTP server. Celery is left out (a real worker is covered by tests/integracao): the tasks the services queue are
recorded instead of sent, and the tests call dispatch, send and poll themselves."""

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from brm.common.errors import ErroDeNegocio
from brm.rpa.api_robos import ApiRobos, LinhaLog
from processos.models import Execucao, ExecucaoLog, Processo, ProcessoEvento
from processos.services import (
    execucao_cancelar,
    execucao_enviar,
    execucao_reexecutar,
    execucao_registrar_logs,
    execucao_solicitar,
    execucoes_acompanhar,
    execucoes_despachar,
    execucoes_no_robo,
    execucoes_solicitar_downloads,
    filas,
    processo_aprovar,
    processo_registrar_fatura,
)
from tests.conftest import Tarefa, esperar, porta_fechada
from tests.factories import (
    ClienteFactory,
    ConfiguracaoRPAFactory,
    ExecucaoFactory,
    OperadoraFactory,
    ProcessoFactory,
)

pytestmark = pytest.mark.django_db

E = Execucao.Status
T = Execucao.Tipo
S = Processo.Status
FINAIS = {E.SUCESSO, E.FALHA, E.CANCELADA}
NOVEMBRO = dt.date(2026, 11, 1)


# Fixtures ----------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def tarefas(tarefas, monkeypatch):
    """The tasks the services queue, recorded instead of sent; queuing the next poll is recorded as the call to the
    service's helper, with its interval, since the real helper goes through Redis before Celery (to queue one poll,
    not one per send): no test here needs a broker or sees another run's marks."""
    monkeypatch.setattr(
        filas,
        "acompanhamento_agendar",
        lambda **kwargs: tarefas.append(Tarefa("agendar_acompanhamento", (), {})),
    )
    return tarefas


@pytest.fixture
def configuracao(simulador, media):
    return ConfiguracaoRPAFactory(
        url_base=simulador.url,
        token=simulador.token,
        limite_global=5,
        intervalo_polling_ms=100,
        timeout_http_segundos=1,
        max_tentativas_envio=3,
    )


def configurar(configuracao, **campos):
    for campo, valor in campos.items():
        setattr(configuracao, campo, valor)
    configuracao.save()


# Driving the machinery -------------------------------------------------------------------------------------


def despachar_e_enviar() -> list:
    ids = execucoes_despachar()
    for pk in ids:
        execucao_enviar(execucao_id=pk)
    return ids


def apressar(*execucoes) -> None:
    """Makes the given executions' next attempt (a new send, or asking again) due now, instead of waiting."""
    Execucao.objects.filter(pk__in=[e.pk for e in execucoes], status__in=(E.PENDENTE, E.ENVIANDO)).update(
        proxima_tentativa_em=timezone.now() - dt.timedelta(seconds=1)
    )


def rodar(*execucoes, prazo: float = 10.0, apressando: bool = False) -> None:
    """Dispatch, send and poll, as the workers do, until every given execution ends (bounded by `prazo`)."""

    def terminaram() -> bool:
        if apressando:
            apressar(*execucoes)
        despachar_e_enviar()
        execucoes_acompanhar()
        for execucao in execucoes:
            execucao.refresh_from_db()
        return all(execucao.status in FINAIS for execucao in execucoes)

    esperar(
        terminaram,
        prazo=prazo,
        descricao="o fim das execuções",
        detalhe=lambda: ", ".join(f"{e.pk} {e.status} {e.erro}" for e in execucoes),
    )


def robo(simulador) -> ApiRobos:
    return ApiRobos(url_base=simulador.url, token=simulador.token, timeout=2)


def jobs_da(simulador, execucao) -> int:
    return simulador.estatisticas()["jobs_por_referencia"].get(str(execucao.pk), 0)


def arquivos_em(pasta: Path) -> list[Path]:
    return [p for p in pasta.rglob("*") if p.is_file()] if pasta.exists() else []


def solicitar_download(operador, **processo) -> Execucao:
    return execucao_solicitar(processo=ProcessoFactory(**processo), tipo=T.DOWNLOAD_FATURA, por=operador)


# The happy path ---------------------------------------------------------------------------------------


def test_download_vai_de_pendente_a_sucesso_e_o_processo_aguarda_aprovacao(
    simulador, configuracao, operador, media, tarefas, django_capture_on_commit_callbacks
):
    processo = ProcessoFactory(cliente__operadora__codigo="vivo")
    with django_capture_on_commit_callbacks(execute=True):
        execucao = execucao_solicitar(processo=processo, tipo=T.DOWNLOAD_FATURA, por=operador)
    assert (execucao.status, execucao.origem, execucao.tentativa) == (E.PENDENTE, Execucao.Origem.MANUAL, 1)
    assert execucao.solicitado_por == operador
    assert tarefas == [("despachar_execucoes", (), {})]

    with django_capture_on_commit_callbacks(execute=True):
        assert execucoes_despachar() == [execucao.pk]
    execucao.refresh_from_db()
    assert execucao.status == E.ENVIANDO and execucao.enviado_em is not None
    assert tarefas[-1] == ("enviar_execucao", (str(execucao.pk),), {})

    execucao_enviar(execucao_id=execucao.pk)
    execucao.refresh_from_db()
    assert execucao.status == E.EM_EXECUCAO and execucao.job_id and execucao.iniciado_em is not None
    assert tarefas[-1] == ("agendar_acompanhamento", (), {})

    rodar(execucao)

    assert execucao.status == E.SUCESSO
    assert execucao.erro == "" and execucao.finalizado_em is not None
    estado = robo(simulador).job(execucao.job_id)
    arquivo = estado.resultado["arquivos"][0]
    assert execucao.resultado == estado.resultado
    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_APROVACAO
    assert processo.fatura_sha256 == arquivo["sha256"]
    with processo.fatura.open("rb") as guardado:
        assert hashlib.sha256(guardado.read()).hexdigest() == arquivo["sha256"]
    assert arquivos_em(media) == [media / processo.fatura.name]
    assert processo.fatura_nome_original == arquivo["nome"]
    assert processo.valor_total == Decimal(estado.resultado["valor_total"])
    assert processo.vencimento == dt.date(2026, 12, 10)
    assert processo.numero_fatura == estado.resultado["numero_fatura"]
    # Every line the robot wrote, once each, in order.
    linhas = robo(simulador).logs(execucao.job_id, desde=1)
    assert list(execucao.logs.values_list("seq", "nivel", "mensagem")) == [
        (linha.seq, linha.nivel, linha.mensagem) for linha in linhas
    ]
    assert [linha.seq for linha in linhas] == list(range(1, len(linhas) + 1))
    assert execucao.log_proximo_seq == len(linhas) + 1
    evento = ProcessoEvento.objects.get(processo=processo)
    assert (evento.de, evento.para, evento.por, evento.motivo) == (
        S.AGUARDANDO_DOWNLOAD,
        S.AGUARDANDO_APROVACAO,
        None,
        "Fatura baixada pelo robô.",
    )
    assert jobs_da(simulador, execucao) == 1


def test_fatura_baixada_e_aprovada_vai_ao_sat_e_o_processo_termina(
    simulador, configuracao, operador, aprovador, tarefas, django_capture_on_commit_callbacks
):
    download = solicitar_download(operador)
    rodar(download)
    processo = Processo.objects.get(pk=download.processo_id)
    tarefas.clear()

    with django_capture_on_commit_callbacks(execute=True):
        processo_aprovar(processo=processo, por=aprovador)

    assert tarefas == [("despachar_execucoes", (), {})]

    sat = Execucao.objects.get(processo=processo, tipo=T.UPLOAD_SAT)
    assert (sat.status, sat.origem, sat.tentativa) == (E.PENDENTE, Execucao.Origem.AUTOMATICA, 1)
    assert sat.solicitado_por is None and sat.proxima_tentativa_em is None
    rodar(sat)
    assert sat.status == E.SUCESSO
    processo.refresh_from_db()
    assert processo.status == S.UPLOAD_REALIZADO
    assert processo.protocolo_sat.startswith("SAT-") and processo.enviado_sat_em is not None
    assert sat.resultado == {"protocolo": processo.protocolo_sat}
    assert list(processo.eventos.values_list("para", "por")) == [
        (S.AGUARDANDO_APROVACAO, None),
        (S.AGUARDANDO_ENVIO_SAT, aprovador.pk),
        (S.UPLOAD_REALIZADO, None),
    ]
    assert sat.logs.last().mensagem == "Execução concluída"


def test_operadora_com_robo_terceirizado_usa_o_endereco_dela(simulador, configuracao, operador):
    configurar(configuracao, url_base=f"http://127.0.0.1:{porta_fechada()}")
    execucao = solicitar_download(
        operador, cliente__operadora__rpa_terceirizado=True, cliente__operadora__url_endpoint_rpa=simulador.url
    )

    rodar(execucao)

    assert execucao.status == E.SUCESSO
    assert jobs_da(simulador, execucao) == 1


def test_token_pessoal_de_quem_pediu_substitui_o_global(simulador, configuracao, operador):
    configurar(configuracao, token="token-global-vencido")
    operador.api_externa_token = simulador.token
    operador.save()
    pessoal = solicitar_download(operador)
    do_sistema = solicitar_download(None)

    rodar(pessoal, do_sistema)

    assert pessoal.status == E.SUCESSO
    assert do_sistema.status == E.FALHA
    assert do_sistema.resultado["codigo"] == "HTTP_401"


# Concurrency limits ------------------------------------------------------------------------------------


def test_despachar_ocupa_so_as_vagas_do_limite_global_na_ordem_de_chegada(
    configuracao, tarefas, django_capture_on_commit_callbacks
):
    configurar(configuracao, limite_global=2)
    operadora = OperadoraFactory(max_execucoes_simultaneas=5)
    execucoes = [ExecucaoFactory(processo__cliente__operadora=operadora) for _ in range(5)]

    with django_capture_on_commit_callbacks(execute=True):
        ids = execucoes_despachar()

    assert ids == [execucoes[0].pk, execucoes[1].pk]
    assert [e.status for e in Execucao.objects.order_by("criado_em")] == [E.ENVIANDO] * 2 + [E.PENDENTE] * 3
    assert [t for t in tarefas if t.nome == "enviar_execucao"] == [("enviar_execucao", (str(pk),), {}) for pk in ids]
    # The slots are taken until those jobs end.
    assert execucoes_despachar() == []


def test_despachar_respeita_o_limite_de_cada_operadora(configuracao):
    vivo = OperadoraFactory(max_execucoes_simultaneas=1)
    tim = OperadoraFactory(max_execucoes_simultaneas=1)
    for _ in range(3):
        ExecucaoFactory(processo__cliente__operadora=vivo)
        ExecucaoFactory(processo__cliente__operadora=tim)

    ids = execucoes_despachar()

    assert len(ids) == 2
    operadoras = set(Execucao.objects.filter(pk__in=ids).values_list("processo__cliente__operadora", flat=True))
    assert operadoras == {vivo.pk, tim.pk}
    assert Execucao.objects.filter(status=E.PENDENTE).count() == 4
    assert execucoes_despachar() == []


def test_despachar_respeita_o_limite_do_lote(configuracao):
    configurar(configuracao, limite_global=10)
    operadora = OperadoraFactory(max_execucoes_simultaneas=10)
    for _ in range(4):
        ProcessoFactory(cliente=ClienteFactory(operadora=operadora))
    execucoes_solicitar_downloads(por=None, competencia=NOVEMBRO, limite_simultaneas=2)
    avulsa = execucao_solicitar(
        processo=ProcessoFactory(cliente=ClienteFactory(operadora=operadora)), tipo=T.DOWNLOAD_FATURA, por=None
    )

    escolhidas = execucoes_despachar()

    do_lote = Execucao.objects.filter(pk__in=escolhidas, lote__isnull=False)
    assert do_lote.count() == 2 and avulsa.pk in escolhidas
    # The batch is full: the next dispatch starts none of its other two.
    assert execucoes_despachar() == []


def test_solicitar_downloads_com_limite_simultaneo_zero_e_recusado(configuracao):
    ProcessoFactory()

    with pytest.raises(ErroDeNegocio) as erro:
        execucoes_solicitar_downloads(por=None, competencia=NOVEMBRO, limite_simultaneas=0)

    assert erro.value.codigo == ErroDeNegocio.INVALIDO
    assert not Execucao.objects.exists()


def test_envio_ao_sat_conta_so_no_limite_global(configuracao):
    configurar(configuracao, limite_global=3)
    vivo = OperadoraFactory(max_execucoes_simultaneas=1)
    ExecucaoFactory(processo__cliente__operadora=vivo, status=E.EM_EXECUCAO, enviado_em=timezone.now())
    download = ExecucaoFactory(processo__cliente__operadora=vivo)
    sats = [
        ExecucaoFactory(tipo=T.UPLOAD_SAT, processo__cliente__operadora=vivo, processo__status=S.AGUARDANDO_ENVIO_SAT)
        for _ in range(3)
    ]

    ids = execucoes_despachar()

    # The operator is full (one download running), but SAT uploads do not log into its portal.
    assert ids == [sats[0].pk, sats[1].pk]
    download.refresh_from_db()
    assert download.status == E.PENDENTE


def test_envio_ao_sat_em_execucao_nao_ocupa_a_vaga_da_operadora(configuracao):
    vivo = OperadoraFactory(max_execucoes_simultaneas=1)
    ExecucaoFactory(
        tipo=T.UPLOAD_SAT,
        processo__cliente__operadora=vivo,
        processo__status=S.AGUARDANDO_ENVIO_SAT,
        status=E.EM_EXECUCAO,
        enviado_em=timezone.now(),
    )
    download = ExecucaoFactory(processo__cliente__operadora=vivo)

    assert execucoes_despachar() == [download.pk]


def test_pendente_com_proxima_tentativa_no_futuro_espera_a_vez(configuracao):
    futura = ExecucaoFactory(proxima_tentativa_em=timezone.now() + dt.timedelta(minutes=5))
    vencida = ExecucaoFactory(proxima_tentativa_em=timezone.now() - dt.timedelta(seconds=1))

    assert execucoes_despachar() == [vencida.pk]
    futura.refresh_from_db()
    assert futura.status == E.PENDENTE


# Idempotency -----------------------------------------------------------------------------------------


def test_enviar_duas_vezes_a_mesma_execucao_adota_o_job_ja_criado(simulador, configuracao, operador):
    execucao = solicitar_download(operador)
    despachar_e_enviar()
    execucao.refresh_from_db()
    job_id = execucao.job_id
    # As if the send task ran again for the same claim.
    Execucao.objects.filter(pk=execucao.pk).update(status=E.ENVIANDO)

    execucao_enviar(execucao_id=execucao.pk)

    execucao.refresh_from_db()
    assert execucao.status == E.EM_EXECUCAO and execucao.job_id == job_id
    estatisticas = simulador.estatisticas()
    assert estatisticas["posts_por_referencia"][str(execucao.pk)] == 2
    assert jobs_da(simulador, execucao) == 1
    rodar(execucao)
    assert execucao.status == E.SUCESSO


def test_execucao_presa_em_enviando_apos_queda_do_worker_e_reenviada_sem_duplicar(simulador, configuracao, operador):
    execucao = solicitar_download(operador)
    despachar_e_enviar()
    execucao.refresh_from_db()
    job_id = execucao.job_id
    # The worker died after its POST reached the robot and before it wrote the answer.
    uma_hora = timezone.now() - dt.timedelta(hours=1)
    Execucao.objects.filter(pk=execucao.pk).update(status=E.ENVIANDO, job_id="", iniciado_em=None, enviado_em=uma_hora)
    recente = solicitar_download(operador)
    Execucao.objects.filter(pk=recente.pk).update(status=E.ENVIANDO, enviado_em=timezone.now())

    ids = execucoes_despachar()

    # Only the one stuck past the deadline of a POST is taken back; the recent one may still be in flight.
    assert ids == [execucao.pk]
    execucao.refresh_from_db()
    assert execucao.proxima_tentativa_em > timezone.now()
    execucao_enviar(execucao_id=execucao.pk)
    execucao.refresh_from_db()
    assert execucao.status == E.EM_EXECUCAO and execucao.job_id == job_id
    rodar(execucao)
    assert execucao.status == E.SUCESSO
    assert jobs_da(simulador, execucao) == 1
    assert jobs_da(simulador, recente) == 0


# Transient errors: back to PENDENTE when the robot surely has no job; kept, slot and all, when it may ----

NAO_ENVIADOS = {
    "503": ({"erro_503_proximas": 1}, "A API de robôs está ocupada (HTTP 503); será tentado de novo."),
    "429": (
        {"erro_429_proximas": 1, "retry_after": 1},
        "A API de robôs está ocupada (HTTP 429); será tentado de novo.",
    ),
}
INCERTOS = {
    "500": ({"erro_500_proximas": 1}, "A API de robôs respondeu com erro (HTTP 500)."),
    "travada": ({"travar_proximas": 1, "tempo_travamento": 2.0}, "não respondeu a tempo."),
    "nao_json": ({"corpo_invalido_proximas": 1}, "A API de robôs respondeu algo que não é JSON"),
    "sem_job_id": ({"json_incompleto_proximas": 1}, "aceitou o trabalho mas não informou o job_id."),
}


@pytest.mark.parametrize("falha, sentenca", list(NAO_ENVIADOS.values()), ids=list(NAO_ENVIADOS))
def test_robo_ocupado_no_envio_volta_a_pendente_e_a_nova_tentativa_conclui(
    simulador, configuracao, operador, falha, sentenca
):
    simulador.configurar(**falha)
    execucao = solicitar_download(operador)
    execucoes_despachar()
    antes = timezone.now()

    execucao_enviar(execucao_id=execucao.pk)

    execucao.refresh_from_db()
    assert execucao.status == E.PENDENTE
    assert execucao.tentativas_envio == 1 and execucao.job_id == "" and not execucao.envio_incerto
    assert sentenca in execucao.erro and "Nova tentativa em" in execucao.erro
    assert antes < execucao.proxima_tentativa_em <= timezone.now() + dt.timedelta(seconds=2)
    if "retry_after" in falha:
        assert execucao.proxima_tentativa_em >= antes + dt.timedelta(seconds=1)
    assert execucoes_despachar() == []
    assert Processo.objects.get(pk=execucao.processo_id).status == S.AGUARDANDO_DOWNLOAD

    rodar(execucao, apressando=True)

    assert execucao.status == E.SUCESSO and execucao.erro == ""
    assert execucao.tentativas_envio == 1
    assert Processo.objects.get(pk=execucao.processo_id).status == S.AGUARDANDO_APROVACAO
    assert jobs_da(simulador, execucao) == 1


@pytest.mark.parametrize("falha, sentenca", list(INCERTOS.values()), ids=list(INCERTOS))
def test_envio_sem_resposta_segura_a_vaga_e_o_novo_envio_adota_o_job(
    simulador, configuracao, operador, falha, sentenca
):
    configurar(configuracao, limite_global=1)
    simulador.configurar(**falha)
    execucao = solicitar_download(operador)
    outra = solicitar_download(operador)
    execucoes_despachar()
    antes = timezone.now()

    execucao_enviar(execucao_id=execucao.pk)

    execucao.refresh_from_db()
    assert execucao.status == E.ENVIANDO and execucao.envio_incerto
    assert execucao.tentativas_envio == 1 and execucao.job_id == ""
    assert sentenca in execucao.erro and "O robô pode ter recebido o trabalho" in execucao.erro
    assert antes < execucao.proxima_tentativa_em <= timezone.now() + dt.timedelta(seconds=2)
    # The robot may be running it: the only slot stays taken, the other job waits.
    assert execucoes_despachar() == []
    outra.refresh_from_db()
    assert outra.status == E.PENDENTE

    rodar(execucao, apressando=True)

    assert execucao.status == E.SUCESSO and execucao.erro == "" and not execucao.envio_incerto
    assert Processo.objects.get(pk=execucao.processo_id).status == S.AGUARDANDO_APROVACAO
    # A hung POST did start a job: the retry adopted it rather than starting a second one.
    assert jobs_da(simulador, execucao) == 1
    assert list(execucao.eventos.order_by("quando").values_list("para", flat=True)) == [
        E.PENDENTE,
        E.ENVIANDO,
        E.ENVIANDO,
        E.EM_EXECUCAO,
        E.SUCESSO,
    ]


def test_envio_sem_resposta_ate_o_teto_falha_e_libera_a_vaga_pedindo_para_conferir(simulador, configuracao, operador):
    configurar(configuracao, teto_ocupacao_minutos=5)
    simulador.configurar(travar_proximas=1, tempo_travamento=2.0)
    execucao = solicitar_download(operador)
    despachar_e_enviar()
    Execucao.objects.filter(pk=execucao.pk).update(enviado_em=timezone.now() - dt.timedelta(minutes=6))

    execucoes_acompanhar()

    execucao.refresh_from_db()
    assert execucao.status == E.FALHA and execucao.resultado == {"codigo": "SEM_RESPOSTA"}
    assert "não confirmou nem negou o trabalho" in execucao.erro
    assert "Confira no robô" in execucao.erro


def test_retry_after_maior_que_a_espera_calculada_e_respeitado(simulador, configuracao, operador):
    configurar(configuracao, backoff_max_segundos=60)
    simulador.configurar(erro_429_proximas=1, retry_after=30)
    execucao = solicitar_download(operador)
    execucoes_despachar()
    antes = timezone.now()

    execucao_enviar(execucao_id=execucao.pk)

    execucao.refresh_from_db()
    assert execucao.status == E.PENDENTE
    assert (
        antes + dt.timedelta(seconds=30) <= execucao.proxima_tentativa_em <= timezone.now() + dt.timedelta(seconds=60)
    )
    assert "Nova tentativa em 30 s." in execucao.erro


def test_robo_ocupado_ate_o_maximo_de_tentativas_termina_em_falha(simulador, configuracao, operador):
    configurar(configuracao, max_tentativas_envio=3, reexecucoes_automaticas=2)
    simulador.configurar(erro_503_proximas=10)
    execucao = solicitar_download(operador)

    for tentativa in (1, 2):
        despachar_e_enviar()
        execucao.refresh_from_db()
        assert (execucao.status, execucao.tentativas_envio) == (E.PENDENTE, tentativa)
        # The wait grows but never past the configured ceiling.
        assert execucao.proxima_tentativa_em <= timezone.now() + dt.timedelta(seconds=2)
        apressar(execucao)
    despachar_e_enviar()

    execucao.refresh_from_db()
    assert execucao.status == E.FALHA and execucao.finalizado_em is not None
    assert execucao.tentativas_envio == 3
    assert execucao.resultado == {"codigo": "API_INDISPONIVEL"}
    assert execucao.erro.startswith("A API de robôs não aceitou o trabalho depois de 3 tentativas. Último erro: ")
    assert "HTTP 503" in execucao.erro
    assert Processo.objects.get(pk=execucao.processo_id).status == S.AGUARDANDO_DOWNLOAD
    assert simulador.estatisticas()["jobs"] == 0
    # The API being down may pass: the re-run policy queues one for later.
    reexecucao = Execucao.objects.get(anterior=execucao)
    assert (reexecucao.origem, reexecucao.tentativa, reexecucao.status) == (Execucao.Origem.AUTOMATICA, 2, E.PENDENTE)


def test_erro_temporario_ao_acompanhar_nao_muda_nada_e_o_proximo_acompanhamento_conclui(
    simulador, configuracao, operador
):
    execucao = solicitar_download(operador)
    despachar_e_enviar()
    simulador.configurar(erro_500_proximas=1, corpo_invalido_proximas=1)

    execucoes_acompanhar()
    execucoes_acompanhar()

    execucao.refresh_from_db()
    assert execucao.status == E.EM_EXECUCAO and execucao.tentativas_envio == 0
    rodar(execucao)
    assert execucao.status == E.SUCESSO


# Permanent errors: FALHA at once, with a sentence to act on ---------------------------------------------


def test_token_recusado_falha_na_hora_pedindo_ao_administrador_que_atualize(simulador, configuracao, operador):
    configurar(configuracao, reexecucoes_automaticas=2)
    simulador.configurar(token_rejeitado=True)
    execucao = solicitar_download(operador)

    despachar_e_enviar()

    execucao.refresh_from_db()
    assert execucao.status == E.FALHA and execucao.tentativas_envio == 0
    assert execucao.resultado == {"codigo": "HTTP_401"}
    assert execucao.erro.startswith(
        "A API de robôs recusou o token. Um administrador precisa atualizar o token em Configuração dos robôs."
    )
    assert Execucao.objects.count() == 1
    assert Processo.objects.get(pk=execucao.processo_id).status == S.AGUARDANDO_DOWNLOAD


def test_robo_desconhecido_falha_na_hora_dizendo_o_nome_do_robo(simulador, configuracao, operador):
    simulador.configurar(robos_inexistentes=["nextel"])
    execucao = solicitar_download(operador, cliente__operadora__codigo="nextel")

    despachar_e_enviar()

    execucao.refresh_from_db()
    assert execucao.status == E.FALHA
    assert execucao.resultado == {"codigo": "HTTP_404"}
    assert execucao.erro == (
        "A API de robôs não tem o robô “nextel”. Confira o código da operadora. (Robô nextel não existe.)"
    )
    assert Processo.objects.get(pk=execucao.processo_id).status == S.AGUARDANDO_DOWNLOAD


def test_dados_recusados_com_422_falham_na_hora(simulador, configuracao, operador, pdf):
    processo = processo_registrar_fatura(processo=ProcessoFactory(), arquivo=pdf(), por=operador)
    Processo.objects.filter(pk=processo.pk).update(status=S.AGUARDANDO_ENVIO_SAT, fatura_sha256="0" * 64)
    processo.refresh_from_db()
    execucao = execucao_solicitar(processo=processo, tipo=T.UPLOAD_SAT, por=None)

    despachar_e_enviar()

    execucao.refresh_from_db()
    assert execucao.status == E.FALHA
    assert execucao.resultado == {"codigo": "HTTP_422"}
    assert execucao.erro.startswith("O robô recusou os dados enviados; confira o cadastro do cliente e a fatura.")
    assert "sha256" in execucao.erro
    processo.refresh_from_db()
    assert processo.status == S.AGUARDANDO_ENVIO_SAT and processo.protocolo_sat == ""


def test_login_invalido_falha_pedindo_para_corrigir_a_senha_sem_reexecucao_automatica(
    simulador, configuracao, operador
):
    configurar(configuracao, reexecucoes_automaticas=2)
    simulador.configurar(falha_login=True)
    execucao = solicitar_download(operador)

    rodar(execucao)

    assert execucao.status == E.FALHA
    assert execucao.resultado == {"codigo": "LOGIN_INVALIDO"}
    assert execucao.erro.startswith(
        "O portal recusou o login do cliente. Corrija o login e a senha do portal no cadastro do cliente e reexecute."
    )
    assert "usuário ou senha inválidos" in execucao.erro
    assert execucao.logs.last().nivel == ExecucaoLog.Nivel.ERROR
    assert Execucao.objects.count() == 1
    assert Processo.objects.get(pk=execucao.processo_id).status == S.AGUARDANDO_DOWNLOAD


def test_falha_passageira_gera_uma_reexecucao_automatica_e_nao_uma_terceira(simulador, configuracao, operador):
    configurar(configuracao, reexecucoes_automaticas=1)
    simulador.configurar(taxa_falha=1.0)
    execucao = solicitar_download(operador)

    rodar(execucao)

    assert execucao.status == E.FALHA
    codigo = execucao.resultado["codigo"]
    assert codigo in {"PORTAL_FORA_DO_AR", "FATURA_INDISPONIVEL"}
    sentenca = {
        "PORTAL_FORA_DO_AR": "O portal da operadora está fora do ar.",
        "FATURA_INDISPONIVEL": "A fatura ainda não está disponível no portal.",
    }[codigo]
    assert execucao.erro.startswith(sentenca)
    reexecucao = Execucao.objects.get(anterior=execucao)
    assert reexecucao.status == E.PENDENTE and reexecucao.origem == Execucao.Origem.AUTOMATICA
    assert reexecucao.tentativa == 2 and reexecucao.solicitado_por == operador
    assert reexecucao.proxima_tentativa_em > timezone.now() + dt.timedelta(minutes=29)
    # It waits for its time: dispatch leaves it alone now.
    assert execucoes_despachar() == []

    apressar(reexecucao)
    rodar(reexecucao)

    assert reexecucao.status == E.FALHA
    assert Execucao.objects.count() == 2
    assert Processo.objects.get(pk=execucao.processo_id).status == S.AGUARDANDO_DOWNLOAD


def test_sha256_divergente_falha_sem_guardar_o_arquivo(simulador, configuracao, operador, media):
    simulador.configurar(sha256_errado=True)
    execucao = solicitar_download(operador)

    rodar(execucao)

    assert execucao.status == E.FALHA
    assert execucao.resultado["codigo"] == "SHA256_DIVERGENTE"
    assert execucao.erro == "O arquivo baixado do robô não confere com o SHA-256 informado; ele não foi aceito."
    processo = Processo.objects.get(pk=execucao.processo_id)
    assert processo.status == S.AGUARDANDO_DOWNLOAD
    assert not processo.fatura and processo.fatura_sha256 == ""
    assert arquivos_em(media) == []
    assert not ProcessoEvento.objects.filter(processo=processo).exists()


# Lost jobs and timeouts ----------------------------------------------------------------------------------


def test_job_que_o_robo_perdeu_falha_na_hora_e_a_reexecucao_usa_outra_referencia(simulador, configuracao, operador):
    configurar(configuracao, reexecucoes_automaticas=1)
    execucao = solicitar_download(operador)
    despachar_e_enviar()
    simulador.configurar(perder_jobs_proximos=1)

    execucoes_acompanhar()

    execucao.refresh_from_db()
    assert execucao.status == E.FALHA and execucao.resultado == {"codigo": "JOB_PERDIDO"}
    assert execucao.erro.startswith("O robô perdeu este trabalho (não o encontra mais; ele pode ter sido reiniciado).")
    assert "Uma nova tentativa, com outra referência, começa sozinha às" in execucao.erro
    assert not execucao.robo_ocupado
    reexecucao = Execucao.objects.get(anterior=execucao)
    assert (reexecucao.status, reexecucao.origem, reexecucao.tentativa) == (E.PENDENTE, Execucao.Origem.AUTOMATICA, 2)
    rodar(reexecucao, apressando=True)
    assert reexecucao.status == E.SUCESSO
    # The lost job was asked about once and never adopted again; the re-run is a job of its own.
    assert jobs_da(simulador, execucao) == 1 and simulador.estatisticas()["posts_por_referencia"][str(execucao.pk)] == 1
    assert jobs_da(simulador, reexecucao) == 1


def test_robo_que_perde_o_job_e_o_devolve_no_409_nao_e_adotado_de_novo(simulador, configuracao, operador):
    simulador.configurar(taxa_perda=1.0)
    execucao = solicitar_download(operador)
    despachar_e_enviar()

    rodar(execucao)

    assert execucao.status == E.FALHA and execucao.resultado == {"codigo": "JOB_PERDIDO"}
    assert "Não haverá nova tentativa automática: use Reexecutar" in execucao.erro
    assert simulador.estatisticas()["posts_por_referencia"][str(execucao.pk)] == 1
    assert not Execucao.objects.filter(anterior=execucao).exists()


def test_robo_reiniciado_que_perdeu_todos_os_jobs_os_falha_e_libera_as_vagas(
    simulador, configuracao, operador, django_capture_on_commit_callbacks
):
    configurar(configuracao, limite_global=2)
    execucoes = [solicitar_download(operador) for _ in range(2)]
    despachar_e_enviar()
    esperando = solicitar_download(operador)
    assert set(Execucao.objects.filter(pk__in=[e.pk for e in execucoes]).values_list("status", flat=True)) == {
        E.EM_EXECUCAO
    }

    simulador.perder_todos_os_jobs()
    with django_capture_on_commit_callbacks(execute=True):
        execucoes_acompanhar()

    for execucao in execucoes:
        execucao.refresh_from_db()
        assert execucao.status == E.FALHA and execucao.resultado == {"codigo": "JOB_PERDIDO"}
    # The robot holds nothing any more: the slots go to the job that was waiting.
    esperando.refresh_from_db()
    assert esperando.status == E.ENVIANDO


def test_job_que_nunca_termina_falha_por_tempo_esgotado_e_segue_ocupando_a_vaga(
    simulador, configuracao, operador, django_capture_on_commit_callbacks
):
    configurar(configuracao, timeout_execucao_segundos=10, limite_global=1)
    simulador.configurar(nunca_finalizar=True)
    execucao = solicitar_download(operador)
    despachar_e_enviar()
    execucoes_acompanhar()
    execucao.refresh_from_db()
    assert execucao.status == E.EM_EXECUCAO
    Execucao.objects.filter(pk=execucao.pk).update(iniciado_em=timezone.now() - dt.timedelta(seconds=11))
    outra = solicitar_download(operador)

    resultado = execucoes_acompanhar()

    assert (resultado.acompanhadas, resultado.falhas) == (1, 1)
    execucao.refresh_from_db()
    assert execucao.status == E.FALHA and execucao.finalizado_em is not None
    assert execucao.resultado == {"codigo": "TEMPO_ESGOTADO"}
    assert execucao.erro == (
        "O robô não terminou o trabalho em 10 segundos; o BRM deixou de esperar por ele. O trabalho segue no "
        "robô até terminar e continua contando no limite."
    )
    # The contract has no cancel: the robot goes on, and so does the job's hold on the only slot.
    assert execucao.robo_ocupado
    assert robo(simulador).job(execucao.job_id).status in ("queued", "running")
    assert execucoes_despachar() == []
    assert Processo.objects.get(pk=execucao.processo_id).status == S.AGUARDANDO_DOWNLOAD

    # Once the robot reports the end, the slot is free and the waiting job goes.
    simulador.configurar(nunca_finalizar=False)
    simulador.perder_todos_os_jobs()
    Execucao.objects.filter(pk=execucao.pk).update(robo_consultado_em=timezone.now() - dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        execucoes_acompanhar()
    execucao.refresh_from_db()
    assert not execucao.robo_ocupado
    outra.refresh_from_db()
    assert outra.status == E.ENVIANDO


def test_job_deixado_e_liberado_quando_o_robo_diz_que_terminou(simulador, configuracao, operador):
    simulador.configurar(duracao=0.5)
    execucao = solicitar_download(operador)
    despachar_e_enviar()
    execucao.refresh_from_db()
    execucao_cancelar(execucao=execucao, por=operador)
    esperar(lambda: robo(simulador).job(execucao.job_id).final, prazo=5, descricao="o fim do job no robô")

    # Asked at a slower pace: not yet at the next round...
    execucoes_acompanhar()
    execucao.refresh_from_db()
    assert execucao.robo_ocupado
    # ...but once its time comes.
    Execucao.objects.filter(pk=execucao.pk).update(robo_consultado_em=timezone.now() - dt.timedelta(minutes=1))
    execucoes_acompanhar()

    execucao.refresh_from_db()
    assert not execucao.robo_ocupado and execucao.status == E.CANCELADA
    evento = execucao.eventos.order_by("quando").last()
    assert (evento.de, evento.para) == (E.CANCELADA, E.CANCELADA)
    assert evento.motivo == "O robô terminou o trabalho (completed): a vaga foi liberada."


def test_job_deixado_passado_o_teto_libera_a_vaga_e_pede_para_conferir_no_robo(simulador, configuracao, operador):
    configurar(configuracao, teto_ocupacao_minutos=10)
    simulador.configurar(nunca_finalizar=True)
    execucao = solicitar_download(operador)
    despachar_e_enviar()
    execucao.refresh_from_db()
    execucao_cancelar(execucao=execucao, por=operador)
    Execucao.objects.filter(pk=execucao.pk).update(finalizado_em=timezone.now() - dt.timedelta(minutes=11))

    execucoes_acompanhar()

    execucao.refresh_from_db()
    assert not execucao.robo_ocupado
    assert execucao.erro.endswith(
        "Passaram 10 minutos sem o robô dizer que o trabalho terminou: a vaga foi liberada. "
        "Confira no robô se ele ainda está rodando."
    )


def test_tempo_esgotado_em_minutos_e_dito_em_minutos(simulador, configuracao, operador):
    configurar(configuracao, timeout_execucao_segundos=1800)
    simulador.configurar(nunca_finalizar=True)
    execucao = solicitar_download(operador)
    despachar_e_enviar()
    Execucao.objects.filter(pk=execucao.pk).update(iniciado_em=timezone.now() - dt.timedelta(hours=1))

    execucoes_acompanhar()

    execucao.refresh_from_db()
    assert execucao.erro.startswith("O robô não terminou o trabalho em 30 minutos;")


# Logs -----------------------------------------------------------------------------------------------------


def test_linhas_repetidas_pelo_robo_sao_guardadas_uma_vez(simulador, configuracao, operador):
    simulador.configurar(logs_repetidos=True)
    execucao = solicitar_download(operador)

    rodar(execucao)

    assert execucao.status == E.SUCESSO
    simulador.configurar(logs_repetidos=False)
    linhas = robo(simulador).logs(execucao.job_id, desde=1)
    assert list(execucao.logs.values_list("seq", "mensagem")) == [(linha.seq, linha.mensagem) for linha in linhas]


def test_registrar_as_mesmas_linhas_duas_vezes_guarda_uma_vez(configuracao):
    execucao = ExecucaoFactory(status=E.EM_EXECUCAO)
    desatualizada = Execucao.objects.get(pk=execucao.pk)
    agora = timezone.now()
    linhas = [
        LinhaLog(1, agora, "INFO", "Abrindo portal"),
        LinhaLog(2, None, "ERROR", "Portal lento"),
        LinhaLog(3, agora, "TRACE", "Nível que não conhecemos"),
    ]

    assert execucao_registrar_logs(execucao=execucao, linhas=linhas) == 3
    assert execucao_registrar_logs(execucao=execucao, linhas=linhas) == 0
    # A poll holding an older copy of the row tries again: the database keeps one line per seq.
    execucao_registrar_logs(execucao=desatualizada, linhas=linhas)

    assert list(ExecucaoLog.objects.filter(execucao=execucao).values_list("seq", "nivel", "mensagem")) == [
        (1, "INFO", "Abrindo portal"),
        (2, "ERROR", "Portal lento"),
        (3, "INFO", "Nível que não conhecemos"),
    ]
    execucao.refresh_from_db()
    assert execucao.log_proximo_seq == 4


def test_logs_como_texto_sao_numerados_e_guardados(simulador, configuracao, operador):
    simulador.configurar(logs_como_texto=True)
    execucao = solicitar_download(operador)

    rodar(execucao)

    assert execucao.status == E.SUCESSO
    simulador.configurar(logs_como_texto=False)
    linhas = robo(simulador).logs(execucao.job_id, desde=1)
    assert list(execucao.logs.values_list("seq", "mensagem")) == [(linha.seq, linha.mensagem) for linha in linhas]
    assert set(execucao.logs.values_list("nivel", flat=True)) == {ExecucaoLog.Nivel.INFO}


# Cancelling -------------------------------------------------------------------------------------------------


def test_cancelar_pendente_nao_chama_o_robo(
    simulador, configuracao, operador, tarefas, django_capture_on_commit_callbacks
):
    execucao = solicitar_download(operador)

    with django_capture_on_commit_callbacks(execute=True):
        execucao = execucao_cancelar(execucao=execucao, por=operador)

    assert execucao.status == E.CANCELADA and execucao.finalizado_em is not None
    assert execucao.erro == f"Cancelada por {operador}."
    assert simulador.estatisticas()["requisicoes"] == 0
    # The slot it would have taken goes to the next one.
    assert ("despachar_execucoes", (), {}) in tarefas
    assert execucoes_despachar() == []


def test_cancelar_em_execucao_diz_que_o_robo_segue_e_o_job_conta_no_limite(simulador, configuracao, operador):
    execucao = solicitar_download(operador)
    despachar_e_enviar()
    execucao.refresh_from_db()

    execucao = execucao_cancelar(execucao=execucao, por=operador, motivo="Cliente pediu para parar.")

    assert execucao.status == E.CANCELADA and execucao.robo_ocupado
    assert execucao.erro == (
        "Cliente pediu para parar. O robô não permite cancelar; o trabalho segue no robô até terminar e continua "
        "contando no limite."
    )
    # Nothing outside the contract was called: the job runs on at the robot.
    assert robo(simulador).job(execucao.job_id).status in ("queued", "running")
    assert execucao in execucoes_no_robo()
    assert Processo.objects.get(pk=execucao.processo_id).status == S.AGUARDANDO_DOWNLOAD


def test_robo_que_oferece_cancelar_e_avisado_pelo_endereco_configurado(simulador, configuracao, operador):
    simulador.configurar(permitir_cancelar=True)
    configurar(configuracao, endpoint_cancelamento="/jobs/{job_id}/cancelar")
    execucao = solicitar_download(operador)
    despachar_e_enviar()
    execucao.refresh_from_db()

    execucao = execucao_cancelar(execucao=execucao, por=operador)

    assert execucao.erro.endswith(
        "O robô foi avisado para parar; o trabalho conta no limite até o robô confirmar o fim."
    )
    assert robo(simulador).job(execucao.job_id).status == "cancelled"
    # Still counted until the robot is asked again and reports the end.
    assert execucao.robo_ocupado
    Execucao.objects.filter(pk=execucao.pk).update(robo_consultado_em=timezone.now() - dt.timedelta(minutes=1))
    execucoes_acompanhar()
    execucao.refresh_from_db()
    assert not execucao.robo_ocupado


def test_cancelada_enquanto_era_enviada_o_job_criado_segue_ocupando_a_vaga(
    simulador, configuracao, operador, monkeypatch
):
    execucao = solicitar_download(operador)
    execucoes_despachar()
    executar = ApiRobos.executar
    criados = []

    def executar_e_cancelar(cliente, robo_nome, payload):
        iniciado = executar(cliente, robo_nome, payload)
        criados.append(iniciado.job_id)
        execucao_cancelar(execucao=Execucao.objects.get(pk=execucao.pk), por=operador)
        return iniciado

    monkeypatch.setattr(ApiRobos, "executar", executar_e_cancelar)

    execucao_enviar(execucao_id=execucao.pk)

    execucao.refresh_from_db()
    assert execucao.status == E.CANCELADA
    assert execucao.job_id == criados[0] and execucao.robo_ocupado


def test_cancelada_antes_do_envio_libera_a_vaga_quando_o_envio_ve_que_nada_saiu(simulador, configuracao, operador):
    execucao = solicitar_download(operador)
    execucoes_despachar()
    execucao.refresh_from_db()
    assert execucao.status == E.ENVIANDO

    execucao = execucao_cancelar(execucao=execucao, por=operador)
    assert execucao.robo_ocupado
    execucao_enviar(execucao_id=execucao.pk)

    execucao.refresh_from_db()
    assert not execucao.robo_ocupado and execucao.job_id == ""
    assert jobs_da(simulador, execucao) == 0


def test_cancelar_execucao_terminada_e_recusado_sem_efeitos(configuracao, operador):
    execucao = ExecucaoFactory(status=E.SUCESSO, resultado={"protocolo": "SAT-1"})

    with pytest.raises(ErroDeNegocio) as erro:
        execucao_cancelar(execucao=execucao, por=operador)

    assert erro.value.mensagem == "Uma execução “Sucesso” não pode ser cancelada."
    atual = Execucao.objects.get(pk=execucao.pk)
    assert (atual.status, atual.erro, atual.updated_at) == (E.SUCESSO, "", execucao.updated_at)


def test_leitor_nao_cancela_nem_reexecuta_nem_solicita(configuracao, leitor):
    pendente = ExecucaoFactory()
    falha = ExecucaoFactory(status=E.FALHA)
    processo = ProcessoFactory()

    for acao in (
        lambda: execucao_cancelar(execucao=pendente, por=leitor),
        lambda: execucao_reexecutar(execucao=falha, por=leitor),
        lambda: execucao_solicitar(processo=processo, tipo=T.DOWNLOAD_FATURA, por=leitor),
        lambda: execucoes_solicitar_downloads(por=leitor, competencia=NOVEMBRO),
    ):
        with pytest.raises(ErroDeNegocio) as erro:
            acao()
        assert erro.value.codigo == ErroDeNegocio.PERMISSAO
        assert erro.value.mensagem == "Você não tem permissão para comandar os robôs."

    assert sorted(Execucao.objects.values_list("status", flat=True)) == sorted([E.PENDENTE, E.FALHA])


# Re-running by hand ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [E.FALHA, E.CANCELADA])
def test_reexecutar_cria_nova_execucao_ligada_a_anterior(
    configuracao, operador, tarefas, status, django_capture_on_commit_callbacks
):
    anterior = ExecucaoFactory(status=status, tentativa=2)

    with django_capture_on_commit_callbacks(execute=True):
        nova = execucao_reexecutar(execucao=anterior, por=operador)

    assert (nova.status, nova.origem, nova.tentativa) == (E.PENDENTE, Execucao.Origem.REEXECUCAO, 3)
    assert nova.anterior == anterior and nova.solicitado_por == operador
    assert nova.processo_id == anterior.processo_id and nova.tipo == anterior.tipo
    assert ("despachar_execucoes", (), {}) in tarefas


def test_reexecutar_execucao_com_sucesso_e_recusado(configuracao, operador):
    execucao = ExecucaoFactory(status=E.SUCESSO)

    with pytest.raises(ErroDeNegocio) as erro:
        execucao_reexecutar(execucao=execucao, por=operador)

    assert erro.value.mensagem == "Só execuções com falha ou canceladas podem ser reexecutadas; esta está “Sucesso”."
    assert Execucao.objects.count() == 1


def test_reexecutar_com_outra_execucao_viva_e_recusado(configuracao, operador):
    falha = ExecucaoFactory(status=E.FALHA)
    viva = ExecucaoFactory(processo=falha.processo, anterior=falha, tentativa=2, origem=Execucao.Origem.AUTOMATICA)

    with pytest.raises(ErroDeNegocio) as erro:
        execucao_reexecutar(execucao=falha, por=operador)

    assert erro.value.mensagem == f"Já existe um trabalho de “Download da fatura” em andamento para {falha.processo}."
    assert list(Execucao.objects.values_list("pk", flat=True).order_by("criado_em")) == [falha.pk, viva.pk]


# Asking for jobs -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, tipo, mensagem",
    [
        (
            S.AGUARDANDO_APROVACAO,
            T.DOWNLOAD_FATURA,
            "Não é possível baixar a fatura de um processo em “Aguardando aprovação”.",
        ),
        (S.UPLOAD_REALIZADO, T.DOWNLOAD_FATURA, "Não é possível baixar a fatura de um processo em “Enviado ao SAT”."),
        (S.AGUARDANDO_DOWNLOAD, T.UPLOAD_SAT, "Não é possível enviar ao SAT de um processo em “Aguardando download”."),
    ],
)
def test_solicitar_para_processo_na_situacao_errada_e_recusado(configuracao, operador, status, tipo, mensagem):
    processo = ProcessoFactory(status=status)

    with pytest.raises(ErroDeNegocio) as erro:
        execucao_solicitar(processo=processo, tipo=tipo, por=operador)

    assert erro.value.mensagem == mensagem
    assert not Execucao.objects.exists()


def test_solicitar_download_de_operadora_sem_robo_manda_enviar_manualmente(configuracao, operador):
    processo = ProcessoFactory(cliente__operadora__nome="Algar", cliente__operadora__possui_rpa=False)

    with pytest.raises(ErroDeNegocio) as erro:
        execucao_solicitar(processo=processo, tipo=T.DOWNLOAD_FATURA, por=operador)

    assert erro.value.mensagem == "A operadora Algar não tem robô: envie a fatura manualmente na página do processo."
    assert not Execucao.objects.exists()


def test_solicitar_download_de_cliente_inativo_e_recusado(configuracao, operador):
    processo = ProcessoFactory(cliente__ativo=False)

    with pytest.raises(ErroDeNegocio) as erro:
        execucao_solicitar(processo=processo, tipo=T.DOWNLOAD_FATURA, por=operador)

    assert erro.value.mensagem == "Cliente ou operadora inativos: não há o que baixar."
    assert not Execucao.objects.exists()


def test_segundo_download_vivo_do_mesmo_processo_e_recusado(configuracao, operador):
    primeira = solicitar_download(operador)

    with pytest.raises(ErroDeNegocio) as erro:
        execucao_solicitar(processo=primeira.processo, tipo=T.DOWNLOAD_FATURA, por=operador)

    assert erro.value.mensagem.startswith("Já existe um trabalho de “Download da fatura” em andamento")
    assert list(Execucao.objects.values_list("pk", flat=True)) == [primeira.pk]


def test_solicitar_downloads_filtra_competencia_operadoras_e_situacao(
    configuracao, operador, tarefas, django_capture_on_commit_callbacks
):
    vivo = OperadoraFactory(codigo="vivo")
    claro = OperadoraFactory(codigo="claro")
    esperados = {ProcessoFactory(cliente__operadora=vivo).pk for _ in range(2)}
    ProcessoFactory(cliente__operadora=claro)
    ProcessoFactory(cliente__operadora=vivo, competencia=dt.date(2026, 10, 1))
    ProcessoFactory(cliente__operadora=vivo, status=S.AGUARDANDO_APROVACAO)
    ProcessoFactory(cliente__operadora=vivo, cliente__ativo=False)
    ProcessoFactory(cliente=ClienteFactory(operadora=OperadoraFactory(codigo="algar", possui_rpa=False)))

    with django_capture_on_commit_callbacks(execute=True):
        resultado = execucoes_solicitar_downloads(
            por=operador, competencia=NOVEMBRO, operadoras=["vivo"], origem=Execucao.Origem.AGENDAMENTO
        )

    assert (resultado.enfileiradas, resultado.ignoradas) == (2, 0)
    novas = Execucao.objects.all()
    assert {e.processo_id for e in novas} == esperados
    assert {(e.status, e.origem, e.tentativa, e.solicitado_por_id) for e in novas} == {
        (E.PENDENTE, Execucao.Origem.AGENDAMENTO, 1, operador.pk)
    }
    assert tarefas == [("despachar_execucoes", (), {})]


def test_solicitar_downloads_respeita_o_limite(configuracao):
    for _ in range(4):
        ProcessoFactory()

    resultado = execucoes_solicitar_downloads(por=None, competencia=NOVEMBRO, limite=3)

    assert (resultado.enfileiradas, resultado.ignoradas) == (3, 1)
    assert Execucao.objects.count() == 3


def test_solicitar_downloads_com_limite_zero_e_recusado(configuracao):
    ProcessoFactory()

    with pytest.raises(ErroDeNegocio) as erro:
        execucoes_solicitar_downloads(por=None, competencia=NOVEMBRO, limite=0)

    assert erro.value.codigo == ErroDeNegocio.INVALIDO
    assert not Execucao.objects.exists()


def test_solicitar_downloads_pula_os_em_andamento_e_os_que_falharam(configuracao, tarefas):
    em_andamento = ExecucaoFactory(status=E.EM_EXECUCAO)
    falhou = ExecucaoFactory(status=E.FALHA)
    livre = ProcessoFactory()

    resultado = execucoes_solicitar_downloads(por=None, competencia=NOVEMBRO)

    assert (resultado.enfileiradas, resultado.ignoradas) == (1, 2)
    assert Execucao.objects.get(status=E.PENDENTE).processo_id == livre.pk
    assert not Execucao.objects.filter(processo=falhou.processo, status=E.PENDENTE).exists()
    assert Execucao.objects.filter(processo=em_andamento.processo).count() == 1


def test_solicitar_downloads_olha_so_o_ultimo_download_de_cada_processo(configuracao):
    # Failed, then downloaded by a re-run that a person asked for, then the invoice was rejected: waiting again.
    processo = ProcessoFactory()
    ExecucaoFactory(processo=processo, status=E.FALHA)
    ExecucaoFactory(processo=processo, status=E.SUCESSO)

    resultado = execucoes_solicitar_downloads(por=None, competencia=NOVEMBRO)

    assert resultado.enfileiradas == 1
    nova = Execucao.objects.get(processo=processo, status=E.PENDENTE)
    assert (nova.origem, nova.anterior, nova.tentativa) == (Execucao.Origem.MANUAL, None, 1)


def test_solicitar_downloads_com_todos_reenfileira_as_falhas_como_reexecucao(configuracao):
    em_andamento = ExecucaoFactory(status=E.EM_EXECUCAO)
    falhou = ExecucaoFactory(status=E.FALHA, tentativa=2)
    livre = ProcessoFactory()

    resultado = execucoes_solicitar_downloads(por=None, competencia=NOVEMBRO, todos=True)

    assert (resultado.enfileiradas, resultado.ignoradas) == (2, 1)
    reexecucao = Execucao.objects.get(processo=falhou.processo, status=E.PENDENTE)
    assert (reexecucao.origem, reexecucao.anterior, reexecucao.tentativa) == (
        Execucao.Origem.REEXECUCAO,
        falhou,
        3,
    )
    nova = Execucao.objects.get(processo=livre)
    assert (nova.origem, nova.anterior, nova.tentativa) == (Execucao.Origem.MANUAL, None, 1)
    assert Execucao.objects.filter(processo=em_andamento.processo).count() == 1


def test_solicitar_downloads_com_todos_liga_a_reexecucao_a_falha_mais_recente(configuracao):
    antiga = ExecucaoFactory(status=E.FALHA, tentativa=1)
    recente = ExecucaoFactory(processo=antiga.processo, status=E.FALHA, tentativa=1)

    execucoes_solicitar_downloads(por=None, competencia=NOVEMBRO, todos=True)

    reexecucao = Execucao.objects.get(status=E.PENDENTE)
    assert reexecucao.anterior == recente


def test_solicitar_downloads_por_processo_ignora_a_competencia(configuracao):
    outubro = ProcessoFactory(competencia=dt.date(2026, 10, 1))
    ProcessoFactory()

    resultado = execucoes_solicitar_downloads(por=None, processo_ids=[outubro.pk])

    assert resultado.enfileiradas == 1
    assert Execucao.objects.get().processo_id == outubro.pk


def test_configuracao_com_espera_inicial_maior_que_a_maxima_e_recusada(configuracao):
    configuracao.backoff_base_segundos, configuracao.backoff_max_segundos = 600, 300

    with pytest.raises(ValidationError) as erro:
        configuracao.full_clean()

    assert erro.value.message_dict["backoff_base_segundos"] == [
        "A espera inicial não pode ser maior que a espera máxima entre tentativas."
    ]
