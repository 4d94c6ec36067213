"""Benchmark: the admin's lists and pages at a company's size, on PostgreSQL.

Run with `make bench` (or `.venv/bin/python bench/listas.py [--clientes 200000] [--meses 5] [--execucoes 200000]
[--linhas 2000000] [--rodadas 7] [--manter] [--reusar]`). It builds, in a throwaway database (`brm_bench_listas`,
or BRM_BENCH_LISTAS_DATABASE_NAME) on the server of DATABASE_URL, with set-based SQL: 200,000 client accounts
across five operators, one process per client and month over five months (1,000,000), a download job for
200,000 of them with 2,000,000 log lines in all, one job with 5,000 lines and one process with 20 jobs.

Then it opens each page with Django's test client, logged in as an administrator: the process list unfiltered,
by status, by month, searched by CNPJ and by name, on page 500 and sorted by value; the page of the process
with 20 jobs; the page of the job with 5,000 lines and its log list. Printed: the median time of the request
(the whole server side: middleware, session, queries, templates) and the number of queries, once more with
fewer rows shown (20 instead of 100 per page; a process with 2 jobs; a job with 10 lines).

Target: every median at most 300 ms, and the number of queries the same with fewer rows. Exit status 0 when
the target holds, 1 otherwise or when PostgreSQL cannot be reached. `--manter` keeps the database,
`--reusar` measures again on the one kept (without building it).
"""

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comum import URL_PADRAO, banco_descartavel, conferir_postgres, falhar, numero, preparar_django  # noqa: E402

ALVO_MS = 300
LINHAS_DO_TRABALHO_GRANDE = 5_000
EXECUCOES_DO_PROCESSO = 20
POR_PAGINA_PEQUENA = 20

# Words of company names, drawn one of each kind per client.
ATIVIDADES = (
    "Supermercado Transportadora Farmácia Construtora Distribuidora Padaria Metalúrgica Clínica Hotel Restaurante "
    "Indústria Comércio Papelaria Livraria Academia Escola Laboratório Imobiliária Agropecuária Gráfica"
)
SOBRENOMES = (
    "Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Costa Ribeiro Martins Carvalho Almeida "
    "Lopes Soares Fernandes Vieira Barbosa Rocha Dias Nascimento Andrade Moreira Nunes Marques Machado Mendes Freitas "
    "Cardoso Ramos Gonçalves Santana Teixeira Correia Araújo Pinto Moura Cavalcanti Monteiro Campos Batista Azevedo "
    "Borges Xavier Duarte Brito Medeiros Guimarães"
)
COMPLEMENTOS = (
    "Paulista Mineira Carioca Gaúcha Baiana Central Nacional Brasil Express Irmãos Premium Popular Horizonte Litoral "
    "Serrana Capital União Progresso Aliança Estrela"
)
SUFIXOS = ("Ltda", "Ltda", "S.A.", "ME", "EIRELI")
# About one client in a thousand: a search a person makes, neither one row nor half the table.
BUSCA_POR_NOME = "Supermercado Souza"
MENSAGENS = [
    "Abrindo o portal da operadora",
    "Login realizado",
    "Procurando a fatura da competência",
    "Fatura encontrada",
    "Baixando o PDF",
    "Download concluído",
    "Conferindo o valor e o vencimento",
    "Arquivo enviado ao BRM",
    "Saindo do portal",
    "Trabalho encerrado",
]


@contextmanager
def etapa(nome: str, tempos: list):
    inicio = time.perf_counter()
    yield
    duracao = time.perf_counter() - inicio
    tempos.append(duracao)
    print(f"  {nome}: {numero(duracao, 1)} s", flush=True)


def _sql(sql: str, parametros=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, parametros)
        return cursor.rowcount


def _criar_clientes(total: int, operadoras: list) -> None:
    from stdnum.br import cnpj as stdnum_cnpj

    sorteio = random.Random(42)
    palavras = [texto.split() for texto in (ATIVIDADES, SOBRENOMES, COMPLEMENTOS)] + [SUFIXOS]
    colunas = (
        "id, created_at, updated_at, razao_social, cnpj, operadora_id, login_portal, senha_portal, conta, unidade, "
        "dados_rpa, codigo_sat, dia_emissao, ativo"
    )
    from django.db import connection
    from django.utils import timezone

    agora = timezone.now()
    with connection.cursor() as cursor, cursor.copy(f"COPY clientes_cliente ({colunas}) FROM STDIN") as copia:
        for i in range(total):
            raiz = f"{10_000_000 + i:08d}0001"
            nome = " ".join(sorteio.choice(opcoes) for opcoes in palavras)
            copia.write_row(
                (
                    uuid.uuid4(),
                    agora,
                    agora,
                    nome,
                    raiz + stdnum_cnpj.calc_check_digits(raiz),
                    operadoras[i % len(operadoras)].pk,
                    f"login{i}",
                    "",
                    f"{i:010d}",
                    "",
                    "{}",
                    "",
                    1 + i % 28,
                    True,
                )
            )


