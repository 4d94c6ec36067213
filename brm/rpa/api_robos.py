"""The robot API's HTTP client (`ApiRobos`): the one module that knows the contract in docs/rpa-api.md.

Every call has a timeout. Every failure becomes an `ErroRPA` that says whether trying again later may
work (`transitorio`) and carries a sentence a person can act on. Answers are read leniently.
"""

import datetime as dt
import hashlib
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import requests
import urllib3
from django.utils.dateparse import parse_datetime

from brm.common.redacao import url_sem_credenciais
from brm.common.texto import texto_seguro

logger = logging.getLogger(__name__)

STATUS_FINAIS = {"completed", "failed", "cancelled"}
STATUS_CONHECIDOS = {"queued", "running"} | STATUS_FINAIS
# Robot error codes that may succeed if the job is run again later.
CODIGOS_PASSAGEIROS = {"FATURA_INDISPONIVEL", "PORTAL_FORA_DO_AR", "ERRO_INTERNO"}


_local = threading.local()


def _sessao_da_thread() -> requests.Session:
    # One session per thread keeps connections to the robot API alive between calls of the same poll.
    sessao = getattr(_local, "sessao", None)
    if sessao is None:
        sessao = _local.sessao = requests.Session()
    return sessao


class ErroRPA(Exception):
    """A call to the robot API that did not work: `transitorio` says whether to try again later."""

    def __init__(
        self,
        mensagem: str,
        *,
        transitorio: bool,
        status: int | None = None,
        retry_after: float | None = None,
        codigo: str = "",
        incerto: bool = False,
    ):
        super().__init__(mensagem)
        self.mensagem = mensagem
        self.codigo = codigo
        self.transitorio = transitorio
        # The request reached the robot and its answer was lost (a timeout after sending, a dropped
        # connection, an unreadable 2xx): the robot may have started the job.
        self.incerto = incerto
        self.status = status
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.mensagem


class JobNaoEncontrado(ErroRPA):
    """The robot does not know this job (it may have restarted and lost it)."""


@dataclass(frozen=True)
class JobIniciado:
    job_id: str
    status: str
    ja_existia: bool


@dataclass(frozen=True)
class EstadoJob:
    job_id: str
    status: str
    iniciado_em: dt.datetime | None = None
    finalizado_em: dt.datetime | None = None
    erro_codigo: str = ""
    erro_mensagem: str = ""
    resultado: dict[str, Any] = field(default_factory=dict)

    @property
    def final(self) -> bool:
        return self.status in STATUS_FINAIS


@dataclass(frozen=True)
class LinhaLog:
    seq: int
    quando: dt.datetime | None
    nivel: str
    mensagem: str


