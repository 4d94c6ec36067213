"""BACKUP_DADOS on the database the suite runs on: the database copy inside the archive is restored into a fresh
database and holds the same rows (a scratch database on PostgreSQL, a new file on SQLite); the pruning, the
temporary names and the time budget. The invoice files and `restaurar_backup`: test_backup_restauracao.py."""

import dataclasses
import datetime as dt
import hashlib
import os
import sqlite3
import stat
import subprocess
import tarfile
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from agendamentos import limites
from agendamentos.backup import banco
from agendamentos.models import Agendamento
from agendamentos.services import EXECUCAO_PRESA_APOS
from agendamentos.tasks import executar_agendamento
from agendamentos.tipos import TIPOS
from brm.common.errors import ErroDeNegocio
from clientes.models import Cliente
from processos.models import Processo

from ..factories import ProcessoFactory
from ..test_configuracao import _check

BACKUP = TIPOS[Agendamento.Tipo.BACKUP_DADOS]
AGORA = dt.datetime(2026, 11, 20, 5, 30, 15, tzinfo=dt.UTC)
EXTENSAO = "dump.tar" if connection.vendor == "postgresql" else "sqlite3.tar"
DADOS = "dados.dump" if connection.vendor == "postgresql" else "dados.sqlite3"
TABELAS = [Processo._meta.db_table, Cliente._meta.db_table, "django_migrations", "auth_group"]


def _contar_postgresql(conexao, tabelas: list[str]) -> dict:
    with conexao.cursor() as cursor:
        contagem = {}
        for tabela in tabelas:
            cursor.execute(f'SELECT COUNT(*) FROM "{tabela}"')
            contagem[tabela] = cursor.fetchone()[0]
        return contagem


def _restaurar_e_contar(pacote: Path, pasta: Path) -> dict:
    """Restore the database copy inside the archive into a database of its own and count a few tables' rows."""
    with tarfile.open(pacote) as aberto:
        aberto.extract(DADOS, pasta, filter="data")
    copia = pasta / DADOS
    if connection.vendor == "sqlite":
        restaurado = pasta / "restaurado.sqlite3"
        origem, destino = sqlite3.connect(copia), sqlite3.connect(restaurado)
        try:
            origem.backup(destino)
            return {t: destino.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in TABELAS}
        finally:
            origem.close()
            destino.close()
    dados = connection.settings_dict
    nome = f"brm_restore_test_{uuid.uuid4().hex[:12]}"
    conexao = dict(
        host=dados.get("HOST") or None,
        port=dados.get("PORT") or None,
        user=dados.get("USER") or None,
        password=dados.get("PASSWORD") or None,
    )
    with psycopg.connect(dbname=dados["NAME"], autocommit=True, **conexao) as admin:
        admin.execute(f'CREATE DATABASE "{nome}"')
        try:
            ambiente = banco.ambiente_postgresql({**dados, "NAME": nome})
            pg_restore = banco.binario_postgresql("pg_restore", connection.pg_version // 10000)
            subprocess.run(
                [pg_restore, "--no-owner", f"--dbname={nome}", str(copia)],
                env=ambiente,
                check=True,
                capture_output=True,
            )
            with psycopg.connect(dbname=nome, **conexao) as restaurado:
                return _contar_postgresql(restaurado, TABELAS)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{nome}" WITH (FORCE)')


def _contar_no_banco() -> dict:
    with connection.cursor() as cursor:
        contagem = {}
        for tabela in TABELAS:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(tabela)}")
            contagem[tabela] = cursor.fetchone()[0]
        return contagem