def _criar_processos(meses: int) -> int:
    from processos.services.criacao import competencia_atual

    _sql("SELECT setseed(0.42)")
    # Older months are mostly done; the current one is mostly waiting for its download.
    return _sql(
        """
        INSERT INTO processos_processo (
            id, created_at, updated_at, cliente_id, competencia, status, fatura, fatura_sha256,
            fatura_nome_original, valor_total, vencimento, numero_fatura, motivo_rejeicao, protocolo_sat,
            aprovado_em, enviado_sat_em
        )
        SELECT gen_random_uuid(), now(), now(), t.cliente_id, t.competencia, t.status, '', '', '',
               CASE WHEN t.status <> 'AGUARDANDO_DOWNLOAD' THEN round((40 + random() * 19960)::numeric, 2) END,
               CASE WHEN t.status <> 'AGUARDANDO_DOWNLOAD' THEN t.competencia + 9 + t.dia_emissao END,
               CASE WHEN t.status <> 'AGUARDANDO_DOWNLOAD' THEN t.conta || '-' || to_char(t.competencia, 'YYYYMM')
                    ELSE '' END,
               '',
               CASE WHEN t.status = 'UPLOAD_REALIZADO' THEN 'SAT-' || to_char(t.competencia, 'YYYYMM') || '-'
                    || t.conta ELSE '' END,
               CASE WHEN t.status IN ('AGUARDANDO_ENVIO_SAT', 'UPLOAD_REALIZADO') THEN now() END,
               CASE WHEN t.status = 'UPLOAD_REALIZADO' THEN now() END
        FROM (
            SELECT x.*,
                   CASE
                       WHEN x.idade = 0 THEN
                           CASE WHEN x.r < 0.60 THEN 'AGUARDANDO_DOWNLOAD' WHEN x.r < 0.85 THEN 'AGUARDANDO_APROVACAO'
                                WHEN x.r < 0.95 THEN 'AGUARDANDO_ENVIO_SAT' ELSE 'UPLOAD_REALIZADO' END
                       WHEN x.idade = 1 THEN
                           CASE WHEN x.r < 0.05 THEN 'AGUARDANDO_DOWNLOAD' WHEN x.r < 0.15 THEN 'AGUARDANDO_APROVACAO'
                                WHEN x.r < 0.30 THEN 'AGUARDANDO_ENVIO_SAT' ELSE 'UPLOAD_REALIZADO' END
                       ELSE
                           CASE WHEN x.r < 0.01 THEN 'AGUARDANDO_DOWNLOAD' WHEN x.r < 0.02 THEN 'AGUARDANDO_APROVACAO'
                                WHEN x.r < 0.04 THEN 'AGUARDANDO_ENVIO_SAT' ELSE 'UPLOAD_REALIZADO' END
                   END AS status
            FROM (
                -- OFFSET 0 keeps the planner from copying random() into each place r is read.
                SELECT c.id AS cliente_id, c.conta, c.dia_emissao, m.competencia, m.idade, random() AS r
                FROM clientes_cliente c
                CROSS JOIN (
                    SELECT (%s::date - make_interval(months => g))::date AS competencia, g AS idade
                    FROM generate_series(0, %s - 1) AS g
                ) m
                OFFSET 0
            ) x
        ) t
        """,
        [competencia_atual(), meses],
    )


def _criar_execucoes(total: int) -> int:
    # One download per process, for processes already past it; the ids are random, so ordering by them samples.
    return _sql(
        """
        INSERT INTO processos_execucao (
            id, created_at, updated_at, processo_id, tipo, status, origem, job_id, tentativa, criado_em,
            enviado_em, iniciado_em, finalizado_em, tentativas_envio, log_proximo_seq, log_deslocamento, erro
        )
        SELECT gen_random_uuid(), t.criado, t.criado, t.id, 'DOWNLOAD_FATURA', t.status, 'AGENDAMENTO',
               'job-' || t.n, 1, t.criado, t.criado + interval '1 second', t.criado + interval '5 seconds',
               t.criado + interval '90 seconds', 0, 1, 0,
               CASE WHEN t.status = 'FALHA' THEN 'O portal recusou o login do cliente.' ELSE '' END
        FROM (
            SELECT p.id, row_number() OVER () AS n,
                   (p.competencia + (p.r * 27) * interval '1 day' + interval '6 hours') AS criado,
                   CASE WHEN p.r < 0.90 THEN 'SUCESSO' WHEN p.r < 0.98 THEN 'FALHA' ELSE 'CANCELADA' END AS status
            FROM (
                SELECT id, competencia, random() AS r FROM processos_processo
                WHERE status <> 'AGUARDANDO_DOWNLOAD' ORDER BY id LIMIT %s
            ) p
        ) t
        """,
        [total],
    )