class ApiRobos:
    def __init__(self, *, url_base: str, token: str, timeout: float = 15.0, sessao: requests.Session | None = None):
        self.url_base = url_base.rstrip("/")
        # What the messages say: they are stored on executions, shown to people and logged.
        self.endereco = url_sem_credenciais(self.url_base)
        self.token = token
        # Connecting should be quick; reading may wait for a busy robot, but never forever.
        self.timeout = (min(5.0, timeout), timeout)
        self.sessao = sessao or _sessao_da_thread()

    # Calls ------------------------------------------------------------------------------------------

    def executar(self, robo: str, payload: dict[str, Any]) -> JobIniciado:
        # A 200 or 201 instead of 202 still means the robot took the request: its body is read leniently, so one
        # that is not JSON or lacks the job_id leaves the outcome unknown; the same idempotency key finds it.
        resposta = self._chamar("POST", f"/executar/{robo}", json=payload, esperado=(200, 201, 202, 409), robo=robo)
        try:
            corpo = self._json(resposta)
        except ErroRPA as erro:
            erro.incerto = True
            raise
        job_id = str(corpo.get("job_id") or "").strip()
        if not job_id:
            raise ErroRPA(
                "A API de robôs aceitou o trabalho mas não informou o job_id.",
                transitorio=True,
                status=resposta.status_code,
                incerto=True,
            )
        return JobIniciado(
            job_id=job_id, status=str(corpo.get("status") or "queued"), ja_existia=resposta.status_code == 409
        )

    def job(self, job_id: str) -> EstadoJob:
        corpo = self._json(self._chamar("GET", f"/jobs/{job_id}", esperado=(200,)))
        status = str(corpo.get("status") or "").lower()
        if status not in STATUS_CONHECIDOS:
            raise ErroRPA(
                f"A API de robôs respondeu uma situação desconhecida para o trabalho {job_id}: {status or 'vazia'}.",
                transitorio=True,
            )
        erro = corpo.get("erro") or {}
        if isinstance(erro, str):
            erro = {"mensagem": erro}
        resultado = corpo.get("resultado")
        return EstadoJob(
            job_id=job_id,
            status=status,
            iniciado_em=_data(corpo.get("iniciado_em")),
            finalizado_em=_data(corpo.get("finalizado_em")),
            erro_codigo=str(erro.get("codigo") or ""),
            erro_mensagem=texto_seguro(str(erro.get("mensagem") or "")),
            resultado=resultado if isinstance(resultado, dict) else {},
        )

    def logs(self, job_id: str, desde: int) -> list[LinhaLog]:
        corpo = self._json(self._chamar("GET", f"/jobs/{job_id}/logs", params={"desde": desde}, esperado=(200,)))
        brutas = corpo.get("logs", []) if isinstance(corpo, dict) else corpo
        if not isinstance(brutas, list):
            return []
        linhas = []
        for posicao, bruta in enumerate(brutas):
            if isinstance(bruta, dict):
                try:
                    seq = int(bruta.get("seq"))
                except (TypeError, ValueError):
                    seq = desde + posicao
                nivel = str(bruta.get("nivel") or "INFO").upper()
                mensagem = texto_seguro(str(bruta.get("mensagem") or ""))
                linhas.append(LinhaLog(seq, _data(bruta.get("quando")), nivel, mensagem))
            else:
                # A plain list of strings: number them by position from `desde`.
                linhas.append(LinhaLog(desde + posicao, None, "INFO", texto_seguro(str(bruta))))
        # Lines seen twice, or older than asked for, are dropped here; the database also refuses them.
        vistas: set[int] = set()
        return [linha for linha in linhas if linha.seq >= desde and not (linha.seq in vistas or vistas.add(linha.seq))]

    def baixar_arquivo(self, url: str, *, sha256: str, tamanho_maximo: int) -> bytes:
        # The contract gives a path on the same API; an absolute URL is accepted only on the same address.
        caminho = url[len(self.url_base) :] if url.startswith(self.url_base) else url
        if not caminho.startswith("/"):
            raise ErroRPA(
                f"O robô indicou um arquivo fora da API de robôs: {url_sem_credenciais(url)}", transitorio=False
            )
        resposta = self._chamar("GET", caminho, esperado=(200,), stream=True)
        resumo, partes, tamanho = hashlib.sha256(), [], 0
        for bloco in resposta.iter_content(64 * 1024):
            tamanho += len(bloco)
            if tamanho > tamanho_maximo:
                raise ErroRPA(
                    "O arquivo da fatura passa do tamanho máximo aceito.", transitorio=False, codigo="ARQUIVO_GRANDE"
                )
            resumo.update(bloco)
            partes.append(bloco)
        if sha256 and resumo.hexdigest().lower() != sha256.strip().lower():
            raise ErroRPA(
                "O arquivo baixado do robô não confere com o SHA-256 informado; ele não foi aceito.",
                transitorio=False,
                codigo="SHA256_DIVERGENTE",
            )
        return b"".join(partes)

    def cancelar(self, job_id: str, *, caminho: str) -> None:
        """Ask the robot to stop a job. Not in the contract: only robots whose configuration names the
        endpoint (`caminho`, with `{job_id}`) offer it."""
        self._chamar("POST", caminho.replace("{job_id}", job_id), esperado=(200, 202, 204, 404, 409))

    # Plumbing ---------------------------------------------------------------------------------------

    def _chamar(self, metodo: str, caminho: str, *, esperado: tuple[int, ...], robo: str = "", **kwargs):
        url = f"{self.url_base}{caminho}"
        cabecalhos = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        try:
            resposta = self.sessao.request(metodo, url, headers=cabecalhos, timeout=self.timeout, **kwargs)
        except (requests.ConnectTimeout, requests.ConnectionError) as exc:
            if _nao_conectou(exc):
                raise ErroRPA(
                    f"Não foi possível conectar à API de robôs em {self.endereco}; será tentado de novo.",
                    transitorio=True,
                ) from exc
            raise ErroRPA(
                f"A API de robôs em {self.endereco} fechou a conexão sem responder.", transitorio=True, incerto=True
            ) from exc
        except requests.Timeout as exc:
            raise ErroRPA(
                f"A API de robôs em {self.endereco} não respondeu a tempo.", transitorio=True, incerto=True
            ) from exc
        except requests.RequestException as exc:
            raise ErroRPA(f"Falha ao chamar a API de robôs: {exc}", transitorio=True, incerto=True) from exc
        if resposta.status_code in esperado:
            return resposta
        raise self._erro_http(resposta, caminho, robo)

    def _erro_http(self, resposta: requests.Response, caminho: str, robo: str) -> ErroRPA:
        status = resposta.status_code
        detalhe = _detalhe(resposta)
        sufixo = f" ({detalhe})" if detalhe else ""
        if status == 401:
            return ErroRPA(
                "A API de robôs recusou o token. Um administrador precisa atualizar o token em "
                f"Configuração dos robôs.{sufixo}",
                transitorio=False,
                status=status,
            )
        if status == 404 and caminho.startswith("/jobs/"):
            return JobNaoEncontrado(
                "O robô não conhece mais este trabalho (pode ter sido reiniciado).", transitorio=True, status=status
            )
        if status == 404:
            return ErroRPA(
                f"A API de robôs não tem o robô “{robo}”. Confira o código da operadora.{sufixo}",
                transitorio=False,
                status=status,
            )
        if status == 422:
            return ErroRPA(
                f"O robô recusou os dados enviados; confira o cadastro do cliente e a fatura.{sufixo}",
                transitorio=False,
                status=status,
            )
        if status in (429, 503):
            return ErroRPA(
                f"A API de robôs está ocupada (HTTP {status}); será tentado de novo.{sufixo}",
                transitorio=True,
                status=status,
                retry_after=_retry_after(resposta),
            )
        if status >= 500:
            # Not "busy": the robot failed while handling the request, and may have stored the job first.
            return ErroRPA(
                f"A API de robôs respondeu com erro (HTTP {status}).{sufixo}",
                transitorio=True,
                status=status,
                retry_after=_retry_after(resposta),
                incerto=True,
            )
        return ErroRPA(f"A API de robôs respondeu HTTP {status} inesperado.{sufixo}", transitorio=False, status=status)

    def _json(self, resposta: requests.Response) -> dict:
        try:
            corpo = resposta.json()
        except ValueError as exc:
            raise ErroRPA(
                "A API de robôs respondeu algo que não é JSON; será tentado de novo.",
                transitorio=True,
                status=resposta.status_code,
            ) from exc
        if not isinstance(corpo, dict | list):
            raise ErroRPA("A API de robôs respondeu um JSON inesperado.", transitorio=True)
        return corpo if isinstance(corpo, dict) else {"logs": corpo}


def _data(valor: Any) -> dt.datetime | None:
    if not valor or not isinstance(valor, str):
        return None
    try:
        return parse_datetime(valor.replace("Z", "+00:00"))
    except ValueError:
        return None


def _nao_conectou(exc: requests.RequestException) -> bool:
    """True when the request never reached the robot (refused, unreachable, connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    causa = exc.args[0] if exc.args else None
    motivo = getattr(causa, "reason", causa)
    return isinstance(motivo, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError)


def _detalhe(resposta: requests.Response) -> str:
    try:
        corpo = resposta.json()
    except ValueError:
        return ""
    return texto_seguro(str(corpo.get("detail") or "")[:300]) if isinstance(corpo, dict) else ""


def _retry_after(resposta: requests.Response) -> float | None:
    valor = resposta.headers.get("Retry-After")
    try:
        return max(0.0, float(valor)) if valor else None
    except ValueError:
        return None
