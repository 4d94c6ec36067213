"""Backups a company can restore from: the invoice files travel in the archive with a manifest of SHA-256 sums,
and `restaurar_backup` brings every row and every file back into a new database and an empty media folder. It
refuses, with nothing written, an archive that does not match its manifest, unsafe member names, and files it
would overwrite; a file missing at backup time is reported, not silently left out.

On the database the suite runs on: PostgreSQL in CI's second pass (a new database beside the test one), SQLite
otherwise (a new file)."""

import contextlib
import datetime as dt
import hashlib
import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from agendamentos.backup import banco
from agendamentos.backup.pacote import MANIFESTO, NOMES_DADOS, pacote_gravar
from agendamentos.backup.restauracao import backup_restaurar
from agendamentos.models import Agendamento, AgendamentoExecucao
from agendamentos.services import agendamento_criar, agendamento_executar
from agendamentos.tipos import TIPOS
from brm.common.errors import ErroDeNegocio
from processos.models import FaturaArquivo, Processo
from processos.services import processo_aprovar, processo_registrar_fatura, processo_rejeitar

from ..conftest import PDF_MINIMO
from ..factories import ProcessoFactory

RAIZ = Path(__file__).resolve().parents[2]
BACKUP = TIPOS[Agendamento.Tipo.BACKUP_DADOS]
AGORA = dt.datetime(2026, 11, 20, 5, 30, 15, tzinfo=dt.UTC)
DADOS = NOMES_DADOS[connection.vendor]


def _pdf(numero: int) -> io.BytesIO:
    arquivo = io.BytesIO(PDF_MINIMO.replace(b"%%EOF", f"% fatura {numero}\n%%EOF".encode()))
    arquivo.name, arquivo.size = f"fatura-{numero}.pdf", len(arquivo.getvalue())
    return arquivo


def _somas(pasta: Path) -> dict[str, str]:
    """Every file under `pasta`, by its path relative to it, with its SHA-256."""
    return {
        caminho.relative_to(pasta).as_posix(): hashlib.sha256(caminho.read_bytes()).hexdigest()
        for caminho in pasta.rglob("*")
        if caminho.is_file()
    }


def _manifesto(pacote: Path) -> dict:
    with tarfile.open(pacote) as aberto:
        return json.load(aberto.extractfile(MANIFESTO))


@pytest.fixture
def faturas(media, operador, aprovador, tarefas) -> Path:
    """Six processes with invoices stored through the real services, committed: waiting approval, approved (SAT
    upload queued), and one rejected and sent again, whose first file only its FaturaArquivo row still names."""
    processos = ProcessoFactory.create_batch(6)
    for numero, processo in enumerate(processos):
        processo_registrar_fatura(processo=processo, arquivo=_pdf(numero), por=operador, nome_original="fatura.pdf")
    processo_aprovar(processo=Processo.objects.get(pk=processos[0].pk), por=aprovador)
    processo_aprovar(processo=Processo.objects.get(pk=processos[1].pk), por=aprovador)
    processo_rejeitar(processo=Processo.objects.get(pk=processos[2].pk), por=aprovador, motivo="Valor errado.")
    processo_registrar_fatura(processo=Processo.objects.get(pk=processos[2].pk), arquivo=_pdf(99), por=operador)
    assert FaturaArquivo.objects.count() == 7
    return media


# Comparing whole databases --------------------------------------------------------------------------------


def _parametros_postgresql(nome: str) -> dict:
    dados = connection.settings_dict
    return {
        "dbname": nome,
        "host": dados.get("HOST") or None,
        "port": dados.get("PORT") or None,
        "user": dados.get("USER") or None,
        "password": dados.get("PASSWORD") or None,
    }


def _url(nome: str) -> str:
    if connection.vendor == "sqlite":
        return f"sqlite:///{nome}"
    dados = connection.settings_dict
    senha = f":{dados['PASSWORD']}" if dados.get("PASSWORD") else ""
    usuario = dados.get("USER") or "postgres"
    return f"postgres://{usuario}{senha}@{dados.get('HOST') or '127.0.0.1'}:{dados.get('PORT') or 5432}/{nome}"


