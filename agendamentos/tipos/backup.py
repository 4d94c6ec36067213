"""A copy of the whole database in a folder, checked before it counts, keeping the last N.

PostgreSQL: `pg_dump` in custom format (restore with `pg_restore`). SQLite: the online backup API, which
copies a consistent snapshot while the web, the worker and beat keep writing.
"""

import contextlib
import datetime as dt
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection

from brm.common.errors import ErroDeNegocio
from brm.usuarios.models import Usuario

from .base import Campo, Tipo, invalido, padrao, validar_campos

logger = logging.getLogger(__name__)

CAMPOS = [
    # Empty means BRM_BACKUP_DIR, read when the copy runs: a stored schedule follows the environment.
    Campo("pasta", str, ""),
    Campo("manter", int, 7, minimo=1, maximo=365),
]
# Only files named like this are ever deleted by the pruning: nothing else a person puts in the folder.
NOME_COPIA = re.compile(r"brm-\d{8}-\d{6}\.(dump|sqlite3)")
NOME_TEMPORARIO = re.compile(r"\.brm-\d{8}-\d{6}\.(dump|sqlite3)\.[0-9a-f]+\.tmp")
# A temporary file this old was left by a run that died; a live pg_dump is never this slow here.
IDADE_TEMPORARIO_ABANDONADO = 24 * 60 * 60
TEMPO_MAXIMO_SEGUNDOS = 2 * 60 * 60
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


def backup_validar(parametros: dict) -> dict:
    limpos = validar_campos(parametros, CAMPOS)
    if limpos["pasta"] and not os.path.isabs(limpos["pasta"]):
        # A relative folder would depend on where each worker happened to start.
        raise invalido(f"A pasta dos backups deve ser um caminho absoluto; veio “{limpos['pasta']}”.", "pasta")
    return limpos


def _falha(mensagem: str) -> ErroDeNegocio:
    return ErroDeNegocio(mensagem, codigo=ErroDeNegocio.CONFLITO)


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
        raise _falha(
            f"{nome} não foi encontrado no PATH. Instale o cliente do PostgreSQL {versao_servidor} "
            f"(no Debian: apt-get install postgresql-client-{versao_servidor}) ou ponha a pasta dele no PATH."
        )
    saida = subprocess.run([caminho, "--version"], capture_output=True, text=True, timeout=30).stdout
    casamento = re.search(r"(\d+)(?:\.\d+)*", saida)
    if casamento and int(casamento.group(1)) < versao_servidor:
        raise _falha(
            f"{caminho} é da versão {casamento.group(1)} e o servidor é PostgreSQL {versao_servidor}: "
            f"ponha no PATH o {nome} {versao_servidor} ou mais novo."
        )
    return caminho


def _rodar(comando: list[str], ambiente: dict, nome: str) -> subprocess.CompletedProcess:
    try:
        resultado = subprocess.run(
            comando, env=ambiente, capture_output=True, text=True, timeout=TEMPO_MAXIMO_SEGUNDOS, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise _falha(f"{nome} não terminou em {TEMPO_MAXIMO_SEGUNDOS // 60} minutos e foi interrompido.") from exc
    if resultado.returncode != 0:
        detalhe = resultado.stderr.strip()[-1000:] or "sem mensagem"
        raise _falha(f"{nome} terminou com erro (código {resultado.returncode}): {detalhe}")
    return resultado


def _versao_servidor() -> int:
    connection.ensure_connection()
    return connection.pg_version // 10000


def _copiar_postgresql(destino: Path) -> None:
    ambiente = ambiente_postgresql(connection.settings_dict)
    pg_dump = binario_postgresql("pg_dump", _versao_servidor())
    _rodar([pg_dump, "--format=custom", "--no-owner", f"--file={destino}"], ambiente, "pg_dump")


def _verificar_postgresql(copia: Path) -> None:
    pg_restore = binario_postgresql("pg_restore", _versao_servidor())
    indice = _rodar([pg_restore, "--list", str(copia)], os.environ.copy(), "pg_restore --list").stdout
    if "django_migrations" not in indice:
        raise _falha(f"A cópia {copia.name} abre, mas não contém as tabelas do sistema.")


# SQLite --------------------------------------------------------------------------------------------------


def _copiar_sqlite(destino: Path) -> None:
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


def verificar_sqlite(copia: Path) -> None:
    try:
        conexao = sqlite3.connect(f"{copia.resolve().as_uri()}?mode=ro", uri=True)
        try:
            integridade = conexao.execute("PRAGMA integrity_check").fetchone()[0]
            migracoes = conexao.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
            ).fetchone()
        finally:
            conexao.close()
    except sqlite3.DatabaseError as exc:
        raise _falha(f"A cópia {copia.name} não abre como banco SQLite: {exc}.") from exc
    if integridade != "ok":
        raise _falha(f"A cópia {copia.name} falhou na verificação de integridade: {integridade}.")
    if not migracoes:
        raise _falha(f"A cópia {copia.name} abre, mas não contém as tabelas do sistema.")


