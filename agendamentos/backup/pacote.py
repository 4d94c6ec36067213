"""The backup archive: one tar holding the database copy, the invoice files and a manifest of their SHA-256 sums.

    dados.dump | dados.sqlite3      the database copy (pg_dump custom format, or an SQLite file)
    arquivos/<name in MEDIA_ROOT>   every file the database refers to, e.g. arquivos/faturas/2026-11/....pdf
    MANIFESTO.json                  last: size and SHA-256 of each of the above, and the files that were missing

Uncompressed: PDFs and pg_dump's custom format are compressed already. Written and read as streams, one file at
a time, so tens of thousands of invoices never sit in memory. Reading checks every member's name and type
before a byte of it is written anywhere.
"""

import datetime as dt
import io
import json
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage

from .arquivos import BLOCO, LeitorComSoma, Referencias, SomaSha256, nome_seguro
from .banco import Prazo, falha

FORMATO = "brm-backup"
VERSAO = 1
MANIFESTO = "MANIFESTO.json"
PREFIXO_ARQUIVOS = "arquivos/"
NOMES_DADOS = {"postgresql": "dados.dump", "sqlite": "dados.sqlite3"}
# The manifest is read into memory: about 200 bytes a file, so this allows millions of files and no more.
TAMANHO_MAXIMO_MANIFESTO = 512 * 1024 * 1024
# How many problems a refusal names; the count says how many more there are.
EXEMPLOS = 10


def _entrada(nome: str, tamanho: int, momento: int) -> tarfile.TarInfo:
    entrada = tarfile.TarInfo(nome)
    entrada.size, entrada.mtime, entrada.mode = tamanho, momento, 0o600
    return entrada


def _adicionar(pacote: tarfile.TarFile, nome: str, arquivo, tamanho: int, momento: int) -> dict:
    leitor = LeitorComSoma(arquivo)
    # tarfile copies exactly `tamanho` bytes and fails if the file ends sooner: a member never lies about its size.
    pacote.addfile(_entrada(nome, tamanho, momento), leitor)
    return {"nome": nome, "tamanho": leitor.soma.tamanho, "sha256": leitor.soma.hexa}


def pacote_gravar(
    *, destino: Path, dados: Path, banco: str, referencias: Referencias, criado_em: dt.datetime, prazo: Prazo
) -> dict:
    """Write the archive to `destino` and return its manifest. A referenced file that is not in storage is
    listed in the manifest's `ausentes` (and logged) instead of stopping the backup: the rest is still worth
    keeping, and the list says what a restore will not bring back."""
    momento = int(time.time())
    arquivos: list[dict] = []
    ausentes: list[dict] = []
    with tarfile.open(destino, "w", format=tarfile.PAX_FORMAT, copybufsize=BLOCO) as pacote:
        with open(dados, "rb") as copia:
            entrada_dados = _adicionar(pacote, NOMES_DADOS[banco], copia, dados.stat().st_size, momento)
        for nome in sorted(referencias):
            prazo.conferir(f"copiando os arquivos de fatura ({len(arquivos)} de {len(referencias)} copiados)")
            if not nome_seguro(nome):
                ausentes.append({"nome": nome, "campos": referencias[nome], "motivo": "nome inseguro"})
                continue
            try:
                aberto = default_storage.open(nome, "rb")
            except FileNotFoundError:
                ausentes.append({"nome": nome, "campos": referencias[nome], "motivo": "não existe em MEDIA_ROOT"})
                continue
            except (OSError, SuspiciousFileOperation) as exc:
                ausentes.append({"nome": nome, "campos": referencias[nome], "motivo": f"não abre: {exc}"})
                continue
            with aberto:
                entrada = _adicionar(pacote, PREFIXO_ARQUIVOS + nome, aberto, aberto.size, momento)
            arquivos.append({**entrada, "nome": nome})
        manifesto = {
            "formato": FORMATO,
            "versao": VERSAO,
            "criado_em": criado_em.astimezone(dt.UTC).isoformat(),
            "banco": banco,
            "restaurar": "manage.py restaurar_backup <este arquivo> (docs/backup.md)",
            "dados": entrada_dados,
            "arquivos": arquivos,
            "ausentes": ausentes,
            "totais": {
                "arquivos": len(arquivos),
                "bytes_arquivos": sum(item["tamanho"] for item in arquivos),
                "ausentes": len(ausentes),
            },
        }
        conteudo = json.dumps(manifesto, ensure_ascii=False, indent=1).encode()
        pacote.addfile(_entrada(MANIFESTO, len(conteudo), momento), io.BytesIO(conteudo))
    return manifesto


