"""The pipeline under real faults, with a real worker, Redis and the simulator's fault switches: limits that
hold at the robot while sends time out, polling that a hung robot cannot stop, Redis going away mid-month,
and a cancelled job that keeps its slot while the robot runs it."""

import glob
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
import requests

from agendamentos.models import Agendamento, AgendamentoExecucao
from agendamentos.services import agendamento_criar
from brm.rpa.api_robos import ApiRobos
from processos.models import Execucao, Processo
from processos.services import execucao_cancelar, execucoes_solicitar_downloads, processos_criar_mensais
from tests.conftest import esperar, porta_fechada
from tests.factories import ClienteFactory, ConfiguracaoRPAFactory, OperadoraFactory

from .conftest import RAIZ, Processos

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.caos]

E = Execucao.Status
S = Processo.Status


def _clientes(operadoras: dict[str, int], por_operadora: int) -> None:
    for codigo, maximo in operadoras.items():
        ClienteFactory.create_batch(
            por_operadora, operadora=OperadoraFactory(codigo=codigo, max_execucoes_simultaneas=maximo)
        )


def _todas_terminaram() -> bool:
    return (
        not Execucao.objects.filter(status__in=Execucao.ATIVOS).exists()
        and not Execucao.objects.filter(robo_ocupado=True).exists()
    )


def test_posts_sem_resposta_nao_fazem_o_robo_passar_dos_limites(celery_processos, simulador):
    ConfiguracaoRPAFactory(
        url_base=simulador.url,
        token=simulador.token,
        limite_global=5,
        timeout_http_segundos=1,
        backoff_base_segundos=1,
        backoff_max_segundos=2,
        reexecucoes_automaticas=0,
        intervalo_polling_ms=200,
    )
    simulador.configurar(duracao=1.5, taxa_travamento=0.4, tempo_travamento=3.0)
    _clientes({"vivo": 3, "claro": 3}, por_operadora=8)
    processos_criar_mensais()
    celery_processos.worker(concorrencia=6)
    celery_processos.beat()

    execucoes_solicitar_downloads(por=None)

    esperar(_todas_terminaram, prazo=150, intervalo=0.5, descricao="o mês inteiro", detalhe=celery_processos.situacao)
    assert set(Execucao.objects.values_list("status", flat=True)) == {E.SUCESSO}
    estatisticas = simulador.estatisticas()
    # Hung POSTs did start their jobs; the same referencia found them again instead of starting others.
    assert estatisticas["posts"] > estatisticas["jobs"] == 16
    assert set(estatisticas["jobs_por_referencia"].values()) == {1}
    assert estatisticas["max_simultaneos"] <= 5
    assert all(pico <= 3 for pico in estatisticas["max_simultaneos_por_robo"].values())


def test_robo_que_trava_todo_post_nao_atrasa_o_acompanhamento(celery_processos, simulador):
    intervalo = 0.5
    ConfiguracaoRPAFactory(
        url_base=simulador.url,
        token=simulador.token,
        limite_global=6,
        timeout_http_segundos=45,
        intervalo_polling_ms=int(intervalo * 1000),
        timeout_execucao_segundos=300,
    )
    simulador.configurar(nunca_finalizar=True)
    _clientes({"vivo": 6}, por_operadora=2)
    processos_criar_mensais()
    celery_processos.worker(concorrencia=2, filas="padrao")
    celery_processos.worker(concorrencia=2, filas="envios")
    celery_processos.beat()
    execucoes_solicitar_downloads(por=None)
    esperar(
        lambda: Execucao.objects.filter(status=E.EM_EXECUCAO).count() == 2,
        prazo=30,
        descricao="dois trabalhos rodando no robô",
        detalhe=celery_processos.situacao,
    )
    rodando = list(Execucao.objects.filter(status=E.EM_EXECUCAO).values_list("job_id", flat=True))

    # From now on every POST hangs for 40 s, holding both send workers.
    simulador.configurar(taxa_travamento=1.0, tempo_travamento=40.0)
    ClienteFactory.create_batch(4, operadora=Processo.objects.first().cliente.operadora)
    processos_criar_mensais()
    execucoes_solicitar_downloads(por=None)
    inicio = time.monotonic()
    esperar(
        lambda: Execucao.objects.filter(status=E.ENVIANDO).count() >= 2,
        prazo=20,
        descricao="envios presos no robô",
        detalhe=celery_processos.situacao,
    )
    time.sleep(max(0.0, 42 - (time.monotonic() - inicio)))

    leituras = simulador.leituras_de_situacao()
    for job_id in rodando:
        momentos = [momento for momento in leituras[job_id] if momento >= inicio]
        intervalos = [depois - antes for antes, depois in zip(momentos, momentos[1:], strict=False)]
        assert len(momentos) > 40 / (2 * intervalo)
        assert max(intervalos) <= 2 * intervalo, f"maior intervalo entre leituras: {max(intervalos):.2f} s"


