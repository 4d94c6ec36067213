"""Which stored files the database refers to: every FileField of every model, found by looking, not by a list
that a new field could be missing from."""

import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import models

from brm.common.errors import ErroDeNegocio

BLOCO = 1024 * 1024
# A stored name → the fields that refer to it ("processos.Processo.fatura").
Referencias = dict[str, list[str]]


@dataclass(frozen=True)
class CampoDeArquivo:
    rotulo: str
    tabela: str
    coluna: str


def campos_de_arquivo() -> list[CampoDeArquivo]:
    campos = []
    for modelo in apps.get_models():
        meta = modelo._meta
        if meta.proxy or not meta.managed:
            continue
        for campo in meta.local_concrete_fields:
            if not isinstance(campo, models.FileField):
                continue
            rotulo = f"{meta.app_label}.{meta.object_name}.{campo.name}"
            # The archive mirrors MEDIA_ROOT (the default storage); a field stored elsewhere would silently
            # be left out, which is exactly what a backup must never do.
            if campo.storage is not default_storage:
                raise ErroDeNegocio(
                    f"O campo {rotulo} guarda arquivos fora do armazenamento padrão (MEDIA_ROOT): o backup "
                    "não sabe copiá-los."
                )
            campos.append(CampoDeArquivo(rotulo, meta.db_table, campo.column))
    return campos


def _identificador(nome: str) -> str:
    # Double quotes are the standard SQL quoting, understood by PostgreSQL and SQLite alike.
    return '"' + nome.replace('"', '""') + '"'


def nomes_referenciados(cursor) -> Referencias:
    """The stored names each file field refers to, read with `cursor` (any DB-API cursor: the snapshot the
    dump was taken from, or the SQLite copy itself), so the names match the copy of the data exactly."""
    referencias: Referencias = {}
    for campo in campos_de_arquivo():
        coluna, tabela = _identificador(campo.coluna), _identificador(campo.tabela)
        cursor.execute(f"SELECT DISTINCT {coluna} FROM {tabela} WHERE {coluna} IS NOT NULL AND {coluna} <> ''")
        while lote := cursor.fetchmany(5000):
            for (nome,) in lote:
                referencias.setdefault(nome, []).append(campo.rotulo)
    return referencias


def nome_seguro(nome: str) -> bool:
    """A relative path of plain components: nothing that climbs out of the folder it is placed in."""
    if not nome or "\\" in nome or "\x00" in nome or nome.startswith("/"):
        return False
    partes = PurePosixPath(nome).parts
    return bool(partes) and all(parte not in ("", ".", "..") for parte in partes) and "/".join(partes) == nome


class SomaSha256:
    """Size and SHA-256 of what passes through, computed while it streams."""

    def __init__(self):
        self.sha256 = hashlib.sha256()
        self.tamanho = 0

    def atualizar(self, bloco: bytes) -> None:
        self.sha256.update(bloco)
        self.tamanho += len(bloco)

    @property
    def hexa(self) -> str:
        return self.sha256.hexdigest()


class LeitorComSoma:
    """A file object that sums what is read from it (tarfile reads a member's bytes through it)."""

    def __init__(self, arquivo):
        self.arquivo = arquivo
        self.soma = SomaSha256()

    def read(self, tamanho: int = -1) -> bytes:
        bloco = self.arquivo.read(tamanho)
        self.soma.atualizar(bloco)
        return bloco


def soma_do_arquivo(caminho: Path) -> SomaSha256:
    soma = SomaSha256()
    with open(caminho, "rb") as arquivo:
        while bloco := arquivo.read(BLOCO):
            soma.atualizar(bloco)
    return soma
