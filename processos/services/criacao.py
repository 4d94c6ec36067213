"""Monthly creation of processes: one set-based statement, whatever the number of clients."""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from brm.common.errors import ErroDeNegocio
from brm.common.formatacao import formatar_competencia
from brm.usuarios.models import Usuario
from clientes.models import Cliente
from operadoras.models import Operadora

from ..models import Processo, ProcessoEvento
from .ao_vivo import processo_publicar, processos_criados_publicar


@dataclass(frozen=True)
class ResultadoCriacao:
    competencia: dt.date
    elegiveis: int
    criados: int
    dry_run: bool

    @property
    def existentes(self) -> int:
        return self.elegiveis - self.criados


def competencia_atual() -> dt.date:
    """The first day of the current month in America/Sao_Paulo (at 22:00 on the 31st it is still that month)."""
    return timezone.localdate().replace(day=1)


def _novo_uuid_sql() -> str:
    if connection.vendor == "postgresql":
        return "gen_random_uuid()"
    # SQLite keeps UUIDs as 32 hex characters; these are random version-4 UUIDs.
    return (
        "lower(hex(randomblob(4)) || hex(randomblob(2)) || '4' || substr(hex(randomblob(2)), 2)"
        " || substr('89ab', 1 + (abs(random()) %% 4), 1) || substr(hex(randomblob(2)), 2) || hex(randomblob(6)))"
    )


def _tabelas() -> dict[str, str]:
    q = connection.ops.quote_name
    return {
        "processo": q(Processo._meta.db_table),
        "cliente": q(Cliente._meta.db_table),
        "operadora": q(Operadora._meta.db_table),
    }


def _filtro_elegiveis(cliente_ids: list | None) -> tuple[str, list]:
    where = "c.ativo = %s AND o.ativa = %s"
    params: list = [True, True]
    if cliente_ids is not None:
        where += f" AND c.id IN ({', '.join(['%s'] * len(cliente_ids))})"
        params += [Cliente._meta.pk.get_db_prep_value(pk, connection) for pk in cliente_ids]
    return where, params


@transaction.atomic
def processos_criar_mensais(
    *, competencia: dt.date | None = None, dry_run: bool = False, cliente_ids: list | None = None
) -> ResultadoCriacao:
    """Create the month's process for every active client of an active operator.

    One `INSERT ... SELECT ... ON CONFLICT DO NOTHING`: the unique (cliente, competencia) constraint makes
    it idempotent, also when two runs happen at once. `cliente_ids` limits it to some clients.
    """
    competencia = (competencia or competencia_atual()).replace(day=1)
    if cliente_ids is not None and not cliente_ids:
        return ResultadoCriacao(competencia=competencia, elegiveis=0, criados=0, dry_run=dry_run)
    t = _tabelas()
    where, params = _filtro_elegiveis(cliente_ids)
    competencia_db = connection.ops.adapt_datefield_value(competencia)
    agora = connection.ops.adapt_datetimefield_value(timezone.now())
    clientes = f"FROM {t['cliente']} c JOIN {t['operadora']} o ON o.id = c.operadora_id"

    with connection.cursor() as cursor:
        if dry_run:
            cursor.execute(
                f"SELECT COUNT(*), COUNT(p.id) {clientes}"
                f" LEFT JOIN {t['processo']} p ON p.cliente_id = c.id AND p.competencia = %s WHERE {where}",
                [competencia_db, *params],
            )
            elegiveis, existentes = cursor.fetchone()
            return ResultadoCriacao(
                competencia=competencia, elegiveis=elegiveis, criados=elegiveis - existentes, dry_run=True
            )
        cursor.execute(f"SELECT COUNT(*) {clientes} WHERE {where}", params)
        (elegiveis,) = cursor.fetchone()
        cursor.execute(
            f"""
            INSERT INTO {t["processo"]} (
                id, created_at, updated_at, cliente_id, competencia, status,
                fatura, fatura_sha256, fatura_nome_original, numero_fatura, motivo_rejeicao, protocolo_sat
            )
            SELECT {_novo_uuid_sql()}, %s, %s, c.id, %s, %s, '', '', '', '', '', ''
            {clientes} WHERE {where}
            ON CONFLICT (cliente_id, competencia) DO NOTHING
            """,
            [agora, agora, competencia_db, Processo.Status.AGUARDANDO_DOWNLOAD, *params],
        )
        criados = cursor.rowcount
    processos_criados_publicar(competencia=competencia, quantidade=criados)
    return ResultadoCriacao(competencia=competencia, elegiveis=elegiveis, criados=criados, dry_run=False)


@transaction.atomic
def processo_criar(*, cliente: Cliente, competencia: dt.date, por: Usuario | None) -> Processo:
    """One process typed in by a person, with the first event of its timeline.

    The month is the first day of `competencia`'s month; a second process for the same client and month
    is refused with a clear sentence, and nothing is written.
    """
    if por is not None and not por.has_perm("processos.add_processo"):
        raise ErroDeNegocio("Você não tem permissão para criar processos.", codigo=ErroDeNegocio.PERMISSAO)
    competencia = competencia.replace(day=1)
    processo = Processo(cliente=cliente, competencia=competencia)
    try:
        with transaction.atomic():
            processo.save(force_insert=True)
    except IntegrityError as exc:
        raise ErroDeNegocio(
            f"Já existe um processo de {cliente} para {formatar_competencia(competencia)}.",
            codigo=ErroDeNegocio.CONFLITO,
            dados={"cliente": str(cliente.pk), "competencia": f"{competencia:%Y-%m}"},
        ) from exc
    ProcessoEvento.objects.create(
        processo=processo, de="", para=processo.status, por=por, motivo="Processo criado manualmente."
    )
    processo_publicar(processo=processo, de="")
    return processo
