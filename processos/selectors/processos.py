"""Reads of processes and robot jobs: what can be done to a process now, and the month in numbers.

The admin, the commands, the report and the schedule types read through these functions; none of them
builds its own query of processes or executions.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum

from ..models import Execucao, ExecucaoLog, Processo
from ..regras import STATUS_DO_PROCESSO, TRANSICOES

S = Processo.Status
E = Execucao.Status
T = Execucao.Tipo


# What can be done to a process now ------------------------------------------------------------------------

# Why a process gets no download: a code for machines, a label for a list, a sentence for one process.
FORA_DE_SITUACAO = "situacao"
SEM_ROBO = "sem_robo"
INATIVO = "inativo"
EM_ANDAMENTO = "em_andamento"
ROTULOS_SEM_DOWNLOAD = {
    FORA_DE_SITUACAO: ("em outra situação", "em outras situações"),
    SEM_ROBO: ("de operadora sem robô", "de operadoras sem robô"),
    INATIVO: ("de cliente ou operadora inativos", "de clientes ou operadoras inativos"),
    EM_ANDAMENTO: ("já com download em andamento", "já com download em andamento"),
}


def processo_motivo_sem_download(processo: Processo, *, com_andamento: bool = False) -> str | None:
    """Which condition of a download the process misses (one of the codes above); None when it can have one.

    With `com_andamento`, a live download counts too (one query); without it, only the process's own fields.
    """
    operadora = processo.cliente.operadora
    if processo.status != S.AGUARDANDO_DOWNLOAD:
        return FORA_DE_SITUACAO
    if not operadora.possui_rpa:
        return SEM_ROBO
    if not (processo.cliente.ativo and operadora.ativa):
        return INATIVO
    if com_andamento and T.DOWNLOAD_FATURA in processo_tipos_em_andamento(processo):
        return EM_ANDAMENTO
    return None


def frase_sem_download(processo: Processo, motivo: str) -> str:
    """The reason a process got no download, as the end of a sentence."""
    return {
        FORA_DE_SITUACAO: f"ele está em “{processo.get_status_display()}”, e só processos aguardando download "
        "têm fatura a baixar",
        SEM_ROBO: f"a operadora {processo.cliente.operadora} não tem robô; envie a fatura manualmente",
        INATIVO: "o cliente ou a operadora estão inativos",
        EM_ANDAMENTO: "já há um download em andamento",
    }[motivo]


def processo_recusa_execucao(processo: Processo, tipo: str) -> str | None:
    """Why a robot job of `tipo` cannot be asked for this process now, as a sentence; None when it can.

    Live jobs are not looked at: the unique index on live jobs refuses a second one when it is created.
    """
    if tipo == T.DOWNLOAD_FATURA:
        motivo = processo_motivo_sem_download(processo)
        if motivo == FORA_DE_SITUACAO:
            return f"Não é possível baixar a fatura de um processo em “{processo.get_status_display()}”."
        if motivo == SEM_ROBO:
            return (
                f"A operadora {processo.cliente.operadora} não tem robô: envie a fatura manualmente na página do "
                "processo."
            )
        if motivo == INATIVO:
            return "Cliente ou operadora inativos: não há o que baixar."
        return None
    if processo.status != STATUS_DO_PROCESSO[tipo]:
        return f"Não é possível enviar ao SAT de um processo em “{processo.get_status_display()}”."
    return None


def processo_pode_ir_para(processo: Processo, para: str) -> bool:
    """Whether the transition table lets the process move to `para` from where it is."""
    return para in TRANSICOES.get(processo.status, ())


def processo_pode_receber_fatura(processo: Processo) -> bool:
    return processo_pode_ir_para(processo, S.AGUARDANDO_APROVACAO)


def processo_pode_ser_aprovado(processo: Processo) -> bool:
    return processo_pode_ir_para(processo, S.AGUARDANDO_ENVIO_SAT)


def processo_pode_ser_rejeitado(processo: Processo) -> bool:
    return processo_pode_ir_para(processo, S.AGUARDANDO_DOWNLOAD)


def processo_execucoes_em_andamento(processo: Processo) -> list[Execucao]:
    return list(processo.execucoes.filter(status__in=Execucao.ATIVOS).order_by("criado_em"))


def processo_tipos_em_andamento(processo: Processo) -> set[str]:
    return set(processo.execucoes.filter(status__in=Execucao.ATIVOS).values_list("tipo", flat=True))


def competencia_anterior(competencia: dt.date) -> dt.date:
    """The first day of the month before `competencia`."""
    return (competencia - dt.timedelta(days=1)).replace(day=1)


def processo_anterior(processo: Processo) -> Processo | None:
    """The same client's process of the month before (for the change against last month's invoice)."""
    mes_anterior = competencia_anterior(processo.competencia)
    return Processo.objects.filter(cliente_id=processo.cliente_id, competencia=mes_anterior).first()


# Robot jobs ---------------------------------------------------------------------------------------------


def execucao_pode_ser_reexecutada(execucao: Execucao) -> bool:
    return execucao.status in Execucao.REEXECUTAVEIS


def execucao_pode_ser_cancelada(execucao: Execucao) -> bool:
    return execucao.status in Execucao.ATIVOS


def processos_candidatos_download(
    *,
    competencia: dt.date | None,
    operadoras: list[str] | None = None,
    processo_ids: list | None = None,
) -> QuerySet[Processo]:
    """Processes that may have their invoice downloaded: waiting for it, of an active client at an active
    operator with a robot; those of `processo_ids`, or of `competencia`, optionally of some operators."""
    candidatos = Processo.objects.filter(
        status=S.AGUARDANDO_DOWNLOAD,
        cliente__ativo=True,
        cliente__operadora__ativa=True,
        cliente__operadora__possui_rpa=True,
    )
    if processo_ids is not None:
        candidatos = candidatos.filter(pk__in=processo_ids)
    else:
        candidatos = candidatos.filter(competencia=competencia)
    if operadoras:
        candidatos = candidatos.filter(cliente__operadora__codigo__in=operadoras)
    return candidatos


def processos_sem_download_ativo(candidatos: QuerySet[Processo], *, todos: bool) -> QuerySet[Processo]:
    """The candidates without a live download, with `ultimo_id`, `ultimo_status` and `ultima_tentativa` of
    their latest download; without `todos`, those whose latest download failed are left out (they wait for
    a person or for the automatic re-run)."""
    ativos = Execucao.objects.filter(tipo=T.DOWNLOAD_FATURA, status__in=Execucao.ATIVOS)
    candidatos = candidatos.exclude(pk__in=ativos.values("processo_id"))
    ultimo = Execucao.objects.filter(processo=OuterRef("pk"), tipo=T.DOWNLOAD_FATURA).order_by("-criado_em")
    candidatos = candidatos.annotate(
        ultimo_id=Subquery(ultimo.values("pk")[:1]),
        ultimo_status=Subquery(ultimo.values("status")[:1]),
        ultima_tentativa=Subquery(ultimo.values("tentativa")[:1]),
    )
    if not todos:
        # Spelled out: NOT (x = 'FALHA') is NULL, not true, for a process that never had a download.
        outros = [status for status in E.values if status != E.FALHA]
        candidatos = candidatos.filter(Q(ultimo_status__isnull=True) | Q(ultimo_status__in=outros))
    return candidatos.order_by("cliente__operadora__nome", "cliente__razao_social")


def execucoes_log_anteriores_a(instante: dt.datetime) -> QuerySet[ExecucaoLog]:
    """Log lines older than `instante` (the cleanup deletes them in batches, by the index on `quando`)."""
    return ExecucaoLog.objects.filter(quando__lt=instante)


# The month in numbers -------------------------------------------------------------------------------------


@dataclass
class ResumoDoMes:
    """A month's processes per status and per operator, the failures nobody re-ran and the invoices due soon."""

    competencia: dt.date
    hoje: dt.date
    dias_vencimento: int
    total_processos: int = 0
    valor_total: Decimal = Decimal("0")
    por_status: dict[str, int] = field(default_factory=dict)
    por_operadora: list[dict] = field(default_factory=list)
    total_falhas: int = 0
    total_falhas_pendentes: int = 0
    falhas: list[Execucao] = field(default_factory=list)
    total_a_vencer: int = 0
    a_vencer: list[Processo] = field(default_factory=list)