def test_redis_parado_por_um_minuto_no_meio_do_mes_e_o_mes_termina(
    processos_no_redis_proprio, redis_proprio, simulador
):
    # The jobs' own time limit is far above the outage: while Redis is away nothing follows them.
    ConfiguracaoRPAFactory(
        url_base=simulador.url,
        token=simulador.token,
        limite_global=3,
        intervalo_polling_ms=300,
        reexecucoes_automaticas=0,
        timeout_execucao_segundos=1800,
    )
    simulador.configurar(duracao=2.0)
    _clientes({"vivo": 3}, por_operadora=12)
    processos_criar_mensais()
    processos_no_redis_proprio.worker(concorrencia=4)
    processos_no_redis_proprio.beat()
    # Queued through the test's own Redis, as the workers listen there.
    subprocess.run(
        [sys.executable, "manage.py", "executar_downloads"],
        cwd=RAIZ,
        env=processos_no_redis_proprio.ambiente,
        check=True,
        capture_output=True,
        timeout=60,
    )
    esperar(
        lambda: Execucao.objects.filter(status=E.SUCESSO).count() >= 3,
        prazo=60,
        descricao="os primeiros downloads",
        detalhe=processos_no_redis_proprio.situacao,
    )

    redis_proprio.parar()
    time.sleep(60)
    redis_proprio.iniciar()

    esperar(
        _todas_terminaram,
        prazo=180,
        intervalo=0.5,
        descricao="o mês depois da volta do Redis",
        detalhe=processos_no_redis_proprio.situacao,
    )
    assert set(Execucao.objects.values_list("status", flat=True)) == {E.SUCESSO}, processos_no_redis_proprio.situacao()
    assert set(Processo.objects.values_list("status", flat=True)) == {S.AGUARDANDO_APROVACAO}
    assert set(simulador.estatisticas()["jobs_por_referencia"].values()) == {1}
    for filho in processos_no_redis_proprio.filhos:
        assert filho.poll() is None, processos_no_redis_proprio.log(filho)[-3000:]