def _criar_linhas(total: int, execucao_grande) -> int:
    from processos.models import Execucao

    outras = Execucao.objects.exclude(pk=execucao_grande.pk).count()
    restantes = max(total - LINHAS_DO_TRABALHO_GRANDE, 0)
    base, com_uma_a_mais = divmod(restantes, outras)
    mensagens = "ARRAY[" + ", ".join(f"'{m}'" for m in MENSAGENS) + "]"
    linhas = _sql(
        f"""
        INSERT INTO processos_execucaolog (id, created_at, updated_at, execucao_id, seq, quando, nivel, mensagem)
        SELECT gen_random_uuid(), e.criado_em, e.criado_em, e.id, s.seq, e.criado_em + s.seq * interval '3 seconds',
               CASE WHEN e.status = 'FALHA' AND s.seq = e.linhas THEN 'ERROR' ELSE 'INFO' END,
               ({mensagens})[1 + (s.seq - 1) %% {len(MENSAGENS)}]
        FROM (
            SELECT id, criado_em, status,
                   %s + CASE WHEN row_number() OVER (ORDER BY id) <= %s THEN 1 ELSE 0 END AS linhas
            FROM processos_execucao WHERE id <> %s
        ) e
        CROSS JOIN LATERAL generate_series(1, e.linhas) AS s(seq)
        """,
        [base, com_uma_a_mais, execucao_grande.pk],
    )
    linhas += _sql(
        f"""
        INSERT INTO processos_execucaolog (id, created_at, updated_at, execucao_id, seq, quando, nivel, mensagem)
        SELECT gen_random_uuid(), now(), now(), %s, s.seq, now() - (%s - s.seq) * interval '1 second', 'INFO',
               ({mensagens})[1 + (s.seq - 1) %% {len(MENSAGENS)}] || ' (passo ' || s.seq || ')'
        FROM generate_series(1, %s) AS s(seq)
        """,
        [execucao_grande.pk, LINHAS_DO_TRABALHO_GRANDE, LINHAS_DO_TRABALHO_GRANDE],
    )
    return linhas


def _execucoes_de(processo, quantidade: int) -> list:
    """`quantidade` downloads of one process: failures re-run one after the other, the last one a success."""
    import datetime as dt

    from django.utils import timezone

    from processos.models import Execucao

    E = Execucao.Status
    inicio = timezone.now() - dt.timedelta(days=2)
    execucoes, anterior = [], None
    for tentativa in range(1, quantidade + 1):
        ultima = tentativa == quantidade
        execucao = Execucao(
            processo=processo,
            tipo=Execucao.Tipo.DOWNLOAD_FATURA,
            status=E.SUCESSO if ultima else E.FALHA,
            origem=Execucao.Origem.AUTOMATICA if anterior else Execucao.Origem.AGENDAMENTO,
            job_id=f"job-{processo.pk}-{tentativa}",
            tentativa=tentativa,
            anterior=anterior,
            erro="" if ultima else "Portal fora do ar.",
        )
        execucoes.append(execucao)
        anterior = execucao
    Execucao.objects.bulk_create(execucoes)
    for minuto, execucao in enumerate(execucoes):
        Execucao.objects.filter(pk=execucao.pk).update(criado_em=inicio + dt.timedelta(minutes=minuto))
    return execucoes