# Reading -------------------------------------------------------------------------------------------------


@dataclass
class Lido:
    """What reading an archive found: its manifest, each member's size and sum, and the archive's own sum."""

    manifesto: dict
    encontrados: dict[str, tuple[int, str]] = field(default_factory=dict)
    sha256: str = ""

    @property
    def nome_dados(self) -> str:
        return self.manifesto["dados"]["nome"]


def _membro_conferir(membro: tarfile.TarInfo, vistos: set[str]) -> None:
    nome = membro.name
    if not nome_seguro(nome):
        raise falha(f"O backup tem um item com caminho inseguro (“{nome}”): ele foi recusado e nada foi restaurado.")
    if not membro.isreg():
        tipo = "link" if membro.issym() or membro.islnk() else "diretório" if membro.isdir() else "item especial"
        raise falha(
            f"O backup tem um {tipo} (“{nome}”), e um backup do BRM só tem arquivos comuns: ele foi recusado e nada "
            "foi restaurado."
        )
    if not (nome == MANIFESTO or nome in NOMES_DADOS.values() or nome.startswith(PREFIXO_ARQUIVOS)):
        raise falha(f"O backup tem um item que não é de um backup do BRM (“{nome}”): nada foi restaurado.")
    if nome in vistos:
        raise falha(f"O backup tem o item “{nome}” duas vezes: nada foi restaurado.")
    vistos.add(nome)


def _copiar_membro(fonte, destino: Path | None) -> SomaSha256:
    soma = SomaSha256()
    saida = None
    if destino is not None:
        destino.parent.mkdir(parents=True, exist_ok=True)
        saida = open(destino, "xb")  # noqa: SIM115
    try:
        while bloco := fonte.read(BLOCO):
            soma.atualizar(bloco)
            if saida is not None:
                saida.write(bloco)
    finally:
        if saida is not None:
            saida.close()
    return soma


def _manifesto_ler(fonte, tamanho: int) -> dict:
    if tamanho > TAMANHO_MAXIMO_MANIFESTO:
        raise falha(f"O {MANIFESTO} do backup tem {tamanho} bytes, grande demais para ser um manifesto.")
    try:
        manifesto = json.loads(fonte.read(tamanho))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise falha(f"O {MANIFESTO} do backup não é um JSON válido: {exc}.") from exc
    _manifesto_validar(manifesto)
    return manifesto


def _entrada_valida(item) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("nome"), str)
        and isinstance(item.get("tamanho"), int)
        and isinstance(item.get("sha256"), str)
    )


def _manifesto_validar(manifesto) -> None:
    if not isinstance(manifesto, dict) or manifesto.get("formato") != FORMATO:
        raise falha(f"O {MANIFESTO} não é de um backup do BRM.")
    if manifesto.get("versao") != VERSAO:
        raise falha(
            f"O backup é do formato {manifesto.get('versao')!r} e esta versão do sistema lê o formato {VERSAO}."
        )
    if manifesto.get("banco") not in NOMES_DADOS:
        raise falha(f"O {MANIFESTO} não diz de que banco é a cópia (veio {manifesto.get('banco')!r}).")
    dados, arquivos = manifesto.get("dados"), manifesto.get("arquivos")
    if not _entrada_valida(dados) or dados["nome"] != NOMES_DADOS[manifesto["banco"]]:
        raise falha(f"O {MANIFESTO} não descreve a cópia do banco.")
    if not isinstance(arquivos, list) or not all(_entrada_valida(item) for item in arquivos):
        raise falha(f"O {MANIFESTO} não descreve os arquivos de fatura.")
    ausentes = manifesto.get("ausentes", [])
    if not isinstance(ausentes, list) or not all(isinstance(item, dict) and "nome" in item for item in ausentes):
        raise falha(f"O {MANIFESTO} traz a lista de arquivos ausentes num formato desconhecido.")