def test_pedir_downloads_com_o_redis_fora_do_ar_grava_e_despacha_quando_ele_volta(
    processos_no_redis_proprio, redis_proprio, simulador
):
    ConfiguracaoRPAFactory(url_base=simulador.url, token=simulador.token, limite_global=3, intervalo_polling_ms=300)
    simulador.configurar(duracao=0.5)
    _clientes({"vivo": 3}, por_operadora=4)
    processos_criar_mensais()
    redis_proprio.parar()

    saida = subprocess.run(
        [sys.executable, "manage.py", "executar_downloads"],
        cwd=RAIZ,
        env=processos_no_redis_proprio.ambiente,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert saida.returncode == 0, saida.stderr
    assert "Traceback" not in saida.stderr
    assert "4 downloads enfileirados" in saida.stdout
    assert "O Redis não respondeu: os downloads ficaram salvos e serão despachados sozinhos" in saida.stdout
    assert Execucao.objects.filter(status=E.PENDENTE).count() == 4

    redis_proprio.iniciar()
    processos_no_redis_proprio.worker(concorrencia=2)
    processos_no_redis_proprio.beat()
    esperar(
        _todas_terminaram,
        prazo=60,
        descricao="os downloads salvos, sem ninguém pedir de novo",
        detalhe=processos_no_redis_proprio.situacao,
    )
    assert set(Execucao.objects.values_list("status", flat=True)) == {E.SUCESSO}


def test_execucao_cancelada_segura_a_vaga_ate_o_robo_terminar_o_trabalho(celery_processos, simulador, operador):
    ConfiguracaoRPAFactory(url_base=simulador.url, token=simulador.token, limite_global=1, intervalo_polling_ms=200)
    simulador.configurar(duracao=6.0)
    _clientes({"vivo": 2}, por_operadora=2)
    processos_criar_mensais()
    celery_processos.worker(concorrencia=2)
    celery_processos.beat()
    primeiro, segundo = Processo.objects.order_by("cliente__razao_social")
    execucoes_solicitar_downloads(por=None, processo_ids=[primeiro.pk])
    esperar(
        lambda: Execucao.objects.filter(status=E.EM_EXECUCAO).exists(),
        prazo=20,
        descricao="o primeiro trabalho rodando",
        detalhe=celery_processos.situacao,
    )
    cancelada = execucao_cancelar(execucao=Execucao.objects.get(status=E.EM_EXECUCAO), por=operador)
    assert cancelada.robo_ocupado

    execucoes_solicitar_downloads(por=None, processo_ids=[segundo.pk])
    robo = ApiRobos(url_base=simulador.url, token=simulador.token)

    def robo_terminou_o_cancelado() -> bool:
        # Read in this order: the second job can only have left PENDENTE after the robot ended the first.
        situacao_do_segundo = Execucao.objects.get(processo=segundo).status
        if robo.job(cancelada.job_id).final:
            return True
        assert situacao_do_segundo == E.PENDENTE, "a vaga foi dada enquanto o robô ainda rodava o cancelado"
        return False

    esperar(robo_terminou_o_cancelado, prazo=30, intervalo=0.1, descricao="o fim do trabalho cancelado no robô")
    esperar(
        lambda: Execucao.objects.filter(processo=segundo, status=E.SUCESSO).exists(),
        prazo=40,
        descricao="o segundo trabalho, depois que o robô terminou o cancelado",
        detalhe=celery_processos.situacao,
    )
    cancelada.refresh_from_db()
    assert cancelada.status == E.CANCELADA and not cancelada.robo_ocupado
    assert simulador.estatisticas()["max_simultaneos"] == 1


# Healing: PostgreSQL restarted, a worker killed under `make run`'s supervision --------------------------------


def _binario_postgresql(nome: str) -> str:
    candidatos = [shutil.which(nome), *sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{nome}"), reverse=True)]
    for caminho in candidatos:
        if caminho:
            return caminho
    pytest.fail(f"Este teste sobe um PostgreSQL próprio e precisa de {nome} (pacote postgresql do sistema).")


def _como_postgres(comando: list[str]) -> list[str]:
    # initdb and the server refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *comando] if os.geteuid() == 0 else comando


class PostgresProprio:
    """A PostgreSQL of the test's own (initdb on a free port), that the test restarts."""

    def __init__(self):
        # Not under pytest's folders: those are open to root alone, and the server runs as postgres.
        raiz = Path(tempfile.mkdtemp(prefix="brm-teste-pg-"))
        self.pasta = raiz / "pgdata"
        self.porta = porta_fechada()
        self.log = raiz / "postgresql.log"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.porta}/brm"

    def _pg_ctl(self, *argumentos: str) -> None:
        opcoes = f"-p {self.porta} -k {self.pasta} -c listen_addresses=127.0.0.1"
        comando = [_binario_postgresql("pg_ctl"), "-D", str(self.pasta), "-o", opcoes, "-l", str(self.log), "-w"]
        subprocess.run(_como_postgres([*comando, *argumentos]), check=True, capture_output=True, timeout=60)

    def iniciar(self) -> None:
        self.pasta.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.pasta.parent, "postgres")
            shutil.chown(self.pasta, "postgres")
        subprocess.run(
            _como_postgres([_binario_postgresql("initdb"), "-D", str(self.pasta), "-A", "trust", "-U", "postgres"]),
            check=True,
            capture_output=True,
            timeout=120,
        )
        self._pg_ctl("start")
        with psycopg.connect(f"postgres://postgres@127.0.0.1:{self.porta}/postgres", autocommit=True) as conexao:
            conexao.execute("CREATE DATABASE brm")

    def reiniciar(self) -> None:
        self._pg_ctl("-m", "fast", "restart")

    def parar(self) -> None:
        if (self.pasta / "postmaster.pid").exists():
            self._pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(self.pasta.parent, ignore_errors=True)

    def consultar(self, sql: str) -> list[tuple]:
        with psycopg.connect(self.url, connect_timeout=5) as conexao:
            return conexao.execute(sql).fetchall()