# Committed data: the copy is made by another connection (pg_dump, or SQLite's backup from its own
# connection), which cannot see a test's open transaction. serialized_rollback keeps the role groups that
# the flush after the test would otherwise drop.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_copia_restaurada_num_banco_novo_tem_as_mesmas_linhas(tmp_path):
    ProcessoFactory.create_batch(7)
    pasta = tmp_path / "copias"

    resultado = BACKUP.executar(
        parametros={"pasta": str(pasta), "manter": 3}, agora=AGORA, fuso="America/Sao_Paulo", por=None
    )

    copia = pasta / f"brm-20261120-053015.{EXTENSAO}"
    assert resultado == {
        "arquivo": str(copia),
        "tamanho_bytes": copia.stat().st_size,
        "sha256": hashlib.sha256(copia.read_bytes()).hexdigest(),
        "removidos": 0,
        "verificado": True,
        "arquivos": 0,
        "bytes_arquivos": 0,
        "arquivos_ausentes": 0,
    }
    assert resultado["tamanho_bytes"] > 0
    assert sorted(p.name for p in pasta.iterdir()) == [copia.name]
    assert stat.S_IMODE(copia.stat().st_mode) == 0o600
    contagem = _restaurar_e_contar(copia, tmp_path)
    assert contagem == _contar_no_banco()
    assert contagem[Processo._meta.db_table] == 7
    assert contagem["auth_group"] == 4


@pytest.mark.django_db
def test_mantem_so_as_copias_mais_recentes_e_nao_toca_em_outros_arquivos(tmp_path):
    antigas = [f"brm-2026110{dia}-020000.{EXTENSAO}" for dia in (1, 2, 3)]
    outros = [
        "notas.txt",
        f"brm-manual.{EXTENSAO}",
        f"copia-brm-20200101-000000.{EXTENSAO}",
        "brm-20200101-000000.zip",
        # The format before the invoice files were in the archive: never pruned, a person deletes them.
        "brm-20200101-000000.dump",
        "brm-20200101-000000.sqlite3",
    ]
    outro_banco = "brm-20200101-000000.sqlite3.tar" if EXTENSAO == "dump.tar" else "brm-20200101-000000.dump.tar"
    for nome in [*antigas, *outros, outro_banco]:
        (tmp_path / nome).write_text("x")

    resultado = BACKUP.executar(
        parametros={"pasta": str(tmp_path), "manter": 2}, agora=AGORA, fuso="America/Sao_Paulo", por=None
    )

    assert resultado["removidos"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [antigas[2], f"brm-20261120-053015.{EXTENSAO}", *outros, outro_banco]
    )


@pytest.mark.django_db
def test_pasta_padrao_vem_de_brm_backup_dir(tmp_path, settings):
    settings.BRM_BACKUP_DIR = str(tmp_path / "nova" / "pasta")

    resultado = BACKUP.executar(parametros={}, agora=AGORA, fuso="America/Sao_Paulo", por=None)

    assert Path(resultado["arquivo"]).parent == tmp_path / "nova" / "pasta"
    assert stat.S_IMODE((tmp_path / "nova" / "pasta").stat().st_mode) & 0o077 == 0


@pytest.mark.django_db
def test_copia_que_falha_na_verificacao_nao_fica_na_pasta(tmp_path, monkeypatch):
    def recusar(copia, prazo):
        raise ErroDeNegocio("A cópia não abre.")

    monkeypatch.setitem(
        banco.MOTORES, connection.vendor, dataclasses.replace(banco.MOTORES[connection.vendor], verificar=recusar)
    )
    (tmp_path / f"brm-20261101-020000.{EXTENSAO}").write_text("a única cópia boa")

    with pytest.raises(ErroDeNegocio, match="A cópia não abre."):
        BACKUP.executar(
            parametros={"pasta": str(tmp_path), "manter": 1}, agora=AGORA, fuso="America/Sao_Paulo", por=None
        )

    # Neither the broken copy nor its temporary file stays, and the last good copy is not pruned for it.
    assert [p.name for p in tmp_path.iterdir()] == [f"brm-20261101-020000.{EXTENSAO}"]


@pytest.mark.django_db
def test_copia_com_o_mesmo_nome_nao_e_sobrescrita(tmp_path):
    existente = tmp_path / f"brm-20261120-053015.{EXTENSAO}"
    existente.write_text("anterior")

    with pytest.raises(ErroDeNegocio, match="Já existe uma cópia"):
        BACKUP.executar(parametros={"pasta": str(tmp_path)}, agora=AGORA, fuso="America/Sao_Paulo", por=None)

    assert existente.read_text() == "anterior"


