"""Benchmark: the approval queue page (/aprovacao/) with 10,000 invoices waiting, on PostgreSQL.

Run with `make bench` (or `.venv/bin/python bench/aprovacao.py [--faturas 10000] [--poucas 100] [--pedidos 50]`).
In a throwaway database (`brm_bench_aprovacao`, or BRM_BENCH_APROVACAO_DATABASE_NAME) on the server of
DATABASE_URL it first makes `--poucas` invoices waiting approval, then grows them to `--faturas`. Every invoice
is a client's month with last month's invoice beside it (most changed more than the alert limit), one in fifty
has the same file as another, one in a hundred has no due date and one in ten was uploaded by hand.

At each size it opens the queue with Django's test client, signed in as an approver (not a superuser, so the
permission checks run as in real life): unfiltered (the first invoice open), with an invoice from the middle
of the queue open, the last page, and filtered by operator and month. Printed per page: the server time of
`--pedidos` requests after one warm-up, p50 and p95 (the whole server side: middleware, session, queries,
templates), and the number of queries.

Target: the number of queries of each page the same with few and with many invoices, and every p95 at most
300 ms. Exit status 0 when the target holds, 1 otherwise or when PostgreSQL cannot be reached.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comum import URL_PADRAO, banco_descartavel, conferir_postgres, falhar, numero, preparar_django  # noqa: E402

ALVO_P95_MS = 300
COMPETENCIA = dt.date(2026, 11, 1)
MES_ANTERIOR = dt.date(2026, 10, 1)
OPERADORAS = ("Vivo", "Claro", "TIM", "Oi", "Embratel")


def criar_faturas(inicio: int, quantidade: int, operadoras: list, enviou) -> None:
    """Invoices `inicio` to `inicio + quantidade - 1` waiting approval, each with its client and last month's."""
    from clientes.models import Cliente
    from processos.models import Processo, ProcessoEvento
    from tests.factories import cnpj_valido

    S = Processo.Status
    faixa = range(inicio, inicio + quantidade)
    clientes = Cliente.objects.bulk_create(
        Cliente(
            razao_social=f"Cliente {i} Comércio Ltda",
            cnpj=cnpj_valido(),
            operadora=operadoras[i % len(operadoras)],
            conta=f"{i:08d}",
        )
        for i in faixa
    )
    Processo.objects.bulk_create(
        Processo(
            cliente=cliente,
            competencia=MES_ANTERIOR,
            status=S.UPLOAD_REALIZADO,
            valor_total=Decimal("100.00"),
            fatura_sha256=f"a{i:063x}",
        )
        for i, cliente in zip(faixa, clientes, strict=True)
    )
    esperando = Processo.objects.bulk_create(
        Processo(
            cliente=cliente,
            competencia=COMPETENCIA,
            status=S.AGUARDANDO_APROVACAO,
            fatura=f"faturas/2026-11/{i}.pdf",
            # One in fifty has the file of the invoice before it.
            fatura_sha256=f"b{(i - 1 if i % 50 == 1 else i):063x}",
            fatura_nome_original="fatura.pdf",
            valor_total=Decimal(90 + i % 40),
            vencimento=None if i % 100 == 7 else COMPETENCIA + dt.timedelta(days=9 + i % 20),
            numero_fatura=f"NF-{i:08d}",
        )
        for i, cliente in zip(faixa, clientes, strict=True)
    )
    ProcessoEvento.objects.bulk_create(
        ProcessoEvento(
            processo=processo,
            de=S.AGUARDANDO_DOWNLOAD,
            para=S.AGUARDANDO_APROVACAO,
            por=enviou if i % 10 == 3 else None,
            motivo="Fatura enviada manualmente." if i % 10 == 3 else "Fatura baixada pelo robô.",
        )
        for i, processo in zip(faixa, esperando, strict=True)
    )


