"""A backup of the whole system in a folder, checked before it counts, keeping the last N.

One archive per run (`agendamentos.backup.pacote`): the database copy (pg_dump in custom format on PostgreSQL,
the online backup API on SQLite), every invoice file the copy refers to, and a manifest of their SHA-256 sums.
Invoice files referenced but missing from MEDIA_ROOT do not stop the backup: they are listed in the manifest,
counted in the result, and logged as an error. The whole run stops at `BRM_BACKUP_TEMPO_MAXIMO`.
"""

import contextlib
import datetime as dt
import logging
import os
import re
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection

from brm.usuarios.models import Usuario

from ..backup import banco
from ..backup.banco import Prazo, falha
from ..backup.pacote import pacote_conferir, pacote_gravar, pacote_ler
from .base import Campo, Tipo, invalido, padrao, validar_campos

logger = logging.getLogger(__name__)

CAMPOS = [
    # Empty means BRM_BACKUP_DIR, read when the copy runs: a stored schedule follows the environment.
    Campo("pasta", str, ""),
    Campo("manter", int, 7, minimo=1, maximo=365),
]
# Only files named like this are ever deleted by the pruning: nothing else a person puts in the folder.
NOME_COPIA = re.compile(r"brm-\d{8}-\d{6}\.(dump|sqlite3)\.tar")
NOME_TEMPORARIO = re.compile(r"\.brm-\d{8}-\d{6}\.(dump|sqlite3)(\.tar)?\.[0-9a-f]+\.tmp")
# A temporary file this old was left by a run that died; a live backup never takes this long.
IDADE_TEMPORARIO_ABANDONADO = 24 * 60 * 60
# How many missing files the run's result names (all of them are in the manifest).
AUSENTES_NO_RESULTADO = 20


def backup_validar(parametros: dict) -> dict:
    limpos = validar_campos(parametros, CAMPOS)
    if limpos["pasta"] and not os.path.isabs(limpos["pasta"]):
        # A relative folder would depend on where each worker happened to start.
        raise invalido(f"A pasta dos backups deve ser um caminho absoluto; veio “{limpos['pasta']}”.", "pasta")
    return limpos


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
        if NOME_COPIA.fullmatch(caminho.name) and caminho.name.endswith(f".{extensao}.tar") and caminho.is_file()
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


def aviso_ausentes(ausentes: list[dict]) -> str:
    nomes = ", ".join(item["nome"] for item in ausentes[:5])
    mais = f" e mais {len(ausentes) - 5}" if len(ausentes) > 5 else ""
    return (
        f"{len(ausentes)} arquivo(s) de fatura que o banco referencia não estão em MEDIA_ROOT e ficaram FORA do "
        f"backup: {nomes}{mais}. A lista completa, com o motivo, está no MANIFESTO.json da cópia."
    )


def backup_executar(*, parametros: dict, agora: dt.datetime, fuso: str, por: Usuario | None) -> dict:
    limpos = backup_validar(parametros)
    motor = banco.motor_obter()
    prazo = Prazo(settings.BRM_BACKUP_TEMPO_MAXIMO)
    pasta = Path(limpos["pasta"] or settings.BRM_BACKUP_DIR)
    try:
        # The copy holds everything (personal data, encrypted secrets): only this system's user reads it.
        pasta.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise falha(f"Não foi possível criar a pasta dos backups {pasta}: {exc.strerror}.") from exc
    # UTC in the name, so names sort in time order even across a daylight-saving change.
    carimbo = f"brm-{agora.astimezone(dt.UTC):%Y%m%d-%H%M%S}.{motor.extensao}"
    final = pasta / f"{carimbo}.tar"
    if final.exists():
        raise falha(f"Já existe uma cópia com este nome: {final}.")
    # Under temporary names until complete and checked: a copy with the final name is always good, and the
    # pruning never counts a broken one among those it keeps.
    sufixo = uuid.uuid4().hex[:8]
    dados, temporario = pasta / f".{carimbo}.{sufixo}.tmp", pasta / f".{final.name}.{sufixo}.tmp"
    try:
        referencias = motor.copiar(dados, prazo)
        os.chmod(dados, 0o600)
        motor.verificar(dados, prazo)
        manifesto = pacote_gravar(
            destino=temporario,
            dados=dados,
            banco=connection.vendor,
            referencias=referencias,
            criado_em=agora,
            prazo=prazo,
        )
        dados.unlink()
        os.chmod(temporario, 0o600)
        _gravar_no_disco(temporario)
        # Read back whole and compared with the manifest: what a restore will check, checked now.
        lido = pacote_ler(temporario, prazo=prazo)
        pacote_conferir(lido)
        os.replace(temporario, final)
        with contextlib.suppress(OSError):
            _gravar_no_disco(pasta)
    finally:
        dados.unlink(missing_ok=True)
        temporario.unlink(missing_ok=True)
    removidos = podar_copias(pasta, motor.extensao, limpos["manter"])
    ausentes = manifesto["ausentes"]
    resultado = {
        "arquivo": str(final),
        "tamanho_bytes": final.stat().st_size,
        "sha256": lido.sha256,
        "removidos": removidos,
        "verificado": True,
        "arquivos": manifesto["totais"]["arquivos"],
        "bytes_arquivos": manifesto["totais"]["bytes_arquivos"],
        "arquivos_ausentes": len(ausentes),
    }
    if ausentes:
        resultado["aviso"] = aviso_ausentes(ausentes)
        resultado["ausentes"] = [item["nome"] for item in ausentes[:AUSENTES_NO_RESULTADO]]
        # An error, not a warning: Sentry and log alerts pick it up, and a company wants to know.
        logger.error("Backup %s gravado, mas incompleto: %s", final.name, resultado["aviso"])
    return resultado


BACKUP_DADOS = Tipo(
    validar=backup_validar,
    executar=backup_executar,
    descricao=(
        "Copia o banco inteiro (pg_dump no PostgreSQL, backup online no SQLite) e todos os arquivos de fatura que "
        "ele referencia para um arquivo .tar com manifesto de SHA-256, confere a cópia inteira e mantém só as "
        "mais recentes. Faturas que faltam no disco são listadas como aviso."
    ),
    padrao=padrao(CAMPOS),
)
