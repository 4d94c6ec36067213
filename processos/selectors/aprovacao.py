"""The approval queue: which invoices wait, in which order, and what a person should look at twice.

The flags of an invoice (its amount changed more than `BRM_APROVACAO_VARIACAO_ALERTA_PCT` against the same
client's invoice of the month before; the same file already belongs to another process) are computed here
only, so the queue page, the approval service, the admin and a future API apply one rule.

The queue is ordered by due date (soonest first, invoices without one last), then month, then id: a total
order read off `processo_fila_aprovacao_idx`, a partial index of the invoices waiting. "The next invoice"
after a decision is the first one after the decided invoice's place in that order (`fila_seguinte`), so
it does not depend on the page the person had in front of them.
"""

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import connections
from django.db.models import Count, F, Q, QuerySet

from brm.common.formatacao import formatar_competencia
from brm.usuarios.models import Usuario

from ..models import Processo, ProcessoEvento
from .processos import competencia_anterior, processo_anterior

S = Processo.Status

ORDEM_FILA = (F("vencimento").asc(nulls_last=True), "competencia", "id")
ORDEM_FILA_INVERSA = (F("vencimento").desc(nulls_first=True), "-competencia", "-id")
_CEM = Decimal(100)
_DECIMO = Decimal("0.1")


# Flags ------------------------------------------------------------------------------------------------------------


def aprovacao_limite_variacao() -> Decimal:
    """The change against last month's invoice (in %, up or down) above which an invoice is flagged."""
    return Decimal(str(settings.BRM_APROVACAO_VARIACAO_ALERTA_PCT))


@dataclass(frozen=True)
class AlertasDaFatura:
    """What an approver should look at twice before approving an invoice.

    `variacao_pct` is the signed change of `valor_total` against the same client's invoice of the month
    before, rounded to one decimal (None when either amount is missing or last month's is zero);
    `duplicatas` counts the other processes that hold the same file (same SHA-256).
    """

    limite_pct: Decimal
    anterior_id: uuid.UUID | None = None
    anterior_competencia: dt.date | None = None
    valor_anterior: Decimal | None = None
    variacao_pct: Decimal | None = None
    variacao_acima_do_limite: bool = False
    duplicatas: int = 0

    @property
    def duplicada(self) -> bool:
        return self.duplicatas > 0

    @property
    def sinalizada(self) -> bool:
        """Approving it needs a justification."""
        return self.variacao_acima_do_limite or self.duplicada

    @property
    def variacao_texto(self) -> str:
        """`+35,2%`, `-8,0%`, `0,0%`; `—` when there is nothing to compare."""
        if self.variacao_pct is None:
            return "—"
        sinal = "+" if self.variacao_pct > 0 else ""
        return f"{sinal}{self.variacao_pct:.1f}%".replace(".", ",")

    @property
    def motivos(self) -> list[str]:
        """Each flag as a sentence, for the page and for the refusal of an approval without justification."""
        motivos = []
        if self.variacao_acima_do_limite:
            limite = f"{self.limite_pct.normalize():f}".replace(".", ",")
            motivos.append(
                f"o valor variou {self.variacao_texto} em relação à fatura de "
                f"{formatar_competencia(self.anterior_competencia)} (limite: {limite}%)"
            )
        if self.duplicada:
            outros = "outro processo" if self.duplicatas == 1 else f"outros {self.duplicatas} processos"
            motivos.append(f"o mesmo arquivo (SHA-256) já pertence a {outros}")
        return motivos


def _variacao(atual: Decimal | None, anterior: Decimal | None) -> Decimal | None:
    if atual is None or anterior is None or anterior == 0:
        return None
    return (atual - anterior) * _CEM / anterior


def _alertas(processo: Processo, anterior: Processo | None, duplicatas: int, limite: Decimal) -> AlertasDaFatura:
    valor_anterior = anterior.valor_total if anterior else None
    variacao = _variacao(processo.valor_total, valor_anterior)
    return AlertasDaFatura(
        limite_pct=limite,
        anterior_id=anterior.pk if anterior else None,
        anterior_competencia=anterior.competencia if anterior else None,
        valor_anterior=valor_anterior,
        variacao_pct=None if variacao is None else variacao.quantize(_DECIMO, rounding=ROUND_HALF_UP),
        # The unrounded change: 20.04% is above a 20% limit even though it reads as 20,0%.
        variacao_acima_do_limite=variacao is not None and abs(variacao) > limite,
        duplicatas=duplicatas,
    )


def processo_alertas(processo: Processo) -> AlertasDaFatura:
    """The flags of one invoice, from the values of `processo` as given (two queries)."""
    duplicatas = 0
    if processo.fatura_sha256:
        duplicatas = Processo.objects.filter(fatura_sha256=processo.fatura_sha256).exclude(pk=processo.pk).count()
    return _alertas(processo, processo_anterior(processo), duplicatas, aprovacao_limite_variacao())


def processos_alertas(processos: Iterable[Processo]) -> dict[uuid.UUID, AlertasDaFatura]:
    """The flags of many invoices (a page of the queue) in two queries, however many they are."""
    processos = list(processos)
    if not processos:
        return {}
    # Every client's processes of every month before: a few more rows than needed at most (the unique index
    # (cliente, competencia) answers it), picked by (client, month) below.
    anteriores = {
        (anterior.cliente_id, anterior.competencia): anterior
        for anterior in Processo.objects.filter(
            cliente_id__in={p.cliente_id for p in processos},
            competencia__in={competencia_anterior(p.competencia) for p in processos},
        )
        .order_by()
        .only("id", "cliente_id", "competencia", "valor_total")
    }
    shas = {p.fatura_sha256 for p in processos if p.fatura_sha256}
    # Each process counts itself among those with its file: one more than its duplicates.
    com_o_mesmo_arquivo = dict(
        Processo.objects.filter(fatura_sha256__in=shas)
        .order_by()
        .values("fatura_sha256")
        .annotate(n=Count("id"))
        .values_list("fatura_sha256", "n")
    )
    limite = aprovacao_limite_variacao()
    return {
        p.pk: _alertas(
            p,
            anteriores.get((p.cliente_id, competencia_anterior(p.competencia))),
            max(com_o_mesmo_arquivo.get(p.fatura_sha256, 1) - 1, 0) if p.fatura_sha256 else 0,
            limite,
        )
        for p in processos
    }


