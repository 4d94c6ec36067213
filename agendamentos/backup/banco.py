"""The database half of a backup: a consistent copy, its check, and restoring it into an empty database.

PostgreSQL: `pg_dump` in custom format, run inside a snapshot that the list of invoice files is read from too,
so the archive holds exactly the files the copy refers to. SQLite: the online backup API, which copies a
consistent snapshot while the web, the worker and beat keep writing; the list is then read from the copy.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.db import connection

from brm.common.errors import ErroDeNegocio

from .arquivos import Referencias, nomes_referenciados

# Connection options that libpq also reads from the environment (Django passes them through OPTIONS).
OPCOES_LIBPQ = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


def falha(mensagem: str) -> ErroDeNegocio:
    return ErroDeNegocio(mensagem, codigo=ErroDeNegocio.CONFLITO)


def duracao_descrita(segundos: float) -> str:
    return f"{segundos / 60:.0f} min" if segundos >= 120 else f"{segundos:.0f} s"


@dataclass
class Prazo:
    """The time budget of one backup (`BRM_BACKUP_TEMPO_MAXIMO`); None is no limit (a restore by hand)."""

    segundos: int | None
    inicio: float = field(default_factory=time.monotonic)

    def restante(self) -> float | None:
        if self.segundos is None:
            return None
        return self.segundos - (time.monotonic() - self.inicio)

    def esgotado(self, etapa: str) -> ErroDeNegocio:
        return falha(
            f"O backup passou do tempo máximo de {duracao_descrita(self.segundos or 0)} (BRM_BACKUP_TEMPO_MAXIMO) "
            f"{etapa} e foi interrompido; nenhuma cópia nova foi gravada."
        )

    def conferir(self, etapa: str) -> None:
        restante = self.restante()
        if restante is not None and restante <= 0:
            raise self.esgotado(etapa)


SEM_PRAZO = Prazo(None)


# PostgreSQL ----------------------------------------------------------------------------------------------


def ambiente_postgresql(dados: dict) -> dict:
    """The environment for pg_dump and pg_restore: the password travels there, never in the command line."""
    ambiente = dict(os.environ)
    for chave, variavel in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("NAME", "PGDATABASE")):
        if dados.get(chave):
            ambiente[variavel] = str(dados[chave])
    if dados.get("PASSWORD"):
        ambiente["PGPASSWORD"] = str(dados["PASSWORD"])
    for opcao, variavel in OPCOES_LIBPQ.items():
        if (dados.get("OPTIONS") or {}).get(opcao) is not None:
            ambiente[variavel] = str(dados["OPTIONS"][opcao])
    return ambiente


def binario_postgresql(nome: str, versao_servidor: int) -> str:
    """The client program on PATH, no older than the server's major version (an older pg_dump refuses it)."""
    caminho = shutil.which(nome)
    if caminho is None:
        raise falha(
            f"{nome} não foi encontrado no PATH. Instale o cliente do PostgreSQL {versao_servidor} "
            f"(no Debian: apt-get install postgresql-client-{versao_servidor}) ou ponha a pasta dele no PATH."
        )
    saida = subprocess.run([caminho, "--version"], capture_output=True, text=True, timeout=30).stdout
    casamento = re.search(r"(\d+)(?:\.\d+)*", saida)
    if casamento and int(casamento.group(1)) < versao_servidor:
        raise falha(
            f"{caminho} é da versão {casamento.group(1)} e o servidor é PostgreSQL {versao_servidor}: "
            f"ponha no PATH o {nome} {versao_servidor} ou mais novo."
        )
    return caminho


def rodar(comando: list[str], ambiente: dict, nome: str, prazo: Prazo) -> subprocess.CompletedProcess:
    """Run a client program within what is left of the backup's time; its error output becomes the sentence."""
    restante = prazo.restante()
    if restante is not None and restante <= 0:
        raise prazo.esgotado(f"antes do {nome}")
    try:
        resultado = subprocess.run(comando, env=ambiente, capture_output=True, text=True, timeout=restante, check=False)
    except subprocess.TimeoutExpired as exc:
        raise prazo.esgotado(f"durante o {nome}") from exc
    if resultado.returncode != 0:
        detalhe = resultado.stderr.strip()[-1000:] or "sem mensagem"
        raise falha(f"{nome} terminou com erro (código {resultado.returncode}): {detalhe}")
    return resultado


def _versao_servidor() -> int:
    connection.ensure_connection()
    return connection.pg_version // 10000


