"""Writes and checks of the robot configuration."""

import logging
import time
import uuid
from dataclasses import dataclass

import requests

from brm.common.redacao import url_sem_credenciais

from .api_robos import ErroRPA, JobNaoEncontrado
from .models import ConfiguracaoRPA
from .selectors import api_robos_obter

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResultadoTeste:
    """What a connection test found: `ok`, a sentence for the admin, and how long the API took to answer."""

    ok: bool
    mensagem: str
    tempo_ms: int | None = None


def configuracao_rpa_testar_conexao(
    *, configuracao: ConfiguracaoRPA, timeout_segundos: float | None = None, registrar: bool = True
) -> ResultadoTeste:
    """Ask the robot API for a job that cannot exist, with the configured address and token.

    The contract has no health endpoint. `GET /jobs/<new uuid>` goes through the token check and then
    finds nothing: a JSON 404 shows that the address is the robot API and that it accepted the token,
    and it starts nothing on the robots. `timeout_segundos` replaces the configured HTTP timeout (the
    readiness probe answers within its own bound); `registrar=False` keeps the result out of the log at INFO
    (the readiness probe and the alerts' monitor probe often and log only what changes).
    """
    cliente = api_robos_obter(configuracao=configuracao)
    if timeout_segundos is not None:
        cliente.timeout = (timeout_segundos, timeout_segundos)
    # Shown to the admin and logged: an address with a user and password in it is shown without them.
    url = url_sem_credenciais(cliente.url_base)
    respostas: list[requests.Response] = []
    with requests.Session() as sessao:
        # A session of its own: the time measured includes opening the connection, and the hook below
        # does not stay on the session the client shares with the other calls of this thread.
        cliente.sessao = sessao
        # The client turns a 404 into an exception without reading the body; the body tells a robot API
        # (JSON) from any other web server that happens to live at that address.
        sessao.hooks["response"].append(lambda resposta, *args, **kwargs: respostas.append(resposta))
        inicio = time.perf_counter()
        try:
            cliente.job(str(uuid.uuid4()))
        except JobNaoEncontrado:
            resultado = _resultado_404(url, respostas[-1] if respostas else None, _ms_desde(inicio))
        except ErroRPA as erro:
            ultima = respostas[-1] if respostas else None
            resultado = _resultado_do_erro(erro, url, configuracao, ultima, _ms_desde(inicio))
        else:
            # A job with that id exists: unlikely, but it is still the API answering with our token.
            tempo_ms = _ms_desde(inicio)
            resultado = ResultadoTeste(
                True, f"A API de robôs em {url} respondeu em {tempo_ms} ms e aceitou o token.", tempo_ms
            )
    nivel = logging.INFO if registrar else logging.DEBUG
    logger.log(nivel, "Teste de conexão com a API de robôs em %s: %s", url, resultado.mensagem)
    return resultado


def _resultado_404(url: str, resposta: requests.Response | None, tempo_ms: int) -> ResultadoTeste:
    if resposta is not None and _corpo_json(resposta):
        return ResultadoTeste(True, f"A API de robôs em {url} respondeu em {tempo_ms} ms e aceitou o token.", tempo_ms)
    return ResultadoTeste(
        False,
        f"O endereço {url} respondeu em {tempo_ms} ms, mas não parece ser a API de robôs "
        "(HTTP 404 sem JSON). Confira o endereço.",
        tempo_ms,
    )


def _resultado_do_erro(
    erro: ErroRPA, url: str, configuracao: ConfiguracaoRPA, resposta: requests.Response | None, tempo_ms: int
) -> ResultadoTeste:
    if resposta is None:
        causa = erro.__cause__
        if isinstance(causa, requests.Timeout):
            motivo = f"a API não respondeu a tempo (esperou {tempo_ms} ms)"
        elif isinstance(causa, requests.ConnectionError):
            motivo = "a conexão foi recusada ou o endereço não existe"
        else:
            motivo = str(causa or erro)
        return ResultadoTeste(False, f"Não foi possível conectar em {url}: {motivo}.")
    status = resposta.status_code
    if status == 401:
        sem_token = "" if configuracao.token else " Nenhum token global está definido."
        return ResultadoTeste(
            False,
            f"A API de robôs em {url} respondeu em {tempo_ms} ms, mas recusou o token (HTTP 401).{sem_token} "
            "Confira o token global.",
            tempo_ms,
        )
    if status in (429, 503) or status >= 500:
        return ResultadoTeste(
            False,
            f"A API de robôs em {url} respondeu em {tempo_ms} ms que está ocupada ou com erro (HTTP {status}). "
            "Tente de novo em alguns minutos.",
            tempo_ms,
        )
    if status == 200:
        o_que = "uma resposta que não é JSON" if not _corpo_json(resposta) else "um JSON sem os campos de um trabalho"
        return ResultadoTeste(
            False,
            f"O endereço {url} respondeu em {tempo_ms} ms com {o_que}: não parece ser a API de robôs. "
            "Confira o endereço.",
            tempo_ms,
        )
    return ResultadoTeste(
        False, f"A API de robôs em {url} respondeu em {tempo_ms} ms com HTTP {status} inesperado.", tempo_ms
    )


def _ms_desde(inicio: float) -> int:
    return round((time.perf_counter() - inicio) * 1000)


def _corpo_json(resposta: requests.Response) -> bool:
    try:
        resposta.json()
    except ValueError:
        return False
    return True
