"""The lists of processes, robot jobs, their logs and the processes' timeline, and their searches.

Each list is ordered by columns an index holds in that order, so a page reads only the rows it shows,
at any size. Each search turns the typed term into lookups an index answers (`brm.common.busca`):
a whole CNPJ is one exact match; words are matched against the client's name (a trigram index on
PostgreSQL) and exactly against its account and the invoice number, and the processes are then found
by client, never by testing every joined row. The indexes are in the migrations 0008 and 0009.
"""

import datetime as dt

from django.db import connections
from django.db.models import Q, QuerySet

from brm.common.busca import TermoDeBusca, termo_interpretar
from clientes.models import Cliente

from ..models import Execucao, ExecucaoEvento, ExecucaoLog, Processo, ProcessoEvento

# Newest month first. Both columns descending, so the index (competencia, cliente) is read backwards;
# (cliente, competencia) is unique, so the order is total and Django adds no tie-breaker of its own.
ORDEM_PROCESSOS = ("-competencia", "-cliente_id")
# The orders a list of processes may be read in, by name, each one an index's columns (forwards or backwards):
# (competencia, cliente), (status, competencia, cliente), (valor_total, competencia, cliente).
ORDENS_PROCESSOS = {
    "-competencia": ORDEM_PROCESSOS,
    "competencia": ("competencia", "cliente_id"),
    "status": ("status", "competencia", "cliente_id"),
    "-status": ("-status", "-competencia", "-cliente_id"),
    "valor_total": ("valor_total", "competencia", "cliente_id"),
    "-valor_total": ("-valor_total", "-competencia", "-cliente_id"),
}
ORDEM_EXECUCOES = ("-criado_em", "-id")
ORDEM_LOGS = ("-quando", "-id")
# One job's log reads in the robot's order; (execucao, seq) is unique.
ORDEM_LOGS_DA_EXECUCAO = ("execucao_id", "seq")


def processos_lista() -> QuerySet[Processo]:
    return Processo.objects.select_related("cliente__operadora").order_by(*ORDEM_PROCESSOS)


def processos_buscar(*, queryset: QuerySet[Processo], termo: str) -> QuerySet[Processo]:
    """The processes of `queryset` whose client matches `termo` (CNPJ, name, account) or with that invoice number."""
    busca = termo_interpretar(termo)
    if not busca.texto:
        return queryset
    if busca.cnpj:
        return queryset.filter(cliente__cnpj=busca.cnpj)
    # A union of two indexed lookups; an OR between them would test every process.
    por_cliente = Processo.objects.filter(cliente__in=_clientes(busca)).order_by().values("pk")
    por_fatura = Processo.objects.filter(numero_fatura=busca.texto).order_by().values("pk")
    return queryset.filter(pk__in=por_cliente.union(por_fatura))


def processos_competencias(*, limite: int = 24) -> list[dt.date]:
    """The months that have processes, newest first.

    Each step asks the index for the latest month before the previous one, so this costs `limite` index
    probes rather than a scan of every process for its distinct months.
    """
    banco = connections[Processo.objects.db]
    tabela = banco.ops.quote_name(Processo._meta.db_table)
    sql = f"""
        WITH RECURSIVE meses (competencia) AS (
            SELECT MAX(competencia) FROM {tabela}
            UNION ALL
            SELECT (SELECT MAX(p.competencia) FROM {tabela} p WHERE p.competencia < meses.competencia)
            FROM meses WHERE meses.competencia IS NOT NULL
        )
        SELECT competencia FROM meses WHERE competencia IS NOT NULL LIMIT %s
    """
    campo = Processo._meta.get_field("competencia")
    with banco.cursor() as cursor:
        cursor.execute(sql, [limite])
        return [campo.to_python(mes) for (mes,) in cursor.fetchall()]


def execucoes_lista() -> QuerySet[Execucao]:
    # The process and its client are in every job's name (`Execucao.__str__`).
    return Execucao.objects.select_related("processo__cliente").order_by(*ORDEM_EXECUCOES)


