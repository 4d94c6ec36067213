"""Log lines: JSON or text, each naming its request, execution and task, and never showing a secret."""

import io
import json
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
from celery import shared_task

from brm.common.registro import (
    FiltroDeContexto,
    FiltroDeSegredos,
    FormatoJson,
    FormatoTexto,
    configuracao_de_registro,
    contexto_atual,
    contexto_execucao,
    request_id_definir,
)
from brm.configuracao import ConfiguracaoInvalida
from tests.conftest import esperar, porta_fechada

RAIZ = Path(__file__).resolve().parents[2]


class Captura:
    """A handler as the LOGGING setting builds it (its filters and formatter), on root, writing into memory."""

    def __init__(self, formatador: logging.Formatter):
        self.saida = io.StringIO()
        self.handler = logging.StreamHandler(self.saida)
        self.handler.setFormatter(formatador)
        self.handler.addFilter(FiltroDeContexto())
        self.handler.addFilter(FiltroDeSegredos())

    @property
    def texto(self) -> str:
        return self.saida.getvalue()

    def linhas(self) -> list[dict]:
        return [json.loads(linha) for linha in self.texto.splitlines()]


@pytest.fixture
def captura_json():
    captura = Captura(FormatoJson())
    raiz = logging.getLogger()
    nivel = raiz.level
    raiz.addHandler(captura.handler)
    raiz.setLevel(logging.DEBUG)
    yield captura
    raiz.removeHandler(captura.handler)
    raiz.setLevel(nivel)


@pytest.fixture
def captura_texto():
    captura = Captura(FormatoTexto("%(levelname)s %(name)s %(message)s%(contexto)s"))
    logger = logging.getLogger("brm.teste")
    logger.addHandler(captura.handler)
    logger.setLevel(logging.DEBUG)
    yield captura
    logger.removeHandler(captura.handler)


def test_linha_json_tem_quando_nivel_logger_mensagem_e_o_contexto(captura_json):
    marca = request_id_definir("req-123")
    try:
        with contexto_execucao(uuid.UUID(int=7)):
            logging.getLogger("brm.teste").warning("Execução %s: %s", "abc", "robô lento", extra={"tentativa": 2})
        logging.getLogger("brm.teste").info("fora da execução")
    finally:
        request_id_definir(None)
        del marca

    dentro, fora = captura_json.linhas()
    assert list(dentro)[:4] == ["time", "level", "logger", "message"]
    assert dentro["time"].endswith("+00:00") and "T" in dentro["time"]
    assert dentro["level"] == "WARNING" and dentro["logger"] == "brm.teste"
    assert dentro["message"] == "Execução abc: robô lento"
    assert dentro["request_id"] == "req-123"
    assert dentro["execucao_id"] == str(uuid.UUID(int=7))
    assert dentro["tentativa"] == 2
    # Outside the block the execution is gone; fields without a value are left out, not written as null.
    assert fora["request_id"] == "req-123" and "execucao_id" not in fora and "tarefa" not in fora


def test_traceback_vai_no_campo_exc_info_sem_segredos(captura_json):
    try:
        raise RuntimeError("conexão recusada: postgres://brm:senha-do-banco-123@db/brm")
    except RuntimeError:
        logging.getLogger("brm.teste").exception("Falhou")

    (linha,) = captura_json.linhas()
    assert "Traceback" in linha["exc_info"] and "RuntimeError" in linha["exc_info"]
    assert "senha-do-banco-123" not in captura_json.texto
    assert "postgres://brm:***@db/brm" in linha["exc_info"]


def test_argumentos_e_extras_com_chaves_secretas_saem_mascarados(captura_json):
    payload = {"referencia": "r-1", "cliente": {"login": "joao", "senha": "Portal#2026!"}, "token": "tok-abc-123456"}

    logging.getLogger("brm.teste").info("Enviando %s", payload, extra={"cabecalhos": {"Authorization": "Bearer xyz"}})
    logging.getLogger("brm.teste").info("%(referencia)s com %(senha)s", {"referencia": "r-2", "senha": "Outra#Senha9"})

    primeira, segunda = captura_json.linhas()
    assert "Portal#2026!" not in captura_json.texto and "tok-abc-123456" not in captura_json.texto
    assert "Outra#Senha9" not in captura_json.texto and "xyz" not in captura_json.texto
    assert "'login': 'joao'" in primeira["message"] and "'referencia': 'r-1'" in primeira["message"]
    assert primeira["cabecalhos"] == {"Authorization": "***"}
    assert segunda["message"] == "r-2 com ***"


def test_linha_de_texto_termina_com_o_contexto(captura_texto):
    logger = logging.getLogger("brm.teste")
    logger.info("sem contexto")
    with contexto_execucao("e-1"):
        logger.info("com a senha=abc123")

    assert captura_texto.texto.splitlines() == [
        "INFO brm.teste sem contexto",
        "INFO brm.teste com a senha=*** [execucao_id=e-1]",
    ]


def test_request_do_django_vira_metodo_e_caminho_sem_a_query(captura_json, rf):
    pedido = rf.get("/api/v1/me/?token=tok-na-query-123456")

    logging.getLogger("django.request").warning("Not Found: %s", pedido.path, extra={"request": pedido})

    (linha,) = captura_json.linhas()
    assert linha["request"] == "GET /api/v1/me/"
    assert "tok-na-query-123456" not in captura_json.texto