def pacote_ler(caminho: Path, *, destino: Path | None = None, prazo: Prazo) -> Lido:
    """Read the archive member by member, checking each name and type first; with `destino`, write each
    member there (the database copy under its name, the files under arquivos/). Nothing is trusted yet: the
    caller compares what was found with the manifest (`pacote_conferir`)."""
    vistos: set[str] = set()
    encontrados: dict[str, tuple[int, str]] = {}
    manifesto = None
    try:
        with open(caminho, "rb") as bruto:
            leitor = LeitorComSoma(bruto)
            with tarfile.open(fileobj=leitor, mode="r|*") as pacote:
                for membro in pacote:
                    prazo.conferir("conferindo a cópia")
                    _membro_conferir(membro, vistos)
                    fonte = pacote.extractfile(membro)
                    if membro.name == MANIFESTO:
                        manifesto = _manifesto_ler(fonte, membro.size)
                        continue
                    try:
                        soma = _copiar_membro(fonte, destino / membro.name if destino is not None else None)
                    except OSError as exc:
                        raise falha(
                            f"Não foi possível extrair “{membro.name}” para a pasta temporária: "
                            f"{exc.strerror or exc}. Nada foi restaurado."
                        ) from exc
                    encontrados[membro.name] = (soma.tamanho, soma.hexa)
            # The archive's own sum covers its last bytes too (the padding tarfile stops short of).
            while leitor.read(BLOCO):
                pass
    except (tarfile.TarError, EOFError) as exc:
        raise falha(f"{caminho.name} não abre como backup do BRM, ou está incompleto ou corrompido ({exc}).") from exc
    if manifesto is None:
        raise falha(f"{caminho.name} não tem o {MANIFESTO}: não é um backup do BRM, ou está incompleto.")
    return Lido(manifesto=manifesto, encontrados=encontrados, sha256=leitor.soma.hexa)


def pacote_conferir(lido: Lido) -> None:
    """Every item the manifest lists is in the archive with the same size and SHA-256, and nothing else is."""
    manifesto = lido.manifesto
    esperados = {manifesto["dados"]["nome"]: manifesto["dados"]}
    for item in manifesto["arquivos"]:
        if not nome_seguro(item["nome"]):
            raise falha(f"O {MANIFESTO} lista um arquivo com caminho inseguro (“{item['nome']}”): nada foi restaurado.")
        esperados[PREFIXO_ARQUIVOS + item["nome"]] = item
    problemas = []
    for nome, item in esperados.items():
        if nome not in lido.encontrados:
            problemas.append(f"{nome} consta do manifesto mas não está no backup")
            continue
        tamanho, sha256 = lido.encontrados[nome]
        if (tamanho, sha256) != (item["tamanho"], item["sha256"]):
            problemas.append(
                f"{nome} não confere com o manifesto (SHA-256 esperado {item['sha256'][:16]}…, "
                f"encontrado {sha256[:16]}…; {item['tamanho']} bytes esperados, {tamanho} encontrados)"
            )
    problemas += [f"{nome} está no backup mas não consta do manifesto" for nome in lido.encontrados.keys() - esperados]
    if problemas:
        mais = f" (e mais {len(problemas) - EXEMPLOS})" if len(problemas) > EXEMPLOS else ""
        raise falha(
            f"O backup não confere com o seu manifesto, foi alterado ou está corrompido; nada foi restaurado. "
            f"{len(problemas)} problema(s): {'; '.join(problemas[:EXEMPLOS])}{mais}."
        )