def _copiar_postgresql(destino: Path, prazo: Prazo) -> Referencias:
    ambiente = ambiente_postgresql(connection.settings_dict)
    pg_dump = binario_postgresql("pg_dump", _versao_servidor())
    # A connection of our own (not Django's, which may be inside a transaction or a pool) holds a
    # REPEATABLE READ snapshot; pg_dump copies that snapshot and the file names are read from it too.
    with psycopg.connect(**connection.get_connection_params()) as conexao:
        conexao.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conexao.read_only = True
        with conexao.cursor() as cursor:
            retrato = cursor.execute("SELECT pg_export_snapshot()").fetchone()[0]
            rodar(
                [pg_dump, "--format=custom", "--no-owner", f"--snapshot={retrato}", f"--file={destino}"],
                ambiente,
                "pg_dump",
                prazo,
            )
            referencias = nomes_referenciados(cursor)
        conexao.rollback()
    return referencias


def _verificar_postgresql(copia: Path, prazo: Prazo) -> None:
    pg_restore = binario_postgresql("pg_restore", _versao_servidor())
    indice = rodar([pg_restore, "--list", str(copia)], os.environ.copy(), "pg_restore --list", prazo).stdout
    if "django_migrations" not in indice:
        raise falha(f"A cópia {copia.name} abre, mas não contém as tabelas do sistema.")


def _restaurar_postgresql(copia: Path) -> None:
    dados = connection.settings_dict
    pg_restore = binario_postgresql("pg_restore", _versao_servidor())
    # One transaction: a restore that fails half way leaves the database as empty as it found it. No owners
    # or grants: the new server's roles are not the old one's; everything belongs to the user restoring.
    rodar(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={dados['NAME']}",
            str(copia),
        ],
        ambiente_postgresql(dados),
        "pg_restore",
        SEM_PRAZO,
    )


# SQLite --------------------------------------------------------------------------------------------------


def _abrir_somente_leitura(copia: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{copia.resolve().as_uri()}?mode=ro", uri=True)


def _copiar_sqlite(destino: Path, prazo: Prazo) -> Referencias:
    if connection.is_in_memory_db():
        connection.ensure_connection()
        origem, propria = connection.connection, False
    else:
        # A connection of our own: the backup sees only committed data, whatever Django's connection is doing.
        origem, propria = sqlite3.connect(connection.settings_dict["NAME"], timeout=20), True
    copia = sqlite3.connect(destino)
    try:
        origem.backup(copia)
        # The copy inherits WAL mode; a backup should be one self-contained file.
        copia.execute("PRAGMA journal_mode=DELETE")
    finally:
        copia.close()
        if propria:
            origem.close()
    prazo.conferir("copiando o banco")
    leitura = _abrir_somente_leitura(destino)
    try:
        return nomes_referenciados(leitura.cursor())
    finally:
        leitura.close()


def verificar_sqlite(copia: Path, prazo: Prazo = SEM_PRAZO) -> None:
    try:
        conexao = _abrir_somente_leitura(copia)
        try:
            integridade = conexao.execute("PRAGMA integrity_check").fetchone()[0]
            migracoes = conexao.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
            ).fetchone()
        finally:
            conexao.close()
    except sqlite3.DatabaseError as exc:
        raise falha(f"A cópia {copia.name} não abre como banco SQLite: {exc}.") from exc
    if integridade != "ok":
        raise falha(f"A cópia {copia.name} falhou na verificação de integridade: {integridade}.")
    if not migracoes:
        raise falha(f"A cópia {copia.name} abre, mas não contém as tabelas do sistema.")


def _restaurar_sqlite(copia: Path) -> None:
    destino = connection.settings_dict["NAME"]
    connection.close()
    # Through the backup API, not a file copy: the destination's journal (WAL) stays consistent.
    origem, alvo = _abrir_somente_leitura(copia), sqlite3.connect(destino, timeout=20)
    try:
        origem.backup(alvo)
    finally:
        origem.close()
        alvo.close()


# The engines ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Motor:
    """What a backup does with one kind of database."""

    extensao: str
    # Writes the copy to the path and returns the invoice files it refers to.
    copiar: Callable[[Path, Prazo], Referencias]
    verificar: Callable[[Path, Prazo], None]
    restaurar: Callable[[Path], None]


MOTORES = {
    "postgresql": Motor("dump", _copiar_postgresql, _verificar_postgresql, _restaurar_postgresql),
    "sqlite": Motor("sqlite3", _copiar_sqlite, verificar_sqlite, _restaurar_sqlite),
}


def motor_obter() -> Motor:
    if connection.vendor not in MOTORES:
        raise falha(f"Não há backup para o banco {connection.vendor}.")
    return MOTORES[connection.vendor]


def banco_vazio_exigir() -> None:
    """A restore writes only into a database without tables: it never mixes a backup with other data."""
    tabelas = connection.introspection.table_names()
    if tabelas:
        raise falha(
            f"O banco de destino “{connection.settings_dict['NAME']}” já tem {len(tabelas)} tabela(s): a "
            "restauração só grava num banco novo e vazio. Crie um (no PostgreSQL: createdb brm_restaurado; no "
            "SQLite: um caminho de arquivo que ainda não existe) e aponte DATABASE_URL para ele."
        )


def tabelas_contar() -> int:
    return len(connection.introspection.table_names())
