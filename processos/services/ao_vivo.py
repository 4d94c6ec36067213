"""What the open pages are told when a process or a robot job changes: the events of `brm.eventos`.

Called only from the places where those changes happen (`transicoes`, `criacao`, `execucao_estado`, and the
log lines of `acompanhamento`); every event goes out after the transaction commits.

- on `painel`: `processo` (one process changed status), `processos` (a month's processes were created),
  `execucao` (one job changed status) and `execucoes` (many jobs at once, summed up in one event);
- on `execucao-<id>`: `status` (the job's status, times and error) and `logs` (new log lines, in batches).
"""

from brm.eventos.canais import CANAL_PAINEL, canal_execucao
from brm.eventos.publicacao import publicar, publicar_apos_commit

from ..models import Execucao, Processo

# Above this many jobs changed by one call, the painel gets one event summing them up instead of one each.
LIMITE_EVENTOS_INDIVIDUAIS = 50
# Log lines per `logs` event: a burst of thousands of lines goes as a few events, never one per line.
LINHAS_POR_EVENTO = 500


def _iso(momento) -> str | None:
    return momento.isoformat() if momento else None


def processo_publicar(*, processo: Processo, de: str) -> None:
    publicar(
        CANAL_PAINEL,
        "processo",
        {
            "id": str(processo.pk),
            "status": processo.status,
            "status_rotulo": Processo.Status(processo.status).label,
            "de": de,
            "competencia": processo.competencia.isoformat(),
        },
    )


def processos_criados_publicar(*, competencia, quantidade: int) -> None:
    if quantidade:
        publicar(CANAL_PAINEL, "processos", {"competencia": competencia.isoformat(), "criados": quantidade})


def execucoes_publicar(*, de_por_id: dict) -> None:
    """The jobs in `de_por_id` (id → the status each left, "" when just created) changed status."""
    if not de_por_id:
        return

    def montar():
        linhas = Execucao.objects.filter(pk__in=list(de_por_id)).values(
            "pk", "processo_id", "tipo", "status", "iniciado_em", "finalizado_em", "erro"
        )
        eventos = []
        for linha in linhas:
            dados = {
                "id": str(linha["pk"]),
                "processo_id": str(linha["processo_id"]),
                "tipo": linha["tipo"],
                "status": linha["status"],
                "status_rotulo": Execucao.Status(linha["status"]).label,
                "de": de_por_id[linha["pk"]],
            }
            eventos.append(
                (
                    canal_execucao(linha["pk"]),
                    "status",
                    {
                        **dados,
                        "iniciado_em": _iso(linha["iniciado_em"]),
                        "finalizado_em": _iso(linha["finalizado_em"]),
                        "erro": linha["erro"],
                    },
                )
            )
            if len(de_por_id) <= LIMITE_EVENTOS_INDIVIDUAIS:
                eventos.append((CANAL_PAINEL, "execucao", dados))
        if len(de_por_id) > LIMITE_EVENTOS_INDIVIDUAIS:
            eventos.append((CANAL_PAINEL, "execucoes", {"quantidade": len(de_por_id)}))
        return eventos

    publicar_apos_commit(montar)


def execucoes_criadas_publicar(*, ids: list) -> None:
    """New jobs are queued: the painel is told (their own pages do not exist yet)."""
    if len(ids) > LIMITE_EVENTOS_INDIVIDUAIS:
        publicar(CANAL_PAINEL, "execucoes", {"quantidade": len(ids)})
    elif ids:
        execucoes_publicar(de_por_id=dict.fromkeys(ids, ""))


def execucao_logs_publicar(*, execucao_id, linhas: list) -> None:
    """New log lines of one job, `LINHAS_POR_EVENTO` at a time, in the order of their sequence."""
    canal = canal_execucao(execucao_id)
    linhas = sorted(linhas, key=lambda linha: linha.seq)
    for inicio in range(0, len(linhas), LINHAS_POR_EVENTO):
        publicar(
            canal,
            "logs",
            {
                "execucao": str(execucao_id),
                "linhas": [
                    {"seq": linha.seq, "quando": _iso(linha.quando), "nivel": linha.nivel, "mensagem": linha.mensagem}
                    for linha in linhas[inicio : inicio + LINHAS_POR_EVENTO]
                ],
            },
        )