def processos_resumo_do_mes(
    *, competencia: dt.date, hoje: dt.date, dias_vencimento: int, maximo_linhas: int = 100
) -> ResumoDoMes:
    """The month in numbers; at most `maximo_linhas` failures and invoices due are listed (all are counted)."""
    resumo = ResumoDoMes(competencia=competencia, hoje=hoje, dias_vencimento=dias_vencimento)
    processos = Processo.objects.filter(competencia=competencia)
    contagem = dict(processos.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    resumo.por_status = {status.value: contagem.get(status.value, 0) for status in S}
    resumo.total_processos = sum(contagem.values())
    resumo.valor_total = processos.aggregate(total=Sum("valor_total"))["total"] or Decimal("0")
    resumo.por_operadora = [
        {"operadora": linha["cliente__operadora__nome"], "n": linha["n"], "valor": linha["valor"] or Decimal("0")}
        for linha in processos.values("cliente__operadora__nome")
        .annotate(n=Count("id"), valor=Sum("valor_total"))
        .order_by("cliente__operadora__nome")
    ]

    falhas = Execucao.objects.filter(status=E.FALHA, processo__competencia=competencia)
    resumo.total_falhas = falhas.count()
    # Only failures nobody has re-run yet: the ones that still need someone.
    pendentes = (
        falhas.filter(reexecucoes__isnull=True)
        .select_related("processo__cliente__operadora")
        .order_by("processo__cliente__operadora__nome", "processo__cliente__razao_social")
    )
    resumo.total_falhas_pendentes = pendentes.count()
    resumo.falhas = list(pendentes[:maximo_linhas])

    # Any month's invoice counts here: a due date is urgent whatever the month, and overdue ones most of all.
    a_vencer = (
        Processo.objects.filter(vencimento__isnull=False, vencimento__lte=hoje + dt.timedelta(days=dias_vencimento))
        .exclude(status=S.UPLOAD_REALIZADO)
        .select_related("cliente__operadora")
        .order_by("vencimento", "cliente__razao_social")
    )
    resumo.total_a_vencer = a_vencer.count()
    resumo.a_vencer = list(a_vencer[:maximo_linhas])
    return resumo


def processos_do_mes_para_planilha(competencia: dt.date):
    """Every process of the month with its client and operator, in the spreadsheet's order, read in chunks."""
    return (
        Processo.objects.filter(competencia=competencia)
        .select_related("cliente__operadora")
        .order_by("cliente__operadora__nome", "cliente__razao_social", "cliente__conta")
        .iterator(chunk_size=2000)
    )