@pytest.mark.django_db
def test_temporario_abandonado_por_uma_copia_que_morreu_e_removido(tmp_path):
    abandonado = tmp_path / f".brm-20261101-020000.{EXTENSAO}.0123abcd.tmp"
    abandonado_dados = tmp_path / f".brm-20261101-020000.{DADOS.split('.')[1]}.0123abcd.tmp"
    recente = tmp_path / f".brm-20261120-050000.{EXTENSAO}.4567cdef.tmp"
    for arquivo in (abandonado, abandonado_dados):
        arquivo.write_text("pela metade")
        dois_dias = (AGORA - dt.timedelta(days=2)).timestamp()
        os.utime(arquivo, (dois_dias, dois_dias))
    recente.write_text("outra cópia em andamento")

    BACKUP.executar(parametros={"pasta": str(tmp_path)}, agora=AGORA, fuso="America/Sao_Paulo", por=None)

    assert not abandonado.exists()
    assert not abandonado_dados.exists()
    assert recente.exists()


def test_sqlite_corrompido_e_recusado_na_verificacao(tmp_path):
    corrompido = tmp_path / "brm-20261120-053015.sqlite3"
    corrompido.write_bytes(b"isto nao e um banco" * 100)
    vazio = tmp_path / "vazio.sqlite3"
    sqlite3.connect(vazio).execute("CREATE TABLE x (id int)").connection.close()

    with pytest.raises(ErroDeNegocio, match="não abre como banco SQLite"):
        banco.verificar_sqlite(corrompido)
    with pytest.raises(ErroDeNegocio, match="não contém as tabelas do sistema"):
        banco.verificar_sqlite(vazio)


@pytest.mark.django_db
def test_sem_pg_dump_o_erro_diz_o_que_instalar(tmp_path, monkeypatch):
    monkeypatch.setattr(banco.shutil, "which", lambda nome: None)

    with pytest.raises(ErroDeNegocio) as erro:
        banco.binario_postgresql("pg_dump", 15)

    assert erro.value.mensagem.startswith("pg_dump não foi encontrado no PATH.")
    assert "postgresql-client-15" in erro.value.mensagem
    if connection.vendor == "postgresql":
        with pytest.raises(ErroDeNegocio, match="pg_dump não foi encontrado"):
            BACKUP.executar(parametros={"pasta": str(tmp_path)}, agora=AGORA, fuso="America/Sao_Paulo", por=None)
        assert list(tmp_path.iterdir()) == []


def test_pg_dump_mais_velho_que_o_servidor_e_recusado(tmp_path, monkeypatch):
    falso = tmp_path / "pg_dump"
    falso.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.4'\n")
    falso.chmod(0o755)
    monkeypatch.setattr(banco.shutil, "which", lambda nome: str(falso))

    with pytest.raises(ErroDeNegocio) as erro:
        banco.binario_postgresql("pg_dump", 15)

    assert "versão 13" in erro.value.mensagem
    assert "PostgreSQL 15" in erro.value.mensagem
    assert banco.binario_postgresql("pg_dump", 13) == str(falso)


def test_senha_vai_pelo_ambiente_e_nunca_pela_linha_de_comando():
    ambiente = banco.ambiente_postgresql(
        {
            "NAME": "brm",
            "USER": "brm",
            "PASSWORD": "s3gredo",
            "HOST": "db",
            "PORT": 5433,
            "OPTIONS": {"sslmode": "require", "pool": {"min_size": 1}},
        }
    )

    assert (ambiente["PGDATABASE"], ambiente["PGUSER"], ambiente["PGHOST"], ambiente["PGPORT"]) == (
        "brm",
        "brm",
        "db",
        "5433",
    )
    assert ambiente["PGPASSWORD"] == "s3gredo"
    assert ambiente["PGSSLMODE"] == "require"


# The time budget: one setting, BRM_BACKUP_TEMPO_MAXIMO --------------------------------------------------------


