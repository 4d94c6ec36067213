"""Benchmark: the API's list of processes against a hand-written raw-SQL view of the same rows.

Run with `make bench` (or `.venv/bin/python bench/api.py [--processos 100000] [--pedidos 200]`). In a throwaway
database (`brm_bench_api`, or BRM_BENCH_API_DATABASE_NAME) on the server of DATABASE_URL (PostgreSQL by default;
a `sqlite:///…` URL measures the embedded default in a scratch file) it makes 100,000 processes with bulk
inserts: 20,000 client accounts across five operators, one process per client and month over five months, the
older months mostly done and the current one mostly waiting.

Then, through Django's test client (the whole server side: middleware, authentication, view, JSON), it asks
`--pedidos` times, alternating, after a warm-up:

- the API, with an approver's JWT (not a superuser, so the role's permissions are read as in real life):
  `GET /api/v1/processos/?status=AGUARDANDO_APROVACAO&competencia=<this month>&operadora=vivo&tamanho=100`;
- a view written by hand for this benchmark: one `cursor.execute` with the same joins, filters and order and a
  `JsonResponse` of the same 100 rows, with no authentication, paging or count.

Printed: both medians, their ratio, and the number of queries of one API request (CaptureQueriesContext).
Target: ratio at most 3 and at most 6 queries. Exit status 0 when both hold, 1 otherwise or when the database
cannot be reached.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comum import URL_PADRAO, banco_descartavel, conferir_postgres, falhar, numero, preparar_django  # noqa: E402

ALVO_RAZAO = 3.0
ALVO_CONSULTAS = 6
MESES = 5
OPERADORAS = ("Vivo", "Claro", "TIM", "Oi", "Embratel")
TAMANHO = 100
URL_SQL = "/bench/processos-sql/"
STATUS = "AGUARDANDO_APROVACAO"

SQL = """
    SELECT p.id, p.competencia, p.status, p.valor_total, p.vencimento, p.numero_fatura, p.fatura_sha256, p.fatura,
           p.aprovado_em, p.motivo_rejeicao, p.protocolo_sat, p.enviado_sat_em, p.created_at, p.updated_at,
           c.id, c.razao_social, c.cnpj, c.conta, o.id, o.nome, o.codigo, u.id, u.email, u.nome
    FROM processos_processo p
    JOIN clientes_cliente c ON c.id = p.cliente_id
    JOIN operadoras_operadora o ON o.id = c.operadora_id
    LEFT JOIN usuarios_usuario u ON u.id = p.aprovado_por_id
    WHERE p.status = %s AND p.competencia = %s AND o.codigo = %s
    ORDER BY p.competencia DESC, p.cliente_id DESC
    LIMIT %s