def test_configuracao_de_registro_liga_filtros_e_formato():
    config = configuracao_de_registro(formato="json", nivel="DEBUG")

    assert config["handlers"]["console"]["formatter"] == "json"
    assert config["handlers"]["console"]["filters"] == ["contexto", "segredos"]
    assert config["root"] == {"handlers": ["console"], "level": "DEBUG"}
    # In JSON the servers' own error lines are JSON too; in text they keep their usual look.
    assert config["loggers"]["uvicorn.error"]["handlers"] == ["console"]
    assert "uvicorn.error" not in configuracao_de_registro(formato="texto")["loggers"]


def test_formato_desconhecido_para_com_uma_frase():
    with pytest.raises(ConfiguracaoInvalida, match="BRM_LOG_FORMATO deve ser “json” ou “texto”"):
        configuracao_de_registro(formato="xml")


def _producao(**ambiente: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BRM_LOG", "SENTRY_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "brm.settings.production",
            "DJANGO_SECRET_KEY": "uma-chave-secreta-de-producao-longa-o-bastante",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
            "FERNET_KEYS": "4E4h5Vzp9jKRzBb0g6-cOdebyC8RZl72U5FURIrDteQ=",
            **ambiente,
        }
    )
    return env


def _shell(codigo: str, **ambiente: str) -> subprocess.CompletedProcess:
    env = _producao(**ambiente)
    return subprocess.run(
        [sys.executable, "-c", f"from django.conf import settings as s; {codigo}"],
        cwd=RAIZ,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_producao_escreve_json_com_linha_por_requisicao_e_texto_se_pedido():
    codigo = "print(s.LOGGING['handlers']['console']['formatter'], s.BRM_LOG_REQUISICOES)"

    assert _shell(codigo).stdout.split() == ["json", "True"]
    assert _shell(codigo, BRM_LOG_FORMATO="texto").stdout.split() == ["texto", "True"]


def test_producao_com_formato_errado_para_com_uma_frase():
    resultado = _shell("print(s.LOGGING)", BRM_LOG_FORMATO="xml")

    assert resultado.returncode == 1
    assert resultado.stderr.strip().splitlines() == [
        "Configuração inválida: BRM_LOG_FORMATO deve ser “json” ou “texto” (recebido: “xml”)."
    ]


def test_gunicorn_de_producao_so_escreve_linhas_json(tmp_path, coletados):
    porta = porta_fechada()
    saida = tmp_path / "gunicorn.log"
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    with open(saida, "wb") as arquivo:
        # As the Procfile starts it: gunicorn.conf.py, in the folder it starts in, is read by gunicorn itself.
        servidor = subprocess.Popen(
            [gunicorn, "brm.asgi:application", "-k", "uvicorn_worker.UvicornWorker", "-b", f"127.0.0.1:{porta}"],
            cwd=RAIZ,
            # The static files collected, as in the image: the 404 page names them through the manifest.
            env=_producao(DJANGO_STATIC_ROOT=str(coletados)),
            stdout=arquivo,
            stderr=subprocess.STDOUT,
        )
    try:

        def responde():
            # In a tuple: a 404 response is false by itself.
            try:
                return (requests.get(f"http://127.0.0.1:{porta}/nao-existe/", headers=cabecalhos, timeout=5),)
            except requests.ConnectionError:
                return None

        # Behind the proxy that terminates TLS, as production runs: otherwise the answer is the redirect to HTTPS.
        cabecalhos = {"X-Request-ID": "req-gunicorn", "X-Forwarded-Proto": "https"}
        (resposta,) = esperar(responde, prazo=30, descricao="o gunicorn respondendo", detalhe=saida.read_text)
    finally:
        servidor.terminate()
        servidor.wait(timeout=30)

    linhas = [json.loads(linha) for linha in saida.read_text().splitlines()]
    assert resposta.status_code == 404 and resposta.headers["X-Request-ID"] == "req-gunicorn"
    loggers = {linha["logger"] for linha in linhas}
    assert {"gunicorn.error", "uvicorn.error", "brm.requisicoes", "django.request"} <= loggers
    assert all(linha["request_id"] == "req-gunicorn" for linha in linhas if linha["logger"] == "django.request")
    assert any(linha["message"] == "Shutting down: Master" for linha in linhas)


# Celery ---------------------------------------------------------------------------------------------------------


@shared_task(name="tests.registro.tarefa_que_escreve")
def tarefa_que_escreve(execucao_id: str) -> None:
    logging.getLogger("brm.teste").info("fora da execução")
    with contexto_execucao(execucao_id):
        logging.getLogger("brm.teste").info("dentro da execução")


def test_tarefa_do_celery_nomeia_a_si_mesma_e_a_execucao_e_devolve_o_contexto(captura_json):
    marca = request_id_definir("req-de-fora")
    try:
        resultado = tarefa_que_escreve.apply(args=["exec-1"])
        depois = contexto_atual()
    finally:
        request_id_definir(None)
        del marca

    fora, dentro = [linha for linha in captura_json.linhas() if linha["logger"] == "brm.teste"]
    for linha in (fora, dentro):
        assert linha["tarefa"] == "tests.registro.tarefa_que_escreve"
        assert linha["tarefa_id"] == resultado.id
        # A task run inside a request (eagerly) does not pass as that request.
        assert "request_id" not in linha
    assert "execucao_id" not in fora and dentro["execucao_id"] == "exec-1"
    assert depois == {"request_id": "req-de-fora"}


def test_tarefa_de_envio_ao_robo_nomeia_a_execucao(captura_json, monkeypatch):
    from processos import tasks

    vistos = []
    monkeypatch.setattr(tasks, "execucao_enviar", lambda execucao_id: vistos.append(contexto_atual()))

    tasks.enviar_execucao.apply(args=["exec-9"])

    assert vistos[0]["execucao_id"] == "exec-9" and vistos[0]["tarefa"] == "processos.enviar_execucao"
