"""Benchmark: monthly process creation against a plain INSERT ... SELECT, on PostgreSQL.

Run with `make bench` (or `.venv/bin/python bench/criar_processos.py [--clientes N]`). It creates a
throwaway database (`brm_bench`, or BRM_BENCH_DATABASE_NAME) on the server of DATABASE_URL, applies the
migrations, inserts N active clients across five operators, and times `processos_criar_mensais` against
the same rows inserted by hand-written SQL, alternating the two over a few rounds and taking the median.

Target: the service takes at most twice the plain SQL, and its number of queries is the same for 1,000
clients as for N. Exit status 0 when the target holds, 1 otherwise or when PostgreSQL cannot be reached.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comum import URL_PADRAO, banco_descartavel, conferir_postgres, falhar, numero, preparar_django  # noqa: E402

CLIENTES_PEQUENO = 1_000
RAZAO_MAXIMA = 2.0
LOTE = 5_000

# The reference: what a person would write by hand for the same rows, with nothing around it.
SQL_PURO = """
INSERT INTO processos_processo (
    id, created_at, updated_at, cliente_id, competencia, status,
    fatura, fatura_sha256, fatura_nome_original, numero_fatura, motivo_rejeicao, protocolo_sat
)
SELECT gen_random_uuid(), now(), now(), c.id, %s, 'AGUARDANDO_DOWNLOAD', '', '', '', '', '', ''
FROM clientes_cliente c JOIN operadoras_operadora o ON o.id = c.operadora_id
WHERE c.ativo AND o.ativa
ON CONFLICT (cliente_id, competencia) DO NOTHING
"""


def _criar_clientes(operadoras: list, inicio: int, quantidade: int) -> None:
    from stdnum.br import cnpj as stdnum_cnpj

    from clientes.models import Cliente

    for comeco in range(inicio, inicio + quantidade, LOTE):
        lote = []
        for i in range(comeco, min(comeco + LOTE, inicio + quantidade)):
            raiz = f"{i + 10_000_000:08d}0001"
            lote.append(
                Cliente(
                    razao_social=f"Cliente {i} Ltda",
                    cnpj=raiz + stdnum_cnpj.calc_check_digits(raiz),
                    operadora=operadoras[i % len(operadoras)],
                    conta=f"{i:010d}",
                    dia_emissao=1 + i % 28,
                )
            )
        Cliente.objects.bulk_create(lote)


def _analisar() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clientes_cliente")
        cursor.execute("ANALYZE operadoras_operadora")
        cursor.execute("ANALYZE processos_processo")


def _rodar_servico(competencia: dt.date) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from processos.services import processos_criar_mensais

    with CaptureQueriesContext(connection) as consultas:
        inicio = time.perf_counter()
        resultado = processos_criar_mensais(competencia=competencia)
        duracao = time.perf_counter() - inicio
    return duracao, resultado.criados, len(consultas)


def _rodar_sql_puro(competencia: dt.date) -> tuple[float, int]:
    from django.db import connection, transaction

    # In a transaction too, so both sides pay for one commit.
    inicio = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SQL_PURO, [competencia])
        criados = cursor.rowcount
    return time.perf_counter() - inicio, criados


def medir(total_clientes: int, rodadas: int) -> bool:
    from operadoras.models import Operadora

    operadoras = [
        Operadora.objects.create(nome=nome, codigo=nome.lower()) for nome in ("Vivo", "Claro", "TIM", "Oi", "Embratel")
    ]
    pequeno = min(CLIENTES_PEQUENO, total_clientes)
    _criar_clientes(operadoras, 0, pequeno)
    _analisar()
    _, criados_pequeno, consultas_pequeno = _rodar_servico(dt.date(2029, 12, 1))
    assert criados_pequeno == pequeno, (criados_pequeno, pequeno)

    _criar_clientes(operadoras, pequeno, total_clientes - pequeno)
    _analisar()
    print(f"Clientes ativos: {numero(total_clientes)} em {len(operadoras)} operadoras")

    tempos_servico, tempos_sql, consultas_grande = [], [], set()
    for rodada in range(rodadas):
        mes_servico = dt.date(2030 + rodada // 6, 2 * (rodada % 6) + 1, 1)
        mes_sql = mes_servico.replace(month=mes_servico.month + 1)
        # Alternate who goes first, so caches and table growth favour neither side.
        ordem = ("servico", "sql") if rodada % 2 == 0 else ("sql", "servico")
        for lado in ordem:
            if lado == "servico":
                duracao, criados, consultas = _rodar_servico(mes_servico)
                tempos_servico.append(duracao)
                consultas_grande.add(consultas)
            else:
                duracao, criados = _rodar_sql_puro(mes_sql)
                tempos_sql.append(duracao)
            if criados != total_clientes:
                falhar(f"{lado} criou {criados} processos em vez de {total_clientes}.")
        print(
            f"  rodada {rodada + 1}: serviço {numero(tempos_servico[-1], 3)} s · SQL puro {numero(tempos_sql[-1], 3)} s"
        )

    servico, sql = statistics.median(tempos_servico), statistics.median(tempos_sql)
    razao = servico / sql
    consultas_constantes = consultas_grande == {consultas_pequeno}
    print(f"Serviço processos_criar_mensais (mediana de {rodadas}): {numero(servico, 3)} s")
    print(f"SQL puro INSERT ... SELECT (mediana de {rodadas}): {numero(sql, 3)} s")
    print(f"Razão serviço / SQL puro: {numero(razao, 2)}")
    print(
        f"Consultas do serviço: {', '.join(map(str, sorted(consultas_grande)))} com {numero(total_clientes)} clientes;"
        f" {consultas_pequeno} com {numero(pequeno)} clientes"
    )
    ok = razao <= RAZAO_MAXIMA and consultas_constantes
    print(f"ALVO: razão <= {numero(RAZAO_MAXIMA)} e consultas constantes: {'OK' if ok else 'FALHOU'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clientes", type=int, default=50_000, help="clientes ativos a criar (padrão: 50000)")
    parser.add_argument("--rodadas", type=int, default=3, help="rodadas de cada lado (padrão: 3)")
    args = parser.parse_args()
    if args.clientes < 1 or args.rodadas < 1:
        parser.error("--clientes e --rodadas precisam ser positivos")

    url = os.environ.get("DATABASE_URL", URL_PADRAO)
    conferir_postgres(url)
    preparar_django(url, os.environ.get("BRM_BENCH_DATABASE_NAME", "brm_bench"))
    with banco_descartavel(url):
        ok = medir(args.clientes, args.rodadas)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