def construir(args, tempos: list) -> None:
    from django.db import connection

    from operadoras.models import Operadora
    from processos.models import Execucao, Processo, ProcessoEvento

    print(
        f"Construindo: {numero(args.clientes)} clientes, {args.meses} meses, {numero(args.execucoes)} execuções, "
        f"{numero(args.linhas)} linhas de log"
    )
    operadoras = [
        Operadora.objects.create(nome=nome, codigo=nome.lower()) for nome in ("Vivo", "Claro", "TIM", "Oi", "Embratel")
    ]
    with etapa("clientes (COPY)", tempos):
        _criar_clientes(args.clientes, operadoras)
    with etapa("processos (INSERT ... SELECT)", tempos):
        processos = _criar_processos(args.meses)
    with etapa("execuções (INSERT ... SELECT)", tempos):
        _criar_execucoes(min(args.execucoes, processos))
    with etapa("o processo com 20 execuções e o trabalho de 5.000 linhas", tempos):
        ultimo_mes = Processo.objects.order_by("-competencia").values("competencia")[:1]
        recentes = Processo.objects.filter(competencia=ultimo_mes)
        muitas, duas = recentes.exclude(execucoes__isnull=False).order_by("cliente__cnpj")[:2]
        _execucoes_de(muitas, EXECUCOES_DO_PROCESSO)
        _execucoes_de(duas, 2)
        for processo in (muitas, duas):
            ProcessoEvento.objects.create(processo=processo, de="", para=Processo.Status.AGUARDANDO_DOWNLOAD)
        grande = Execucao.objects.filter(status=Execucao.Status.FALHA, processo__competencia__lt=muitas.competencia)[0]
        Execucao.objects.filter(pk=grande.pk).update(log_proximo_seq=LINHAS_DO_TRABALHO_GRANDE + 1)
    with etapa("linhas de log (INSERT ... SELECT)", tempos):
        _criar_linhas(args.linhas, grande)
    with etapa("VACUUM ANALYZE", tempos), connection.cursor() as cursor:
        for tabela in ("clientes_cliente", "processos_processo", "processos_execucao", "processos_execucaolog"):
            cursor.execute(f"VACUUM ANALYZE {tabela}")


def _casos():
    """(name, url, the same page with fewer rows shown: another url or a smaller page)."""
    from django.urls import reverse

    from brm.common.fields import cnpj_formatar
    from clientes.models import Cliente
    from processos.models import Execucao, Processo

    lista = reverse("admin:processos_processo_changelist")
    meses = list(Processo.objects.order_by("-competencia").values_list("competencia", flat=True).distinct()[:2])
    cliente = Cliente.objects.order_by("cnpj")[1234]
    grande = Execucao.objects.filter(log_proximo_seq=LINHAS_DO_TRABALHO_GRANDE + 1).get()
    pequena = Execucao.objects.exclude(pk=grande.pk).filter(status=Execucao.Status.FALHA)[0]
    com_20 = Processo.objects.filter(execucoes__tentativa=EXECUCOES_DO_PROCESSO).get()
    com_2 = Processo.objects.filter(execucoes__tentativa=2).exclude(pk=com_20.pk).get()
    valor = 6  # the position of "valor total" in list_display, after the selection box

    def pagina(modelo, pk):
        return reverse(f"admin:processos_{modelo._meta.model_name}_change", args=[pk])

    logs = reverse("admin:processos_execucaolog_changelist")
    anterior = meses[-1]
    return [
        ("Processos: sem filtro", lista, POR_PAGINA_PEQUENA),
        ("Processos: por situação", f"{lista}?status__exact=AGUARDANDO_APROVACAO", POR_PAGINA_PEQUENA),
        ("Processos: por competência", f"{lista}?competencia={anterior:%Y-%m-%d}", POR_PAGINA_PEQUENA),
        ("Processos: busca por CNPJ", f"{lista}?q={cnpj_formatar(cliente.cnpj)}", POR_PAGINA_PEQUENA),
        ("Processos: busca por nome", f"{lista}?q={BUSCA_POR_NOME.replace(' ', '+')}", POR_PAGINA_PEQUENA),
        ("Processos: página 500", f"{lista}?p=500", POR_PAGINA_PEQUENA),
        ("Processos: por valor (maior primeiro)", f"{lista}?o=-{valor}", POR_PAGINA_PEQUENA),
        ("Processos: por valor (menor primeiro)", f"{lista}?o={valor}", POR_PAGINA_PEQUENA),
        ("Página do processo (20 execuções)", pagina(Processo, com_20.pk), pagina(Processo, com_2.pk)),
        ("Página da execução (5.000 linhas)", pagina(Execucao, grande.pk), pagina(Execucao, pequena.pk)),
        ("Log da execução (5.000 linhas)", f"{logs}?execucao__id__exact={grande.pk}", POR_PAGINA_PEQUENA),
        ("Execuções: sem filtro", reverse("admin:processos_execucao_changelist"), POR_PAGINA_PEQUENA),
        ("Linhas de log: sem filtro", logs, POR_PAGINA_PEQUENA),
    ]


