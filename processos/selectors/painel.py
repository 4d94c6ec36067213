"""Reads of the painel: a month by status and operator, invoices late or due soon, the robot's jobs now and the
failures that still wait for a re-run.

Each count is one aggregate query, whatever the number of processes; each list is bounded by its caller. The
filters that the admin's lists offer for the same sets (`processos.admin.filtros`) call these same functions,
so a number on the painel and the list behind it cannot disagree.
"""

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from ..models import Execucao, Processo
from ..regras import STATUS_DO_PROCESSO

S = Processo.Status
E = Execucao.Status


# A month by status and operator ---------------------------------------------------------------------------


@dataclass
class ContagemDaOperadora:
    """One operator's processes of a month, per status (every status present, zero included)."""

    operadora_id: object
    nome: str
    codigo: str
    por_status: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.por_status.values())


@dataclass
class ContagemDoMes:
    competencia: dt.date
    por_status: dict[str, int] = field(default_factory=dict)
    por_operadora: list[ContagemDaOperadora] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.por_status.values())


def processos_contagem_do_mes(*, competencia: dt.date) -> ContagemDoMes:
    """The month's processes per status, overall and per operator (by name), from one GROUP BY."""
    linhas = (
        Processo.objects.filter(competencia=competencia)
        .values("cliente__operadora_id", "cliente__operadora__nome", "cliente__operadora__codigo", "status")
        .annotate(n=Count("id"))
        .order_by("cliente__operadora__nome", "status")
    )
    contagem = ContagemDoMes(competencia=competencia, por_status=dict.fromkeys(S.values, 0))
    operadoras: dict[object, ContagemDaOperadora] = {}
    for linha in linhas:
        operadora_id = linha["cliente__operadora_id"]
        if operadora_id not in operadoras:
            operadoras[operadora_id] = ContagemDaOperadora(
                operadora_id=operadora_id,
                nome=linha["cliente__operadora__nome"],
                codigo=linha["cliente__operadora__codigo"],
                por_status=dict.fromkeys(S.values, 0),
            )
        operadoras[operadora_id].por_status[linha["status"]] += linha["n"]
        contagem.por_status[linha["status"]] += linha["n"]
    contagem.por_operadora = list(operadoras.values())
    return contagem


# Invoices that should already have arrived ----------------------------------------------------------------


def processos_atrasados(*, hoje: dt.date, queryset: QuerySet[Processo] | None = None) -> QuerySet[Processo]:
    """The processes (of `queryset`, or all) still waiting for their invoice after the day it was expected.

    The day is the client account's `dia_emissao`, or else its operator's; with neither, an invoice is never
    late. It is a day of the process's own month (a month shorter than the day ends on its last day): a process
    of an earlier month than `hoje`'s is late once a day is known, one of `hoje`'s month when that day has
    passed, one of a later month never. Inactive clients and operators are not waited for. `hoje` is the date
    in America/Sao_Paulo (`timezone.localdate()`): at 22:00 on the 10th in São Paulo it is already the 11th in
    UTC, and the invoice expected on the 10th is not late yet. Annotated with `dia_esperado`.
    """
    queryset = Processo.objects.all() if queryset is None else queryset
    mes_atual = hoje.replace(day=1)
    return (
        queryset.filter(status=S.AGUARDANDO_DOWNLOAD, cliente__ativo=True, cliente__operadora__ativa=True)
        .annotate(dia_esperado=Coalesce("cliente__dia_emissao", "cliente__operadora__dia_emissao"))
        # In `hoje`'s month a day beyond its length (31 in November) is never below hoje.day: no clamping needed.
        .filter(
            Q(competencia__lt=mes_atual, dia_esperado__isnull=False)
            | Q(competencia=mes_atual, dia_esperado__lt=hoje.day)
        )
    )


def processo_data_esperada(processo: Processo) -> dt.date | None:
    """The date the invoice of a process from `processos_atrasados` was expected: its day in the process's month."""
    dia = getattr(processo, "dia_esperado", None)
    if dia is None:
        return None
    ultimo = calendar.monthrange(processo.competencia.year, processo.competencia.month)[1]
    return processo.competencia.replace(day=min(dia, ultimo))


# Invoices waiting approval close to their due date ---------------------------------------------------------