def execucoes_buscar(*, queryset: QuerySet[Execucao], termo: str) -> QuerySet[Execucao]:
    """The jobs of `queryset` for a client matching `termo` (CNPJ, name, account) or with that robot job id."""
    busca = termo_interpretar(termo)
    if not busca.texto:
        return queryset
    if busca.cnpj:
        return queryset.filter(processo__cliente__cnpj=busca.cnpj)
    por_cliente = Execucao.objects.filter(processo__cliente__in=_clientes(busca)).order_by().values("pk")
    por_job = Execucao.objects.filter(job_id=busca.texto).order_by().values("pk")
    return queryset.filter(pk__in=por_cliente.union(por_job))


def eventos_buscar(*, queryset: QuerySet[ProcessoEvento], termo: str) -> QuerySet[ProcessoEvento]:
    """The timeline rows of `queryset` for a client matching `termo` (CNPJ, name, account) or with it in the reason."""
    busca = termo_interpretar(termo)
    if not busca.texto:
        return queryset
    if busca.cnpj:
        return queryset.filter(processo__cliente__cnpj=busca.cnpj)
    por_cliente = ProcessoEvento.objects.filter(processo__cliente__in=_clientes(busca)).order_by().values("pk")
    por_motivo = ProcessoEvento.objects.filter(motivo__icontains=busca.texto).order_by().values("pk")
    return queryset.filter(pk__in=por_cliente.union(por_motivo))


def execucao_logs_lista() -> QuerySet[ExecucaoLog]:
    return ExecucaoLog.objects.select_related("execucao__processo__cliente").order_by(*ORDEM_LOGS)


def execucao_logs_buscar(
    *, queryset: QuerySet[ExecucaoLog], termo: str, execucao_id: str | None = None
) -> QuerySet[ExecucaoLog]:
    """Within one job, the lines whose message contains `termo`; across all jobs, the lines of the job with that id.

    A job has thousands of lines and its own index; a text search across every job's lines (millions) has
    no index to use, so it is not offered.
    """
    texto = termo.strip()
    if not texto:
        return queryset
    if execucao_id:
        return queryset.filter(execucao_id=execucao_id, mensagem__icontains=texto)
    return queryset.filter(execucao__in=Execucao.objects.filter(job_id=texto).values("pk"))


def execucao_log_ultimas(*, execucao: Execucao, limite: int) -> list[ExecucaoLog]:
    """The last `limite` lines of a job's log, in the order they were written."""
    ultimas = list(ExecucaoLog.objects.filter(execucao=execucao).order_by("-seq")[:limite])
    ultimas.reverse()
    return ultimas


def execucao_log_anteriores(*, execucao_id, antes: int, limite: int) -> list[ExecucaoLog]:
    """The `limite` lines of a job's log just before the line `antes`, in the order they were written."""
    linhas = list(ExecucaoLog.objects.filter(execucao_id=execucao_id, seq__lt=antes).order_by("-seq")[:limite])
    linhas.reverse()
    return linhas


def execucao_log_seguintes(
    *, execucao_id, depois: int, limite: int, niveis: list[str] | None = None
) -> list[ExecucaoLog]:
    """The first `limite` lines of a job's log after the line `depois`, in the order they were written; only those
    of `niveis` when given."""
    linhas = ExecucaoLog.objects.filter(execucao_id=execucao_id, seq__gt=depois)
    if niveis:
        linhas = linhas.filter(nivel__in=niveis)
    return list(linhas.order_by("seq")[:limite])


def execucao_historico(*, execucao_id) -> QuerySet[ExecucaoEvento]:
    """A job's status changes, oldest first, with who asked for each."""
    return ExecucaoEvento.objects.filter(execucao_id=execucao_id).select_related("por").order_by("quando", "created_at")


def _clientes(busca: TermoDeBusca) -> QuerySet[Cliente]:
    condicao = Q(razao_social__icontains=busca.texto) | Q(conta=busca.texto)
    if busca.prefixo_cnpj:
        condicao |= Q(cnpj__startswith=busca.prefixo_cnpj)
    return Cliente.objects.filter(condicao).order_by().values("pk")
