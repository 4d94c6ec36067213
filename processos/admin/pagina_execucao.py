"""The page of one robot job: a live tail of its log, its status and duration, its buttons, its chain of attempts.

The page renders the last `LINHAS_NA_PAGINA` lines itself, then `static/brm/execucao.js` follows the job's
channel (`/eventos/execucao-<id>/`). Older lines, and lines missed while the stream was away, come from a
small JSON view of the job's admin (`<id>/linhas/`), permission-checked like the page and read through the
log selectors. Interfaces only: nothing here decides anything about the job.
"""

import datetime as dt

from django.contrib.admin.utils import unquote
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from brm.eventos.canais import canal_execucao

from ..models import Execucao, ExecucaoLog
from ..selectors import execucao_log_ultimas
from ..selectors.listas import execucao_log_anteriores, execucao_log_seguintes
from ..selectors.paginas import execucao_cadeia

E = Execucao.Status
# Lines the page renders itself; "Carregar anteriores" brings this many more each time.
LINHAS_NA_PAGINA = 200
# The most lines one JSON answer carries.
LINHAS_POR_PEDIDO = 1000
# The list of log lines, filtered by one job: the whole log.
FILTRO_DA_EXECUCAO = "execucao__id__exact"
FINAIS = (E.SUCESSO, E.FALHA, E.CANCELADA)


def formatar_duracao(segundos: float | None) -> str:
    """`45 s`, `2 min 05 s`, `1 h 02 min 03 s`; a dash when there is nothing to measure."""
    if segundos is None:
        return "—"
    total = max(0, int(segundos))
    horas, resto = divmod(total, 3600)
    minutos, segundos = divmod(resto, 60)
    if horas:
        return f"{horas} h {minutos:02d} min {segundos:02d} s"
    if minutos:
        return f"{minutos} min {segundos:02d} s"
    return f"{segundos} s"


def execucao_duracao(execucao: Execucao, agora: dt.datetime | None = None) -> float | None:
    """Seconds since the robot started the job, until it ended (or until now, while it runs)."""
    if execucao.iniciado_em is None:
        return None
    fim = execucao.finalizado_em or agora or timezone.now()
    return (fim - execucao.iniciado_em).total_seconds()


def _iso(momento: dt.datetime | None) -> str | None:
    return momento.isoformat() if momento else None


def situacao_em_json(execucao: Execucao) -> dict:
    """The job's status as the channel's `status` event carries it."""
    return {
        "id": str(execucao.pk),
        "processo_id": str(execucao.processo_id),
        "tipo": execucao.tipo,
        "status": execucao.status,
        "status_rotulo": execucao.get_status_display(),
        "iniciado_em": _iso(execucao.iniciado_em),
        "finalizado_em": _iso(execucao.finalizado_em),
        "erro": execucao.erro,
    }


def linha_em_json(linha: ExecucaoLog) -> dict:
    """One log line as the channel's `logs` event carries it."""
    return {"seq": linha.seq, "quando": _iso(linha.quando), "nivel": linha.nivel, "mensagem": linha.mensagem}


def _inteiro(parametros, nome: str, *, minimo: int, maximo: int | None = None) -> int | None:
    texto = parametros.get(nome)
    if texto in (None, ""):
        return None
    try:
        valor = int(texto)
    except ValueError:
        raise ValueError(f"O parâmetro “{nome}” precisa ser um número inteiro.") from None
    if valor < minimo or (maximo is not None and valor > maximo):
        faixa = f"entre {minimo} e {maximo}" if maximo is not None else f"a partir de {minimo}"
        raise ValueError(f"O parâmetro “{nome}” precisa estar {faixa}.")
    return valor


def _resposta(dados: dict, status: int = 200) -> JsonResponse:
    resposta = JsonResponse(dados, status=status, json_dumps_params={"ensure_ascii": False})
    resposta["Cache-Control"] = "private, no-store"
    return resposta


def _erro(status: int, mensagem: str) -> JsonResponse:
    return _resposta({"erro": mensagem}, status=status)


