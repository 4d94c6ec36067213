"""Restoring a backup: the whole archive is checked against its manifest before anything changes, then the
database is restored in one transaction, then the invoice files are moved into MEDIA_ROOT.

A refusal (an archive that does not match its manifest, an unsafe name, a database that is not empty, a file in
MEDIA_ROOT with other contents) leaves the database and MEDIA_ROOT as they were.
"""

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from .arquivos import nome_seguro, nomes_referenciados, soma_do_arquivo
from .banco import SEM_PRAZO, banco_vazio_exigir, falha, motor_obter, tabelas_contar
from .pacote import EXEMPLOS, PREFIXO_ARQUIVOS, Lido, pacote_conferir, pacote_ler

NOMES_BANCOS = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


@dataclass(frozen=True)
class Colocacao:
    """One file of the archive, checked, and where it goes."""

    origem: Path
    destino: Path
    substitui: bool


def _lista(nomes: list[str]) -> str:
    mais = f" (e mais {len(nomes) - EXEMPLOS})" if len(nomes) > EXEMPLOS else ""
    return ", ".join(nomes[:EXEMPLOS]) + mais


def _planejar(lido: Lido, preparo: Path, midia: Path, substituir: bool) -> tuple[list[Colocacao], int]:
    """Where each file goes, and how many are already there with the same contents (left as they are)."""
    colocacoes, iguais, conflitos = [], 0, []
    for item in lido.manifesto["arquivos"]:
        destino = midia / item["nome"]
        substitui = False
        if destino.is_symlink() or (destino.exists() and not destino.is_file()):
            conflitos.append(item["nome"])
            continue
        if destino.exists():
            if soma_do_arquivo(destino).hexa == item["sha256"]:
                iguais += 1
                continue
            if not substituir:
                conflitos.append(item["nome"])
                continue
            substitui = True
        colocacoes.append(Colocacao(preparo / (PREFIXO_ARQUIVOS + item["nome"]), destino, substitui))
    if conflitos:
        raise falha(
            f"{len(conflitos)} arquivo(s) já existem em MEDIA_ROOT ({midia}) com outro conteúdo: {_lista(conflitos)}. "
            "Nada foi restaurado. Para trocá-los pelos do backup, rode de novo com --substituir-arquivos "
            "(links e pastas com esses nomes nunca são substituídos)."
        )
    return colocacoes, iguais


def _colocar(colocacoes: list[Colocacao], *, banco_restaurado: bool) -> None:
    for feitos, colocacao in enumerate(colocacoes):
        try:
            colocacao.destino.parent.mkdir(parents=True, exist_ok=True)
            # A rename within one file system: the file appears whole or not at all.
            os.replace(colocacao.origem, colocacao.destino)
            if settings.FILE_UPLOAD_PERMISSIONS is not None:
                os.chmod(colocacao.destino, settings.FILE_UPLOAD_PERMISSIONS)
        except OSError as exc:
            antes = "O banco foi restaurado, mas s" if banco_restaurado else "S"
            raise falha(
                f"{antes}ó {feitos} de {len(colocacoes)} arquivos foram para MEDIA_ROOT: {colocacao.destino} falhou "
                f"({exc.strerror or exc}). Corrija e rode de novo com --somente-arquivos."
            ) from exc


def _faltando_em_midia(midia: Path) -> list[str]:
    """Files the restored database refers to that MEDIA_ROOT does not have."""
    with connection.cursor() as cursor:
        referencias = nomes_referenciados(cursor)
    return sorted(nome for nome in referencias if not (nome_seguro(nome) and (midia / nome).is_file()))


def backup_restaurar(
    *,
    caminho: Path,
    substituir_arquivos: bool = False,
    somente_arquivos: bool = False,
    apenas_verificar: bool = False,
) -> dict:
    """Restore the archive at `caminho` into the configured database (which must have no tables) and MEDIA_ROOT.

    `somente_arquivos` restores only the invoice files (into a system that has its data); `apenas_verificar`
    checks the archive against its manifest and changes nothing.
    """
    caminho = Path(caminho)
    if not caminho.is_file():
        raise falha(f"O backup {caminho} não existe ou não é um arquivo.")
    if apenas_verificar:
        lido = pacote_ler(caminho, prazo=SEM_PRAZO)
        pacote_conferir(lido)
        return _resumo(caminho, lido)
    motor = None if somente_arquivos else motor_obter()
    if motor is not None:
        banco_vazio_exigir()
    midia = Path(settings.MEDIA_ROOT)
    try:
        midia.mkdir(parents=True, exist_ok=True)
        # Inside MEDIA_ROOT, not beside it: MEDIA_ROOT is often a volume of its own, and only within one file
        # system is moving a checked file into place a rename, which cannot fail half way or run out of space.
        preparo = Path(tempfile.mkdtemp(prefix=".restauro-", dir=midia))
    except OSError as exc:
        raise falha(f"Não foi possível preparar a pasta das faturas {midia} (MEDIA_ROOT): {exc.strerror}.") from exc
    try:
        lido = pacote_ler(caminho, destino=preparo, prazo=SEM_PRAZO)
        pacote_conferir(lido)
        banco = lido.manifesto["banco"]
        if motor is not None and banco != connection.vendor:
            raise falha(
                f"Este backup é de um banco {NOMES_BANCOS[banco]} e o destino (DATABASE_URL) é "
                f"{NOMES_BANCOS.get(connection.vendor, connection.vendor)}: nada foi restaurado."
            )
        colocacoes, iguais = _planejar(lido, preparo, midia, substituir_arquivos)
        if motor is not None:
            motor.restaurar(preparo / lido.nome_dados)
        _colocar(colocacoes, banco_restaurado=motor is not None)
    finally:
        shutil.rmtree(preparo, ignore_errors=True)
    return {
        **_resumo(caminho, lido),
        "dados_restaurados": motor is not None,
        "tabelas": tabelas_contar(),
        "gravados": sum(not colocacao.substitui for colocacao in colocacoes),
        "substituidos": sum(colocacao.substitui for colocacao in colocacoes),
        "iguais": iguais,
        # Also after --somente-arquivos: the data already there is what the files must match.
        "faltando": _faltando_em_midia(midia) if tabelas_contar() else [],
    }


def _resumo(caminho: Path, lido: Lido) -> dict:
    manifesto = lido.manifesto
    return {
        "arquivo": str(caminho),
        "sha256": lido.sha256,
        "banco": manifesto["banco"],
        "criado_em": manifesto.get("criado_em", ""),
        "tamanho_dados": manifesto["dados"]["tamanho"],
        "arquivos": len(manifesto["arquivos"]),
        "bytes_arquivos": sum(item["tamanho"] for item in manifesto["arquivos"]),
        "ausentes_no_backup": [str(item.get("nome")) for item in manifesto.get("ausentes", [])],
    }