def test_limites_da_tarefa_dos_agendamentos_ficam_acima_do_tempo_maximo_do_backup(settings):
    tempo_maximo = settings.BRM_BACKUP_TEMPO_MAXIMO
    suave, duro = executar_agendamento.soft_time_limit, executar_agendamento.time_limit

    # The backup stops itself first (with its own sentence), then Celery's soft limit, then the hard kill; a
    # run still open after that lost its worker. Above the project's default limits, which do not apply here.
    assert (suave, duro) == limites.limites_da_tarefa(tempo_maximo)
    assert tempo_maximo < suave < duro
    assert EXECUCAO_PRESA_APOS.total_seconds() > duro
    assert suave > settings.CELERY_TASK_SOFT_TIME_LIMIT and duro > settings.CELERY_TASK_TIME_LIMIT
    for outro in (60, 3 * 60 * 60):
        outro_suave, outro_duro = limites.limites_da_tarefa(outro)
        assert outro < outro_suave < outro_duro


def test_pg_dump_roda_com_o_que_resta_do_tempo_maximo(monkeypatch):
    recebidos = []

    def rodar(comando, **opcoes):
        recebidos.append(opcoes["timeout"])
        return subprocess.CompletedProcess(comando, 0, "", "")

    monkeypatch.setattr(banco.subprocess, "run", rodar)

    banco.rodar(["pg_dump"], {}, "pg_dump", banco.Prazo(600))
    banco.rodar(["pg_restore"], {}, "pg_restore", banco.SEM_PRAZO)

    assert 0 < recebidos[0] <= 600
    assert recebidos[1] is None


def test_pg_dump_que_passa_do_tempo_maximo_e_interrompido_com_uma_frase(monkeypatch):
    def rodar(comando, **opcoes):
        raise subprocess.TimeoutExpired(comando, opcoes["timeout"])

    monkeypatch.setattr(banco.subprocess, "run", rodar)

    with pytest.raises(ErroDeNegocio) as erro:
        banco.rodar(["pg_dump"], {}, "pg_dump", banco.Prazo(50 * 60))

    assert erro.value.mensagem == (
        "O backup passou do tempo máximo de 50 min (BRM_BACKUP_TEMPO_MAXIMO) durante o pg_dump e foi interrompido; "
        "nenhuma cópia nova foi gravada."
    )


@pytest.mark.django_db
def test_a_copia_do_banco_recebe_o_prazo_de_brm_backup_tempo_maximo(tmp_path, settings, monkeypatch):
    settings.BRM_BACKUP_TEMPO_MAXIMO = 1234
    motor = banco.MOTORES[connection.vendor]
    recebidos = []

    def copiar(destino, prazo):
        recebidos.append(prazo.segundos)
        return motor.copiar(destino, prazo)

    monkeypatch.setitem(banco.MOTORES, connection.vendor, dataclasses.replace(motor, copiar=copiar))

    BACKUP.executar(parametros={"pasta": str(tmp_path)}, agora=AGORA, fuso="America/Sao_Paulo", por=None)

    assert recebidos == [1234]


@pytest.mark.django_db
def test_tempo_esgotado_copiando_as_faturas_interrompe_sem_deixar_copia(tmp_path, monkeypatch):
    motor = banco.MOTORES[connection.vendor]

    def copiar(destino, prazo):
        return {**motor.copiar(destino, prazo), "faturas/2026-11/uma.pdf": ["processos.Processo.fatura"]}

    def verificar_devagar(copia, prazo):
        motor.verificar(copia, prazo)
        # As if the dump and its check had taken the whole budget: the file copy stops before its first file.
        prazo.inicio -= prazo.segundos + 1

    monkeypatch.setitem(
        banco.MOTORES, connection.vendor, dataclasses.replace(motor, copiar=copiar, verificar=verificar_devagar)
    )

    with pytest.raises(ErroDeNegocio, match=r"copiando os arquivos de fatura \(0 de 1 copiados\) e foi interrompido"):
        BACKUP.executar(parametros={"pasta": str(tmp_path)}, agora=AGORA, fuso="America/Sao_Paulo", por=None)

    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("valor", ["uma hora", "30"])
def test_tempo_maximo_do_backup_invalido_para_com_uma_frase(valor):
    resultado = _check(BRM_BACKUP_TEMPO_MAXIMO=valor)

    assert resultado.returncode == 1
    assert resultado.stderr.strip() == (
        f"Configuração inválida: BRM_BACKUP_TEMPO_MAXIMO deve ser um número inteiro de segundos, 60 ou mais; "
        f"veio “{valor}”."
    )