def _consultas(navegador, url: str) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as consultas:
        resposta = navegador.get(url)
    if resposta.status_code != 200:
        falhar(f"{url} respondeu {resposta.status_code}.")
    conteudo = resposta.content.decode()
    linhas = 0
    if 'id="result_list"' in conteudo:
        linhas = conteudo.split('id="result_list"', 1)[1].split("</tbody>", 1)[0].count("<tr") - 1
    return len(consultas), linhas


def _admin_de(url: str):
    from django.urls import resolve

    return resolve(url.split("?")[0]).func.model_admin


def medir(rodadas: int) -> bool:
    from django.conf import settings
    from django.test import Client

    from brm.usuarios.models import Usuario
    from brm.usuarios.services import usuario_criar

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    pessoa = Usuario.objects.filter(email="bench@brm.test").first() or usuario_criar(
        email="bench@brm.test", nome="Bench", papel=Usuario.Papel.ADMIN
    )
    navegador = Client()
    navegador.force_login(pessoa)

    casos = _casos()
    print(f"\nMediana de {rodadas} pedidos por página, depois de um de aquecimento; alvo: <= {ALVO_MS} ms")
    print(f"{'Página':<40} {'mediana':>11} {'consultas':>10} {'c/ menos linhas':>16} {'linhas':>7}  alvo")
    tudo_ok = True
    for nome, url, menos in casos:
        navegador.get(url)
        tempos = []
        for _ in range(rodadas):
            inicio = time.perf_counter()
            resposta = navegador.get(url)
            tempos.append(time.perf_counter() - inicio)
            if resposta.status_code != 200:
                falhar(f"{url} respondeu {resposta.status_code}.")
        consultas, linhas = _consultas(navegador, url)
        if isinstance(menos, int):
            modelo_admin = _admin_de(url)
            normal, modelo_admin.list_per_page = modelo_admin.list_per_page, menos
            try:
                consultas_menos, _ = _consultas(navegador, url)
            finally:
                modelo_admin.list_per_page = normal
        else:
            consultas_menos, _ = _consultas(navegador, menos)
        mediana_ms = statistics.median(tempos) * 1000
        ok = mediana_ms <= ALVO_MS and consultas == consultas_menos
        tudo_ok &= ok
        print(
            f"{nome:<40} {numero(mediana_ms, 1) + ' ms':>11} {consultas:>10} {consultas_menos:>16} {linhas or '':>7}  "
            f"{'OK' if ok else 'FALHOU'}",
            flush=True,
        )
    print(f"ALVO: cada mediana <= {ALVO_MS} ms e consultas constantes: {'OK' if tudo_ok else 'FALHOU'}")
    return tudo_ok


def _tem_dados() -> bool:
    from processos.models import Execucao

    return Execucao.objects.filter(log_proximo_seq=LINHAS_DO_TRABALHO_GRANDE + 1).exists()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clientes", type=int, default=200_000, help="contas de clientes (padrão: 200000)")
    parser.add_argument("--meses", type=int, default=5, help="meses de processos (padrão: 5)")
    parser.add_argument("--execucoes", type=int, default=200_000, help="execuções de download (padrão: 200000)")
    parser.add_argument("--linhas", type=int, default=2_000_000, help="linhas de log no total (padrão: 2000000)")
    parser.add_argument("--rodadas", type=int, default=7, help="pedidos medidos por página (padrão: 7)")
    parser.add_argument("--manter", action="store_true", help="não apagar o banco no fim")
    parser.add_argument("--reusar", action="store_true", help="medir no banco mantido por uma rodada anterior")
    args = parser.parse_args()
    if min(args.clientes, args.meses, args.execucoes, args.rodadas) < 1 or args.linhas < LINHAS_DO_TRABALHO_GRANDE:
        parser.error("os tamanhos precisam ser positivos, e --linhas pelo menos 5000")

    url = os.environ.get("DATABASE_URL", URL_PADRAO)
    conferir_postgres(url)
    preparar_django(url, os.environ.get("BRM_BENCH_LISTAS_DATABASE_NAME", "brm_bench_listas"))
    with banco_descartavel(url, manter=args.manter or args.reusar, reusar=args.reusar):
        if not args.reusar:
            tempos = []
            construir(args, tempos)
            print(f"Dados prontos em {numero(sum(tempos), 1)} s")
        elif not _tem_dados():
            falhar("o banco mantido está vazio: rode uma vez com --manter, sem --reusar.")
        ok = medir(args.rodadas)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