"""


def construir(processos: int, competencia: dt.date) -> None:
    """`processos` processes: one per client and month over MESES months, in bulk inserts of 5,000."""
    from clientes.models import Cliente
    from operadoras.models import Operadora
    from processos.models import Processo
    from tests.factories import cnpj_valido

    S = Processo.Status
    operadoras = [Operadora.objects.create(nome=nome, codigo=nome.lower(), possui_rpa=True) for nome in OPERADORAS]
    clientes_total = processos // MESES
    clientes = Cliente.objects.bulk_create(
        (
            Cliente(
                razao_social=f"Cliente {i} Comércio Ltda",
                cnpj=cnpj_valido(),
                operadora=operadoras[i % len(operadoras)],
                conta=f"{i:08d}",
            )
            for i in range(clientes_total)
        ),
        batch_size=5_000,
    )
    # Older months mostly sent to the SAT; the current one spread over every status.
    recentes = (S.AGUARDANDO_DOWNLOAD, S.AGUARDANDO_APROVACAO, S.AGUARDANDO_APROVACAO, S.AGUARDANDO_ENVIO_SAT)
    lote = []
    for idade in range(MESES):
        mes = competencia
        for _ in range(idade):
            mes = (mes - dt.timedelta(days=1)).replace(day=1)
        for i, cliente in enumerate(clientes):
            status = recentes[(i // len(operadoras)) % len(recentes)] if idade == 0 else S.UPLOAD_REALIZADO
            com_fatura = status != S.AGUARDANDO_DOWNLOAD
            lote.append(
                Processo(
                    cliente=cliente,
                    competencia=mes,
                    status=status,
                    fatura=f"faturas/{mes:%Y-%m}/{i}.pdf" if com_fatura else "",
                    fatura_sha256=f"{i:064x}" if com_fatura else "",
                    valor_total=Decimal(100 + i % 900) if com_fatura else None,
                    vencimento=mes + dt.timedelta(days=9 + i % 20) if com_fatura else None,
                    numero_fatura=f"NF-{i:08d}" if com_fatura else "",
                )
            )
            if len(lote) == 5_000:
                Processo.objects.bulk_create(lote)
                lote = []
    if lote:
        Processo.objects.bulk_create(lote)


def _id(valor) -> str:
    # PostgreSQL returns UUIDs; SQLite, the 32 hex digits Django stores there.
    return str(valor if isinstance(valor, uuid.UUID) else uuid.UUID(valor))


def visao_sql(request):
    """The same rows, written by hand: one query, a dict per row, no framework between them and the JSON."""
    from django.db import connection
    from django.http import JsonResponse

    from brm.common.fields import cnpj_formatar

    competencia = dt.date.fromisoformat(request.GET["competencia"] + "-01")
    with connection.cursor() as cursor:
        cursor.execute(SQL, [request.GET["status"], competencia, request.GET["operadora"], TAMANHO])
        linhas = cursor.fetchall()
    resultados = []
    for (
        pk,
        mes,
        status,
        valor,
        vencimento,
        numero_fatura,
        sha256,
        fatura,
        aprovado_em,
        motivo,
        protocolo,
        enviado_em,
        criado,
        alterado,
        cliente_id,
        razao_social,
        cnpj,
        conta,
        operadora_id,
        operadora_nome,
        operadora_codigo,
        usuario_id,
        usuario_email,
        usuario_nome,
    ) in linhas:
        resultados.append(
            {
                "id": _id(pk),
                "cliente": {
                    "id": _id(cliente_id),
                    "razao_social": razao_social,
                    "cnpj": cnpj_formatar(cnpj),
                    "conta": conta,
                },
                "operadora": {"id": _id(operadora_id), "nome": operadora_nome, "codigo": operadora_codigo},
                "competencia": str(mes),
                "status": status,
                "valor_total": None if valor is None else f"{Decimal(valor):.2f}",
                "vencimento": None if vencimento is None else str(vencimento),
                "numero_fatura": numero_fatura,
                "fatura_sha256": sha256,
                "tem_fatura": bool(fatura),
                "aprovado_por": None
                if usuario_id is None
                else {"id": _id(usuario_id), "email": usuario_email, "nome": usuario_nome},
                "aprovado_em": None if aprovado_em is None else str(aprovado_em),
                "motivo_rejeicao": motivo,
                "protocolo_sat": protocolo,
                "enviado_sat_em": None if enviado_em is None else str(enviado_em),
                "created_at": str(criado),
                "updated_at": str(alterado),
            }
        )
    return JsonResponse({"resultados": resultados})


def _registrar_visao_sql() -> None:
    from django.urls import clear_url_caches, path

    from brm import urls

    urls.urlpatterns.insert(0, path(URL_SQL.strip("/") + "/", visao_sql))
    clear_url_caches()


def medir(pedidos: int, competencia: dt.date) -> bool:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from brm.api.services import sessao_jwt_iniciar
    from brm.usuarios.models import Usuario
    from brm.usuarios.services import usuario_criar

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    aprovador = usuario_criar(email="aprovador@bench.test", nome="Aprovador", papel=Usuario.Papel.APROVADOR)
    token = str(sessao_jwt_iniciar(usuario=aprovador).access_token)
    _registrar_visao_sql()

    filtros = {"status": STATUS, "competencia": f"{competencia:%Y-%m}", "operadora": "vivo"}
    api, sql = Client(HTTP_AUTHORIZATION=f"Bearer {token}"), Client()
    url_api = "/api/v1/processos/"

    def pedir(cliente, url, parametros) -> float:
        inicio = time.perf_counter()
        resposta = cliente.get(url, parametros)
        duracao = time.perf_counter() - inicio
        if resposta.status_code != 200:
            falhar(f"{url} respondeu {resposta.status_code}: {resposta.content[:300]!r}")
        return duracao

    parametros_api = {**filtros, "tamanho": TAMANHO}
    corpo_api = api.get(url_api, parametros_api).json()
    corpo_sql = sql.get(URL_SQL, filtros).json()
    ids_api = [linha["id"] for linha in corpo_api["resultados"]]
    ids_sql = [linha["id"] for linha in corpo_sql["resultados"]]
    if ids_api != ids_sql or len(ids_api) != TAMANHO:
        falhar(f"a API e a visão SQL não devolveram as mesmas {TAMANHO} linhas ({len(ids_api)} e {len(ids_sql)}).")
    print(f"Filtros: {filtros}; {numero(corpo_api['total'])} processos casam, {TAMANHO} por página")

    for _ in range(5):
        pedir(api, url_api, parametros_api)
        pedir(sql, URL_SQL, filtros)
    tempos_api, tempos_sql = [], []
    for _ in range(pedidos):
        tempos_api.append(pedir(api, url_api, parametros_api))
        tempos_sql.append(pedir(sql, URL_SQL, filtros))
    with CaptureQueriesContext(connection) as consultas:
        pedir(api, url_api, parametros_api)

    mediana_api = statistics.median(tempos_api) * 1000
    mediana_sql = statistics.median(tempos_sql) * 1000
    razao = mediana_api / mediana_sql
    print(f"\nMediana de {pedidos} pedidos de cada, alternados, depois de 5 de aquecimento")
    print(f"{'API /api/v1/processos/':<32} {numero(mediana_api, 2) + ' ms':>12}")
    print(f"{'Visão SQL escrita à mão':<32} {numero(mediana_sql, 2) + ' ms':>12}")
    print(f"{'Razão API / SQL':<32} {numero(razao, 2):>12}   alvo <= {numero(ALVO_RAZAO, 0)}")
    print(f"{'Consultas por pedido da API':<32} {len(consultas):>12}   alvo <= {ALVO_CONSULTAS}")
    for consulta in consultas.captured_queries:
        print(f"  {consulta['time']} s  {' '.join(consulta['sql'].split())[:150]}")
    ok = razao <= ALVO_RAZAO and len(consultas) <= ALVO_CONSULTAS
    print(f"ALVO: razão <= {numero(ALVO_RAZAO, 0)} e consultas <= {ALVO_CONSULTAS}: {'OK' if ok else 'FALHOU'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processos", type=int, default=100_000, help="processos no banco (padrão: 100000)")
    parser.add_argument("--pedidos", type=int, default=200, help="pedidos medidos de cada lado (padrão: 200)")
    args = parser.parse_args()
    if args.processos < MESES * len(OPERADORAS) * 4 * TAMANHO or args.pedidos < 2:
        parser.error(f"--processos precisa ser pelo menos {MESES * len(OPERADORAS) * 4 * TAMANHO} e --pedidos >= 2")

    url = os.environ.get("DATABASE_URL", URL_PADRAO)
    if url.startswith("sqlite"):
        os.environ.setdefault("BRM_TEST_SQLITE", f"{tempfile.gettempdir()}/brm_bench_api.sqlite3")
    else:
        conferir_postgres(url)
    if args.pedidos > 500:
        # The throttle stays in the measure (its cost is real), but a long run must not reach its limit.
        os.environ.setdefault("BRM_API_LIMITE_USUARIO", f"{args.pedidos * 3}/min")
    preparar_django(url, os.environ.get("BRM_BENCH_API_DATABASE_NAME", "brm_bench_api"))
    with banco_descartavel(url):
        from django.db import connection

        from processos.services import competencia_atual

        competencia = competencia_atual()
        inicio = time.perf_counter()
        construir(args.processos, competencia)
        with connection.cursor() as cursor:
            for tabela in ("processos_processo", "clientes_cliente", "operadoras_operadora"):
                cursor.execute(f"VACUUM ANALYZE {tabela}" if connection.vendor == "postgresql" else f"ANALYZE {tabela}")
        print(
            f"Dados: {numero(args.processos)} processos ({connection.vendor}) em "
            f"{numero(time.perf_counter() - inicio, 1)} s",
            flush=True,
        )
        ok = medir(args.pedidos, competencia)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