def processo_duplicatas(processo: Processo, *, limite: int = 5) -> list[Processo]:
    """The other processes that hold the same file, newest month first, at most `limite`."""
    if not processo.fatura_sha256:
        return []
    return list(
        Processo.objects.filter(fatura_sha256=processo.fatura_sha256)
        .exclude(pk=processo.pk)
        .select_related("cliente__operadora")
        .order_by("-competencia", "id")[:limite]
    )


def processo_enviado_por(processo: Processo) -> Usuario | None:
    """Who put the current invoice in the process by hand; None when the robot downloaded it.

    It is the author of the latest move to "waiting approval": a rejected invoice's uploader does not count
    once a new invoice has come.
    """
    evento = (
        ProcessoEvento.objects.filter(processo=processo, para=S.AGUARDANDO_APROVACAO)
        .select_related("por")
        .order_by("-quando", "-created_at")
        .first()
    )
    return evento.por if evento else None


# The queue --------------------------------------------------------------------------------------------------------


class ChaveNaFila(NamedTuple):
    """An invoice's place in the queue's order; kept before a decision, since rejecting clears the due date."""

    vencimento: dt.date | None
    competencia: dt.date
    id: uuid.UUID


def fila_chave(processo: Processo) -> ChaveNaFila:
    return ChaveNaFila(processo.vencimento, processo.competencia, processo.pk)


def fila_aprovacao(*, competencia: dt.date | None = None, operadora_id: uuid.UUID | None = None) -> QuerySet[Processo]:
    """The invoices waiting approval, of one month and one operator when given, in the queue's order."""
    fila = Processo.objects.filter(status=S.AGUARDANDO_APROVACAO)
    if competencia is not None:
        fila = fila.filter(competencia=competencia)
    if operadora_id is not None:
        fila = fila.filter(cliente__operadora_id=operadora_id)
    return fila.select_related("cliente__operadora").order_by(*ORDEM_FILA)


def _antes(chave: ChaveNaFila) -> Q:
    """The rows that come before `chave` in ORDEM_FILA (due dates missing last)."""
    mesmo_mes_antes = Q(competencia__lt=chave.competencia) | Q(competencia=chave.competencia, id__lt=chave.id)
    if chave.vencimento is None:
        return Q(vencimento__isnull=False) | (Q(vencimento__isnull=True) & mesmo_mes_antes)
    return Q(vencimento__lt=chave.vencimento) | (Q(vencimento=chave.vencimento) & mesmo_mes_antes)


def _depois(chave: ChaveNaFila) -> Q:
    """The rows that come after `chave` in ORDEM_FILA."""
    mesmo_mes_depois = Q(competencia__gt=chave.competencia) | Q(competencia=chave.competencia, id__gt=chave.id)
    if chave.vencimento is None:
        return Q(vencimento__isnull=True) & mesmo_mes_depois
    return (
        Q(vencimento__gt=chave.vencimento)
        | Q(vencimento__isnull=True)
        | (Q(vencimento=chave.vencimento) & mesmo_mes_depois)
    )


def fila_posicao(fila: QuerySet[Processo], chave: ChaveNaFila) -> int:
    """How many invoices of `fila` come before `chave` (the open invoice's page is this over the page size)."""
    return fila.filter(_antes(chave)).order_by().count()


def fila_seguinte(fila: QuerySet[Processo], chave: ChaveNaFila) -> Processo | None:
    """The invoice of `fila` that comes right after `chave` (which may have left the queue already)."""
    return fila.filter(_depois(chave)).first()


def fila_anterior(fila: QuerySet[Processo], chave: ChaveNaFila) -> Processo | None:
    """The invoice of `fila` that comes right before `chave`."""
    return fila.filter(_antes(chave)).order_by(*ORDEM_FILA_INVERSA).first()


def fila_competencias(*, limite: int = 24) -> list[dt.date]:
    """The months that have invoices waiting approval, newest first.

    Each step asks the index (status, competencia, cliente) for the latest month before the previous one, so
    this costs at most `limite` index probes however many invoices wait.
    """
    banco = connections[Processo.objects.db]
    tabela = banco.ops.quote_name(Processo._meta.db_table)
    sql = f"""
        WITH RECURSIVE meses (competencia) AS (
            SELECT MAX(competencia) FROM {tabela} WHERE status = %s
            UNION ALL
            SELECT (
                SELECT MAX(p.competencia) FROM {tabela} p WHERE p.status = %s AND p.competencia < meses.competencia
            )
            FROM meses WHERE meses.competencia IS NOT NULL
        )
        SELECT competencia FROM meses WHERE competencia IS NOT NULL LIMIT %s
    """
    campo = Processo._meta.get_field("competencia")
    with banco.cursor() as cursor:
        cursor.execute(sql, [S.AGUARDANDO_APROVACAO.value, S.AGUARDANDO_APROVACAO.value, limite])
        return [campo.to_python(mes) for (mes,) in cursor.fetchall()]