def processos_vencimento_proximo(*, hoje: dt.date, dias: int) -> QuerySet[Processo]:
    """Invoices waiting approval whose due date is at most `dias` days after `hoje`, those already overdue
    included, of any month: a due date does not wait for the month someone is looking at."""
    limite = processos_vencimento_limite(hoje=hoje, dias=dias)
    return Processo.objects.filter(status=S.AGUARDANDO_APROVACAO, vencimento__lte=limite)


def processos_vencimento_limite(*, hoje: dt.date, dias: int) -> dt.date:
    """The last due date that counts as close (`hoje + dias`)."""
    return hoje + dt.timedelta(days=dias)


# The robot's jobs now ---------------------------------------------------------------------------------------


def execucoes_ativas() -> QuerySet[Execucao]:
    """Jobs waiting for a slot, being sent or running at the robot, oldest first."""
    return Execucao.objects.filter(status__in=Execucao.ATIVOS).order_by("criado_em", "id")


def execucoes_ativas_contagem() -> dict[str, int]:
    """How many jobs are in each live status (every live status present), from one GROUP BY."""
    contagem = dict.fromkeys(Execucao.ATIVOS, 0)
    linhas = Execucao.objects.filter(status__in=Execucao.ATIVOS).values("status").annotate(n=Count("id")).order_by()
    for linha in linhas:
        contagem[linha["status"]] = linha["n"]
    return {str(status): n for status, n in contagem.items()}


def execucoes_falhas_a_reexecutar(queryset: QuerySet[Execucao] | None = None) -> QuerySet[Execucao]:
    """The failed jobs (of `queryset`, or all) that still wait for someone: nobody has re-run them, their process
    is still where that kind of job acts, and no other job of that kind is live for it. A failed download
    of an invoice since uploaded by hand, or one already re-run, needs nobody."""
    queryset = Execucao.objects.all() if queryset is None else queryset
    reexecutada = Execucao.objects.filter(anterior=OuterRef("pk"))
    outra_ativa = Execucao.objects.filter(
        processo=OuterRef("processo"), tipo=OuterRef("tipo"), status__in=Execucao.ATIVOS
    )
    ainda_cabe = Q()
    for tipo, status in STATUS_DO_PROCESSO.items():
        ainda_cabe |= Q(tipo=tipo, processo__status=status)
    return queryset.filter(ainda_cabe, status=E.FALHA).exclude(Exists(reexecutada)).exclude(Exists(outra_ativa))


# The painel in short, for other systems ----------------------------------------------------------------------


@dataclass
class ResumoDoPainel:
    """What the painel counts for a month, with the first rows of each short list (`limite` of them)."""

    competencia: dt.date
    hoje: dt.date
    contagem: ContagemDoMes
    atrasadas_total: int
    atrasadas: list[Processo]
    vencimento_limite: dt.date
    vencimento_total: int
    vencimento: list[Processo]
    ativas_por_status: dict[str, int]
    ativas: list[Execucao]
    falhas_total: int
    falhas: list[Execucao]


def painel_resumo(*, competencia: dt.date, hoje: dt.date, dias_vencimento: int, limite: int = 10) -> ResumoDoPainel:
    """The painel's numbers for `competencia` and the first `limite` rows of each of its lists, read by the same
    selectors as the painel page (a fixed number of queries)."""
    atrasadas = processos_atrasados(hoje=hoje).filter(competencia=competencia)
    vencimento = processos_vencimento_proximo(hoje=hoje, dias=dias_vencimento)
    falhas = execucoes_falhas_a_reexecutar()
    ativas_por_status = execucoes_ativas_contagem()
    return ResumoDoPainel(
        competencia=competencia,
        hoje=hoje,
        contagem=processos_contagem_do_mes(competencia=competencia),
        atrasadas_total=atrasadas.count(),
        atrasadas=list(
            atrasadas.select_related("cliente__operadora").order_by("dia_esperado", "cliente__razao_social")[:limite]
        ),
        vencimento_limite=processos_vencimento_limite(hoje=hoje, dias=dias_vencimento),
        vencimento_total=vencimento.count(),
        vencimento=list(
            vencimento.select_related("cliente__operadora").order_by("vencimento", "cliente__razao_social")[:limite]
        ),
        ativas_por_status=ativas_por_status,
        ativas=list(execucoes_ativas().select_related("processo__cliente__operadora")[:limite]),
        falhas_total=falhas.count(),
        falhas=list(falhas.select_related("processo__cliente__operadora").order_by("-criado_em", "-id")[:limite]),
    )