def _manage(ambiente: dict, *argumentos: str, timeout: float = 180) -> str:
    saida = subprocess.run(
        [sys.executable, "manage.py", *argumentos],
        cwd=RAIZ,
        env=ambiente,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert saida.returncode == 0, f"manage.py {' '.join(argumentos)}:\n{saida.stdout}\n{saida.stderr}"
    return saida.stdout


PREPARAR_MES = """
from brm.rpa.models import ConfiguracaoRPA
from clientes.models import Cliente
from operadoras.models import Operadora
from processos.services import processos_criar_mensais
from stdnum.br import cnpj

ConfiguracaoRPA.objects.update_or_create(
    chave="padrao",
    defaults=dict(
        url_base="{url}", token="{token}", limite_global=3, intervalo_polling_ms=300, reexecucoes_automaticas=0
    ),
)
operadora = Operadora.objects.create(nome="Vivo", codigo="vivo", max_execucoes_simultaneas=3)
for n in range({clientes}):
    raiz = f"{{20000000 + n:08d}}0001"
    Cliente.objects.create(razao_social=f"Cliente {{n}}", cnpj=raiz + cnpj.calc_check_digits(raiz), operadora=operadora)
processos_criar_mensais()
"""


def test_postgresql_reiniciado_no_meio_do_mes_e_o_mes_termina(tmp_path, simulador):
    simulador.configurar(duracao=2.0)
    banco = PostgresProprio()
    banco.iniciar()
    processos = Processos(tmp_path)
    try:
        # Production's way to the database: psycopg's pool.
        processos.ambiente.update({"DATABASE_URL": banco.url, "DATABASE_POOL": "True"})
        _manage(processos.ambiente, "migrate", "--no-input")
        _manage(
            processos.ambiente,
            "shell",
            "-c",
            PREPARAR_MES.format(url=simulador.url, token=simulador.token, clientes=12),
        )
        processos.worker(concorrencia=4)
        processos.beat()
        _manage(processos.ambiente, "executar_downloads")

        def situacoes() -> dict[str, int]:
            return dict(banco.consultar("SELECT status, count(*) FROM processos_execucao GROUP BY status"))

        esperar(
            lambda: situacoes().get(E.SUCESSO, 0) >= 3,
            prazo=60,
            descricao="os primeiros downloads",
            detalhe=processos.logs,
        )
        banco.reiniciar()

        esperar(
            lambda: situacoes() == {E.SUCESSO: 12},
            prazo=180,
            intervalo=1,
            descricao="o mês depois do reinício",
            detalhe=lambda: f"{situacoes()}\n{processos.logs()}",
        )
        assert set(simulador.estatisticas()["jobs_por_referencia"].values()) == {1}
        assert all(filho.poll() is None for filho in processos.filhos), processos.logs()
    finally:
        processos.parar()
        banco.parar()


def test_worker_morto_com_sigkill_no_make_run_e_reiniciado_e_o_mes_termina(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    portas = {"web": porta_fechada(), "simulador": porta_fechada(), "redis": porta_fechada()}
    ambiente = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "brm.settings.local",
        "BRM_VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var}/brm.sqlite3",
        "BRM_CELERY_FILA": f"brm-supervisao-{os.getpid()}",
        "RPA_API_URL": f"http://127.0.0.1:{portas['simulador']}",
        "PYTHONUNBUFFERED": "1",
    }
    for chave in ("REDIS_URL", "BRM_MEDIA_ROOT", "BRM_TEST_SQLITE"):
        ambiente.pop(chave, None)
    _manage(ambiente, "migrate", "--no-input")
    url_simulador = f"http://127.0.0.1:{portas['simulador']}"
    _manage(ambiente, "shell", "-c", PREPARAR_MES.format(url=url_simulador, token="simulador-token", clientes=9))
    saida = tmp_path / "iniciar_local.log"
    lancador = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "iniciar_local",
            "--porta",
            str(portas["web"]),
            "--porta-simulador",
            str(portas["simulador"]),
            "--porta-redis",
            str(portas["redis"]),
        ],
        cwd=RAIZ,
        env=ambiente,
        stdout=open(saida, "wb"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        esperar(lambda: "BRM no ar" in saida.read_text(errors="replace"), prazo=60, descricao="o make run no ar")
        ambiente["REDIS_URL"] = f"redis://127.0.0.1:{portas['redis']}/0"
        _manage(ambiente, "executar_downloads")
        banco = var / "brm.sqlite3"

        def situacoes() -> dict[str, int]:
            with sqlite3.connect(banco, timeout=20) as conexao:
                return dict(
                    conexao.execute("SELECT status, count(*) FROM processos_execucao GROUP BY status").fetchall()
                )

        esperar(lambda: situacoes().get(E.EM_EXECUCAO, 0) >= 1, prazo=60, descricao="trabalhos rodando")
        workers = [pid for pid in _filhos(lancador.pid) if " -A brm worker " in _linha_de_comando(pid)]
        assert len(workers) == 2
        for pid in workers:
            os.kill(pid, signal.SIGKILL)

        esperar(
            lambda: saida.read_text(errors="replace").count("parou (código -9); reiniciando.") == 2,
            prazo=20,
            descricao="o make run dizendo que reiniciou os workers",
        )
        esperar(
            lambda: situacoes() == {E.SUCESSO: 9},
            prazo=180,
            intervalo=1,
            descricao="o mês depois dos workers mortos",
            detalhe=lambda: f"{situacoes()}\n{saida.read_text(errors='replace')[-4000:]}",
        )
        estatisticas = requests.get(f"{url_simulador}/_simulador/estatisticas", timeout=5).json()
        assert set(estatisticas["jobs_por_referencia"].values()) == {1}
    finally:
        os.killpg(lancador.pid, signal.SIGTERM)
        lancador.wait(timeout=30)


def _filhos(pid: int) -> list[int]:
    return [int(filho) for filho in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _linha_de_comando(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


def test_agendamento_de_downloads_com_o_redis_fora_do_ar_registra_o_que_gravou(tmp_path, simulador):
    ConfiguracaoRPAFactory(url_base=simulador.url, token=simulador.token)
    _clientes({"vivo": 3}, por_operadora=3)
    processos_criar_mensais()
    agendamento_criar(
        por=None,
        nome="Downloads do dia",
        tipo=Agendamento.Tipo.EXECUTAR_DOWNLOADS,
        expressao_cron="0 2 * * *",
        fuso_horario="America/Sao_Paulo",
        parametros={},
        ativo=True,
    )
    ambiente = {**Processos(tmp_path).ambiente, "REDIS_URL": f"redis://127.0.0.1:{porta_fechada()}/0"}

    saida = _manage(ambiente, "executar_agendamento", "Downloads do dia")

    execucao = AgendamentoExecucao.objects.get()
    assert execucao.status == AgendamentoExecucao.Status.SUCESSO
    assert execucao.resultado["enfileiradas"] == 3
    assert execucao.resultado["aviso"].startswith("O Redis não respondeu: os downloads ficaram salvos")
    assert "O Redis não respondeu" in saida
    assert Execucao.objects.filter(status=E.PENDENTE).count() == 3