@contextlib.contextmanager
def _conectar(nome: str) -> Iterator:
    if connection.vendor == "sqlite":
        conexao = sqlite3.connect(nome)
        try:
            yield conexao.cursor()
        finally:
            conexao.close()
    else:
        with psycopg.connect(**_parametros_postgresql(nome)) as conexao, conexao.cursor() as cursor:
            yield cursor


def _valor(valor):
    # bytea arrives as a memoryview, whose repr is its address.
    return bytes(valor) if isinstance(valor, memoryview) else valor


def _linhas_de_cada_tabela(nome: str) -> dict[str, list[str]]:
    """Every row of every table of the database `nome`, in a comparable form."""
    with _conectar(nome) as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        else:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tabelas = [linha[0] for linha in cursor.fetchall()]
        linhas = {}
        for tabela in tabelas:
            cursor.execute(f'SELECT * FROM "{tabela}"')
            linhas[tabela] = sorted(repr(tuple(_valor(valor) for valor in linha)) for linha in cursor.fetchall())
        return linhas


@contextlib.contextmanager
def _banco_novo(tmp_path: Path) -> Iterator[str]:
    """The name of a database that does not exist yet (PostgreSQL: created empty beside the test database, and
    dropped afterwards; SQLite: a file path)."""
    if connection.vendor == "sqlite":
        yield str(tmp_path / "restaurado.sqlite3")
        return
    nome = f"{connection.settings_dict['NAME']}_restauro"
    with psycopg.connect(**_parametros_postgresql(connection.settings_dict["NAME"]), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{nome}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{nome}"')
        try:
            yield nome
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{nome}" WITH (FORCE)')


def _manage(*argumentos: str, **ambiente: str) -> subprocess.CompletedProcess:
    """manage.py in a process of its own, as a person restoring on a new machine runs it."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "brm.settings.test", "DATABASE_POOL": "False", **ambiente}
    return subprocess.run(
        [sys.executable, "manage.py", *argumentos], cwd=RAIZ, env=env, capture_output=True, text=True, timeout=300
    )


# The proof: a backup with invoices, restored into a new database and an empty media folder -----------------


# Committed data: the copy is made by another connection (pg_dump, or SQLite's backup from its own connection).
# serialized_rollback keeps the role groups that the flush after the test would otherwise drop.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backup_com_faturas_restaurado_num_banco_novo_e_midia_vazia_traz_cada_linha_e_cada_arquivo(tmp_path, faturas):
    resultado = BACKUP.executar(
        parametros={"pasta": str(tmp_path / "copias")}, agora=AGORA, fuso="America/Sao_Paulo", por=None
    )
    originais = _somas(faturas)
    linhas_originais = _linhas_de_cada_tabela(connection.settings_dict["NAME"])

    assert len(originais) == 7
    assert (resultado["arquivos"], resultado["bytes_arquivos"], resultado["arquivos_ausentes"]) == (
        7,
        sum((faturas / nome).stat().st_size for nome in originais),
        0,
    )
    manifesto = _manifesto(Path(resultado["arquivo"]))
    assert {item["nome"]: item["sha256"] for item in manifesto["arquivos"]} == originais
    assert manifesto["banco"] == connection.vendor
    assert manifesto["ausentes"] == []

    midia_nova = tmp_path / "midia-nova"
    midia_nova.mkdir()
    with _banco_novo(tmp_path) as nome:
        saida = _manage(
            "restaurar_backup", resultado["arquivo"], DATABASE_URL=_url(nome), BRM_MEDIA_ROOT=str(midia_nova)
        )
        assert saida.returncode == 0, saida.stderr
        linhas_restauradas = _linhas_de_cada_tabela(nome)
        with _conectar(nome) as cursor:
            cursor.execute(f"SELECT fatura, fatura_sha256 FROM {Processo._meta.db_table} WHERE fatura <> ''")
            referidas = cursor.fetchall()
            cursor.execute(f"SELECT arquivo, sha256 FROM {FaturaArquivo._meta.db_table}")
            referidas += cursor.fetchall()

    # Every row of every table, and every file with the same SHA-256, and nothing else in the folder.
    assert linhas_restauradas == linhas_originais
    assert {tabela: len(linhas) for tabela, linhas in linhas_restauradas.items()}[Processo._meta.db_table] == 6
    assert _somas(midia_nova) == originais
    # Each invoice the restored database names is there, with the SHA-256 the database recorded for it.
    assert len(referidas) == 6 + 7
    assert all(_somas(midia_nova)[nome] == sha256 for nome, sha256 in referidas)
    assert "conferem com o SHA-256 do manifesto" in saida.stdout
    assert "7 gravada(s), 0 substituída(s), 0 já estavam lá iguais" in saida.stdout
    assert "ATENÇÃO" not in saida.stderr


# Files missing at backup time --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fatura_que_falta_no_disco_fica_fora_com_aviso_no_manifesto_na_saida_e_no_agendamento(
    tmp_path, faturas, caplog
):
    rejeitada = FaturaArquivo.objects.get(status=FaturaArquivo.Status.REJEITADA).arquivo.name
    vigente = Processo.objects.exclude(fatura="").order_by("pk").first().fatura.name
    for perdida in (rejeitada, vigente):
        (faturas / perdida).unlink()
    saida, erros = io.StringIO(), io.StringIO()
    caplog.set_level(logging.ERROR)

    call_command("backup_dados", "--pasta", str(tmp_path / "copias"), stdout=saida, stderr=erros)

    (pacote,) = (tmp_path / "copias").iterdir()
    manifesto = _manifesto(pacote)
    ausente = "não existe em MEDIA_ROOT"
    assert _ausentes_ordenados(manifesto) == sorted(
        [
            {"nome": rejeitada, "campos": ["processos.FaturaArquivo.arquivo"], "motivo": ausente},
            {
                "nome": vigente,
                "campos": ["processos.FaturaArquivo.arquivo", "processos.Processo.fatura"],
                "motivo": ausente,
            },
        ],
        key=lambda item: item["nome"],
    )
    assert manifesto["totais"] == {
        "arquivos": 5,
        "bytes_arquivos": sum(item["tamanho"] for item in manifesto["arquivos"]),
        "ausentes": 2,
    }
    assert "com o banco e 5 arquivo(s) de fatura" in saida.getvalue()
    aviso = erros.getvalue()
    assert aviso.startswith(
        "ATENÇÃO: 2 arquivo(s) de fatura que o banco referencia não estão em MEDIA_ROOT e ficaram FORA do backup: "
    )
    assert rejeitada in aviso and vigente in aviso and "MANIFESTO.json" in aviso
    assert [registro.levelname for registro in caplog.records] == ["ERROR"]
    assert "incompleto" in caplog.records[0].getMessage()

    # The scheduled run completes (the copy is still the best there is) and its result says what is missing.
    agendamento = agendamento_criar(
        por=None,
        nome="Backup diário",
        tipo=Agendamento.Tipo.BACKUP_DADOS,
        expressao_cron="0 4 * * *",
        parametros={"pasta": str(tmp_path / "agendado")},
    )
    execucao = agendamento_executar(agendamento=agendamento, manual=True)

    assert execucao.status == AgendamentoExecucao.Status.SUCESSO
    assert execucao.resultado["arquivos_ausentes"] == 2
    assert sorted(execucao.resultado["ausentes"]) == sorted([rejeitada, vigente])
    assert execucao.resultado["aviso"].startswith("2 arquivo(s) de fatura que o banco referencia não estão")

    # Restoring that copy says again which files it cannot bring back.
    restauracao = _manage(
        "restaurar_backup", str(pacote), "--apenas-verificar", DATABASE_URL=_url(connection.settings_dict["NAME"])
    )
    assert restauracao.returncode == 0, restauracao.stderr
    assert "ATENÇÃO: 2 arquivo(s) de fatura já faltavam quando o backup foi feito" in restauracao.stderr


def _ausentes_ordenados(manifesto: dict) -> list[dict]:
    return sorted(
        ({**item, "campos": sorted(item["campos"])} for item in manifesto["ausentes"]), key=lambda item: item["nome"]
    )


# Reading archives: what a restore refuses ---------------------------------------------------------------------


@pytest.fixture
def pacote(media, tmp_path) -> Path:
    """A real archive (the backup's own writer) of two invoice files and a stand-in database copy."""
    arquivos = {"faturas/2026-11/a.pdf": _pdf(1).getvalue(), "faturas/2026-11/b.pdf": _pdf(2).getvalue()}
    for nome, conteudo in arquivos.items():
        (media / nome).parent.mkdir(parents=True, exist_ok=True)
        (media / nome).write_bytes(conteudo)
    copia = tmp_path / "copia"
    copia.write_bytes(b"a copia do banco")
    caminho = tmp_path / "brm-20261120-053015.tar"
    pacote_gravar(
        destino=caminho,
        dados=copia,
        banco=connection.vendor,
        referencias={nome: ["processos.Processo.fatura"] for nome in arquivos},
        criado_em=AGORA,
        prazo=banco.SEM_PRAZO,
    )
    shutil.rmtree(media)
    return caminho


def _reescrever(
    origem: Path, destino: Path, mudar: Callable[[str, bytes], tuple[str, bytes] | None], extras=()
) -> Path:
    """A copy of the archive where `mudar(nome, conteudo)` gives each member's new name and contents (None drops
    it), with `extras` (TarInfo, contents) written first."""
    with tarfile.open(origem) as entrada, tarfile.open(destino, "w", format=tarfile.PAX_FORMAT) as saida:
        for info, conteudo in extras:
            saida.addfile(info, io.BytesIO(conteudo) if conteudo is not None else None)
        for membro in entrada:
            mudado = mudar(membro.name, entrada.extractfile(membro).read())
            if mudado is not None:
                nome, conteudo = mudado
                info = tarfile.TarInfo(nome)
                info.size, info.mode = len(conteudo), 0o600
                saida.addfile(info, io.BytesIO(conteudo))
    return destino


def _nada_gravado(media: Path) -> bool:
    return not media.exists() or list(media.rglob("*")) == []


def _membro(nome: str, tipo: bytes = tarfile.REGTYPE, conteudo: bytes | None = b"x", alvo: str = ""):
    info = tarfile.TarInfo(nome)
    info.type, info.linkname = tipo, alvo
    info.size = len(conteudo) if tipo == tarfile.REGTYPE and conteudo is not None else 0
    return info, conteudo if tipo == tarfile.REGTYPE else None


@pytest.mark.django_db
def test_so_as_faturas_de_um_backup_conferido_vao_para_a_midia_vazia(pacote, media):
    resultado = backup_restaurar(caminho=pacote, somente_arquivos=True)

    assert _somas(media) == {
        "faturas/2026-11/a.pdf": hashlib.sha256(_pdf(1).getvalue()).hexdigest(),
        "faturas/2026-11/b.pdf": hashlib.sha256(_pdf(2).getvalue()).hexdigest(),
    }
    assert (resultado["gravados"], resultado["substituidos"], resultado["iguais"]) == (2, 0, 0)
    assert resultado["dados_restaurados"] is False
    assert resultado["sha256"] == hashlib.sha256(pacote.read_bytes()).hexdigest()
    # The checked files were moved out of the temporary folder, which is gone.
    assert [p.name for p in media.iterdir()] == ["faturas"]


@pytest.mark.parametrize(
    ("nome_alterado", "conteudo"),
    [
        ("arquivos/faturas/2026-11/a.pdf", b"%PDF-1.4 outra fatura"),
        # The same size, one byte different: the SHA-256 is what is checked, not the size.
        ("arquivos/faturas/2026-11/b.pdf", _pdf(2).getvalue()[:-2] + b"X\n"),
        (DADOS, b"a copia do bancX"),
    ],
    ids=["fatura-trocada", "fatura-com-um-byte-trocado", "copia-do-banco-trocada"],
)
@pytest.mark.django_db
def test_backup_alterado_e_recusado_e_nada_e_gravado(pacote, media, tmp_path, nome_alterado, conteudo):
    alterado = _reescrever(
        pacote, tmp_path / "alterado.tar", lambda nome, atual: (nome, conteudo if nome == nome_alterado else atual)
    )

    for modo in ({"somente_arquivos": True}, {"apenas_verificar": True}):
        with pytest.raises(ErroDeNegocio) as erro:
            backup_restaurar(caminho=alterado, **modo)
        assert erro.value.mensagem.startswith(
            "O backup não confere com o seu manifesto, foi alterado ou está corrompido; nada foi restaurado. "
            f"1 problema(s): {nome_alterado} não confere com o manifesto (SHA-256 esperado "
        )
    assert _nada_gravado(media)
    with pytest.raises(CommandError) as erro:
        call_command("restaurar_backup", str(alterado), "--apenas-verificar", stdout=io.StringIO())
    assert erro.value.returncode == 1
    assert f"{nome_alterado} não confere com o manifesto" in str(erro.value)


@pytest.mark.parametrize(
    ("mudar", "problema"),
    [
        (
            lambda nome, conteudo: None if nome == "arquivos/faturas/2026-11/a.pdf" else (nome, conteudo),
            "arquivos/faturas/2026-11/a.pdf consta do manifesto mas não está no backup",
        ),
        (
            lambda nome, conteudo: (
                ("arquivos/faturas/2026-11/c.pdf", conteudo) if nome.endswith("a.pdf") else (nome, conteudo)
            ),
            "arquivos/faturas/2026-11/c.pdf está no backup mas não consta do manifesto",
        ),
    ],
    ids=["arquivo-faltando", "arquivo-a-mais"],
)
@pytest.mark.django_db
def test_backup_que_nao_bate_com_o_manifesto_e_recusado(pacote, media, tmp_path, mudar, problema):
    alterado = _reescrever(pacote, tmp_path / "alterado.tar", mudar)

    with pytest.raises(ErroDeNegocio) as erro:
        backup_restaurar(caminho=alterado, somente_arquivos=True)

    assert problema in erro.value.mensagem
    assert _nada_gravado(media)


@pytest.mark.parametrize(
    ("membro", "mensagem"),
    [
        (_membro("../fora.pdf"), "caminho inseguro (“../fora.pdf”)"),
        (_membro("arquivos/../../fora.pdf"), "caminho inseguro (“arquivos/../../fora.pdf”)"),
        (_membro("arquivos/faturas/../../../fora.pdf"), "caminho inseguro"),
        (_membro("/tmp/fora.pdf"), "caminho inseguro (“/tmp/fora.pdf”)"),
        (_membro("arquivos//fora.pdf"), "caminho inseguro"),
        (_membro("arquivos/faturas/link.pdf", tarfile.SYMTYPE, alvo="/etc/passwd"), "tem um link"),
        (_membro("arquivos/faturas/link.pdf", tarfile.SYMTYPE, alvo="../../../fora.pdf"), "tem um link"),
        (_membro("arquivos/faturas/duro.pdf", tarfile.LNKTYPE, alvo="arquivos/faturas/2026-11/a.pdf"), "tem um link"),
        (_membro("arquivos/faturas", tarfile.DIRTYPE), "tem um diretório"),
        (_membro("arquivos/faturas/fila", tarfile.FIFOTYPE), "tem um item especial"),
        (_membro("leia-me.txt"), "não é de um backup do BRM (“leia-me.txt”)"),
    ],
    ids=[
        "sobe-um-nivel",
        "sobe-de-dentro-de-arquivos",
        "sobe-de-dentro-de-faturas",
        "caminho-absoluto",
        "componente-vazio",
        "link-simbolico-absoluto",
        "link-simbolico-relativo",
        "link-fisico",
        "diretorio",
        "fifo",
        "fora-do-formato",
    ],
)
@pytest.mark.django_db
def test_item_com_caminho_inseguro_ou_que_nao_e_arquivo_e_recusado(pacote, media, tmp_path, membro, mensagem):
    inseguro = _reescrever(pacote, tmp_path / "inseguro.tar", lambda nome, conteudo: (nome, conteudo), extras=[membro])

    with pytest.raises(ErroDeNegocio) as erro:
        backup_restaurar(caminho=inseguro, somente_arquivos=True)

    assert mensagem in erro.value.mensagem
    assert "nada foi restaurado" in erro.value.mensagem
    assert _nada_gravado(media)
    assert not (tmp_path / "fora.pdf").exists() and not Path("/tmp/fora.pdf").exists()


@pytest.mark.django_db
def test_item_repetido_e_recusado(pacote, media, tmp_path):
    repetido = _reescrever(
        pacote,
        tmp_path / "repetido.tar",
        lambda nome, conteudo: (nome, conteudo),
        extras=[_membro("arquivos/faturas/2026-11/a.pdf")],
    )

    with pytest.raises(ErroDeNegocio, match="tem o item “arquivos/faturas/2026-11/a.pdf” duas vezes"):
        backup_restaurar(caminho=repetido, somente_arquivos=True)

    assert _nada_gravado(media)


@pytest.mark.django_db
def test_arquivo_que_nao_e_backup_sem_manifesto_ou_truncado_e_recusado(pacote, media, tmp_path):
    lixo = tmp_path / "lixo.tar"
    lixo.write_bytes(b"isto nao e um tar" * 100)
    sem_manifesto = _reescrever(
        pacote, tmp_path / "sem-manifesto.tar", lambda nome, conteudo: None if nome == MANIFESTO else (nome, conteudo)
    )
    truncado = tmp_path / "truncado.tar"
    truncado.write_bytes(pacote.read_bytes()[:2000])

    with pytest.raises(ErroDeNegocio, match="lixo.tar não abre como backup do BRM"):
        backup_restaurar(caminho=lixo, somente_arquivos=True)
    with pytest.raises(ErroDeNegocio, match=f"sem-manifesto.tar não tem o {MANIFESTO}"):
        backup_restaurar(caminho=sem_manifesto, somente_arquivos=True)
    with pytest.raises(
        ErroDeNegocio, match="truncado.tar não abre como backup do BRM, ou está incompleto ou corrompido"
    ):
        backup_restaurar(caminho=truncado, somente_arquivos=True)
    with pytest.raises(ErroDeNegocio, match="não existe ou não é um arquivo"):
        backup_restaurar(caminho=tmp_path / "nenhum.tar", somente_arquivos=True)
    assert _nada_gravado(media)


@pytest.mark.django_db
def test_backup_de_outro_banco_e_recusado(pacote, media, tmp_path, monkeypatch):
    # An empty database to restore into, so that the engine is the only thing wrong.
    monkeypatch.setattr("agendamentos.backup.restauracao.banco_vazio_exigir", lambda: None)
    outro = "sqlite" if connection.vendor == "postgresql" else "postgresql"

    def mudar(nome, conteudo):
        if nome == DADOS:
            return NOMES_DADOS[outro], conteudo
        if nome == MANIFESTO:
            manifesto = json.loads(conteudo)
            manifesto["banco"], manifesto["dados"]["nome"] = outro, NOMES_DADOS[outro]
            return nome, json.dumps(manifesto).encode()
        return nome, conteudo

    de_outro = _reescrever(pacote, tmp_path / "outro.tar", mudar)

    with pytest.raises(ErroDeNegocio, match=r"Este backup é de um banco .* e o destino \(DATABASE_URL\) é"):
        backup_restaurar(caminho=de_outro)

    assert _nada_gravado(media)


# MEDIA_ROOT and the database are never overwritten by surprise --------------------------------------------


@pytest.mark.django_db
def test_arquivo_existente_com_outro_conteudo_so_e_substituido_com_a_opcao(pacote, media):
    a, b = media / "faturas/2026-11/a.pdf", media / "faturas/2026-11/b.pdf"
    a.parent.mkdir(parents=True)
    a.write_bytes(b"%PDF-1.4 a fatura que esta na pasta")
    b.write_bytes(_pdf(2).getvalue())

    with pytest.raises(ErroDeNegocio) as erro:
        backup_restaurar(caminho=pacote, somente_arquivos=True)

    assert erro.value.mensagem.startswith(
        f"1 arquivo(s) já existem em MEDIA_ROOT ({media}) com outro conteúdo: faturas/2026-11/a.pdf. Nada foi "
        "restaurado. Para trocá-los pelos do backup, rode de novo com --substituir-arquivos"
    )
    assert a.read_bytes() == b"%PDF-1.4 a fatura que esta na pasta"
    assert sorted(p.name for p in a.parent.iterdir()) == ["a.pdf", "b.pdf"]

    saida = io.StringIO()
    call_command("restaurar_backup", str(pacote), "--somente-arquivos", "--substituir-arquivos", stdout=saida)

    assert a.read_bytes() == _pdf(1).getvalue()
    assert "0 gravada(s), 1 substituída(s), 1 já estavam lá iguais" in saida.getvalue()


@pytest.mark.django_db
def test_banco_que_ja_tem_tabelas_e_recusado_sem_tocar_em_nada(pacote, media):
    with pytest.raises(CommandError) as erro:
        call_command("restaurar_backup", str(pacote), stdout=io.StringIO())

    assert erro.value.returncode == 1
    assert f"O banco de destino “{connection.settings_dict['NAME']}” já tem" in str(erro.value)
    assert "a restauração só grava num banco novo e vazio" in str(erro.value)
    assert _nada_gravado(media)