# The copy ------------------------------------------------------------------------------------------------

MOTORES = {
    "postgresql": ("dump", _copiar_postgresql, _verificar_postgresql),
    "sqlite": ("sqlite3", _copiar_sqlite, verificar_sqlite),
}


def _gravar_no_disco(caminho: Path) -> None:
    descritor = os.open(caminho, os.O_RDONLY)
    try:
        os.fsync(descritor)
    finally:
        os.close(descritor)


def podar_copias(pasta: Path, extensao: str, manter: int) -> int:
    """Keep the newest `manter` copies of this kind; names carry a UTC timestamp, so they sort by age."""
    copias = sorted(
        caminho.name
        for caminho in pasta.iterdir()
        if NOME_COPIA.fullmatch(caminho.name) and caminho.suffix == f".{extensao}" and caminho.is_file()
    )
    antigas = copias[:-manter]
    for nome in antigas:
        (pasta / nome).unlink(missing_ok=True)
    limite = time.time() - IDADE_TEMPORARIO_ABANDONADO
    for caminho in pasta.iterdir():
        if NOME_TEMPORARIO.fullmatch(caminho.name) and caminho.stat().st_mtime < limite:
            logger.warning("Removendo cópia incompleta abandonada: %s", caminho)
            caminho.unlink(missing_ok=True)
    return len(antigas)


def backup_executar(*, parametros: dict, agora: dt.datetime, fuso: str, por: Usuario | None) -> dict:
    limpos = backup_validar(parametros)
    if connection.vendor not in MOTORES:
        raise _falha(f"Não há backup para o banco {connection.vendor}.")
    extensao, copiar, verificar = MOTORES[connection.vendor]
    pasta = Path(limpos["pasta"] or settings.BRM_BACKUP_DIR)
    try:
        # The copy holds everything (personal data, encrypted secrets): only this system's user reads it.
        pasta.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise _falha(f"Não foi possível criar a pasta dos backups {pasta}: {exc.strerror}.") from exc
    # UTC in the name, so names sort in time order even across a daylight-saving change.
    final = pasta / f"brm-{agora.astimezone(dt.UTC):%Y%m%d-%H%M%S}.{extensao}"
    if final.exists():
        raise _falha(f"Já existe uma cópia com este nome: {final}.")
    # Under a temporary name until it is complete and checked: a copy with the final name is always good,
    # and the pruning never counts a broken one among those it keeps.
    temporario = pasta / f".{final.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        copiar(temporario)
        os.chmod(temporario, 0o600)
        verificar(temporario)
        _gravar_no_disco(temporario)
        os.replace(temporario, final)
        with contextlib.suppress(OSError):
            _gravar_no_disco(pasta)
    finally:
        temporario.unlink(missing_ok=True)
    removidos = podar_copias(pasta, extensao, limpos["manter"])
    return {
        "arquivo": str(final),
        "tamanho_bytes": final.stat().st_size,
        "removidos": removidos,
        "verificado": True,
    }


BACKUP_DADOS = Tipo(
    validar=backup_validar,
    executar=backup_executar,
    descricao=(
        "Copia o banco inteiro para a pasta de backups (pg_dump no PostgreSQL, backup online no SQLite), "
        "confere que a cópia abre e mantém só as mais recentes."
    ),
    padrao=padrao(CAMPOS),
)