def _casos(operadora) -> list[tuple[str, str]]:
    from django.urls import reverse

    from processos.selectors import fila_aprovacao
    from processos.views.aprovacao import POR_PAGINA

    fila = reverse("processos:fila_aprovacao")
    total = fila_aprovacao().count()
    meio = fila_aprovacao()[total // 2]
    ultima = (total - 1) // POR_PAGINA + 1
    return [
        ("Fila sem filtro (abre a primeira)", fila),
        ("Fila com a fatura do meio aberta", f"{fila}?abrir={meio.pk}"),
        ("Fila na última página", f"{fila}?p={ultima}"),
        ("Fila por operadora e competência", f"{fila}?operadora={operadora.pk}&competencia={COMPETENCIA:%Y-%m}"),
    ]


def medir(navegador, operadora, pedidos: int) -> dict[str, tuple[float, float, int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    medidas = {}
    for nome, url in _casos(operadora):
        navegador.get(url)
        tempos = []
        for _ in range(pedidos):
            inicio = time.perf_counter()
            resposta = navegador.get(url)
            tempos.append((time.perf_counter() - inicio) * 1000)
            if resposta.status_code != 200:
                falhar(f"{url} respondeu {resposta.status_code}.")
        with CaptureQueriesContext(connection) as consultas:
            resposta = navegador.get(url)
        if 'id="fila-fatura"' not in resposta.content.decode():
            falhar(f"{url} não abriu nenhuma fatura.")
        p95 = statistics.quantiles(tempos, n=20, method="inclusive")[18]
        medidas[nome] = (statistics.median(tempos), p95, len(consultas))
    return medidas


def imprimir(total: int, medidas: dict) -> None:
    print(f"\n{numero(total)} faturas aguardando aprovação")
    print(f"{'Página':<36} {'p50':>10} {'p95':>10} {'consultas':>10}")
    for nome, (p50, p95, consultas) in medidas.items():
        print(f"{nome:<36} {numero(p50, 1) + ' ms':>10} {numero(p95, 1) + ' ms':>10} {consultas:>10}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faturas", type=int, default=10_000, help="faturas aguardando na medida grande (10000)")
    parser.add_argument("--poucas", type=int, default=100, help="faturas aguardando na medida pequena (100)")
    parser.add_argument("--pedidos", type=int, default=50, help="pedidos medidos por página (50)")
    args = parser.parse_args()
    if not 1 <= args.poucas < args.faturas or args.pedidos < 2:
        parser.error("é preciso 1 <= --poucas < --faturas e --pedidos >= 2")

    url = os.environ.get("DATABASE_URL", URL_PADRAO)
    conferir_postgres(url)
    preparar_django(url, os.environ.get("BRM_BENCH_APROVACAO_DATABASE_NAME", "brm_bench_aprovacao"))
    with banco_descartavel(url):
        from django.conf import settings
        from django.db import connection
        from django.test import Client

        from brm.usuarios.models import Usuario
        from brm.usuarios.services import usuario_criar
        from operadoras.models import Operadora

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        aprovador = usuario_criar(email="aprovador@bench.test", nome="Aprovador", papel=Usuario.Papel.APROVADOR)
        enviou = usuario_criar(email="operador@bench.test", nome="Operador", papel=Usuario.Papel.OPERADOR)
        operadoras = [Operadora.objects.create(nome=nome, codigo=nome.lower()) for nome in OPERADORAS]
        navegador = Client()
        navegador.force_login(aprovador)

        resultados = {}
        feitas = 0
        for total in (args.poucas, args.faturas):
            inicio = time.perf_counter()
            criar_faturas(feitas, total - feitas, operadoras, enviou)
            feitas = total
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE processos_processo")
                cursor.execute("VACUUM ANALYZE clientes_cliente")
            print(f"\nDados: {numero(total)} faturas em {numero(time.perf_counter() - inicio, 1)} s", flush=True)
            resultados[total] = medir(navegador, operadoras[0], args.pedidos)
            imprimir(total, resultados[total])

    poucas, muitas = resultados[args.poucas], resultados[args.faturas]
    consultas_iguais = all(poucas[nome][2] == muitas[nome][2] for nome in poucas)
    p95_ok = all(p95 <= ALVO_P95_MS for medidas in resultados.values() for _, p95, _ in medidas.values())
    print(
        f"\nConsultas iguais com {numero(args.poucas)} e {numero(args.faturas)} faturas: "
        f"{'OK' if consultas_iguais else 'FALHOU'}"
    )
    print(f"Cada p95 <= {ALVO_P95_MS} ms: {'OK' if p95_ok else 'FALHOU'}")
    sys.exit(0 if consultas_iguais and p95_ok else 1)


if __name__ == "__main__":
    main()