class PaginaDaExecucaoMixin:
    """The log tail, the live parts and the chain of attempts of ExecucaoAdmin's change page, and its JSON view."""

    def get_urls(self):
        nome = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/linhas/",
                self.admin_site.admin_view(require_GET(self.linhas_view)),
                name=f"{nome}_linhas",
            ),
            *super().get_urls(),
        ]

    def linhas_view(self, request, object_id):
        """`?antes=<seq>`: the lines before that one (older, for "Carregar anteriores"); `?depois=<seq>`: the lines
        after it (missed while the stream was away). `limite` lines at most (1 to 1000, 200 by default).
        The job's status comes along, so a page that was away learns it too."""
        execucao = self.get_object(request, unquote(object_id))
        if execucao is None:
            return _erro(404, "Execução não encontrada.")
        if not self.has_view_permission(request, execucao):
            return _erro(403, "Você não tem permissão para ver esta execução.")
        try:
            antes = _inteiro(request.GET, "antes", minimo=1)
            depois = _inteiro(request.GET, "depois", minimo=0)
            limite = _inteiro(request.GET, "limite", minimo=1, maximo=LINHAS_POR_PEDIDO) or LINHAS_NA_PAGINA
        except ValueError as erro:
            return _erro(400, str(erro))
        if (antes is None) == (depois is None):
            return _erro(400, "Informe “antes” (linhas anteriores) ou “depois” (linhas seguintes), e só um deles.")
        # One more than asked says whether there are more in that direction.
        if antes is not None:
            linhas = execucao_log_anteriores(execucao_id=execucao.pk, antes=antes, limite=limite + 1)
            mais = len(linhas) > limite
            linhas = linhas[-limite:]
        else:
            linhas = execucao_log_seguintes(execucao_id=execucao.pk, depois=depois, limite=limite + 1)
            mais = len(linhas) > limite
            linhas = linhas[:limite]
        return _resposta(
            {"linhas": [linha_em_json(linha) for linha in linhas], "mais": mais, "execucao": situacao_em_json(execucao)}
        )

    def contexto_da_pagina(self, request, execucao: Execucao) -> dict:
        """What the change page shows above the form: status bar, log tail, chain of attempts."""
        ultimas = execucao_log_ultimas(execucao=execucao, limite=LINHAS_NA_PAGINA + 1)
        ha_anteriores = len(ultimas) > LINHAS_NA_PAGINA
        ultimas = ultimas[-LINHAS_NA_PAGINA:]
        agora = timezone.now()
        site = self.admin_site.name
        pode_comandar = self.has_change_permission(request, execucao)
        log_inteiro = reverse(f"{site}:processos_execucaolog_changelist")
        return {
            "situacao_cor": Execucao.CORES.get(execucao.status),
            "duracao": formatar_duracao(execucao_duracao(execucao, agora)),
            "agora_iso": agora.isoformat(),
            # A job that is still live may come to be cancelled, or to fail and be re-run; an ended one never changes.
            "oferece_reexecutar": pode_comandar and execucao.status in (*Execucao.ATIVOS, *Execucao.REEXECUTAVEIS),
            "oferece_cancelar": pode_comandar and execucao.status in Execucao.ATIVOS,
            "log_linhas": ultimas,
            "log_ha_anteriores": ha_anteriores,
            "url_log_inteiro": f"{log_inteiro}?{FILTRO_DA_EXECUCAO}={execucao.pk}",
            "cadeia": self._cadeia(execucao),
            "execucao_config": {
                "canal": reverse("eventos:canal", args=[canal_execucao(execucao.pk)]),
                "linhas": reverse(f"{site}:processos_execucao_linhas", args=[execucao.pk]),
                "fuso": timezone.get_current_timezone_name(),
                "agora": agora.isoformat(),
                "linhasPorPagina": LINHAS_NA_PAGINA,
                "cores": {status: cor for status, cor in Execucao.CORES.items()},
                "rotulos": dict(E.choices),
                "ativos": list(Execucao.ATIVOS),
                "reexecutaveis": list(Execucao.REEXECUTAVEIS),
                "finais": list(FINAIS),
                "situacao": situacao_em_json(execucao),
            },
        }

    def _cadeia(self, execucao: Execucao) -> list[dict]:
        itens = []
        for item in execucao_cadeia(execucao=execucao):
            if item.pk == execucao.pk:
                relacao = "esta execução"
            elif item.pk == execucao.anterior_id:
                relacao = "tentativa anterior (esta a reexecuta)"
            elif item.anterior_id == execucao.pk:
                relacao = "reexecução desta"
            else:
                relacao = ""
            itens.append(
                {
                    "execucao": item,
                    "atual": item.pk == execucao.pk,
                    "relacao": relacao,
                    "cor": Execucao.CORES.get(item.status),
                    "url": reverse(f"{self.admin_site.name}:processos_execucao_change", args=[item.pk]),
                }
            )
        return itens
