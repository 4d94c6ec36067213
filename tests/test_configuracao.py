"""A wrong environment stops every entry point at start with one sentence naming the variable, not a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from brm.configuracao import ConfiguracaoInvalida, chaves_fernet_validar

RAIZ = Path(__file__).resolve().parent.parent
CHAVE = "4E4h5Vzp9jKRzBb0g6-cOdebyC8RZl72U5FURIrDteQ="
PRODUCAO = {
    "DJANGO_SETTINGS_MODULE": "brm.settings.production",
    "DJANGO_SECRET_KEY": "uma-chave-secreta-de-producao-longa-o-bastante",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "FERNET_KEYS": CHAVE,
}


def _check(**ambiente: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "FERNET_KEYS")}
    env.update({"DJANGO_SETTINGS_MODULE": "brm.settings.local", **ambiente})
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=RAIZ, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("ambiente", "variavel"),
    [
        ({"DATABASE_URL": ""}, "DATABASE_URL está vazia"),
        ({"DATABASE_URL": "mysql://root@localhost/brm"}, "DATABASE_URL não é de um banco suportado"),
        ({"FERNET_KEYS": f"{CHAVE},nao-e-chave"}, "FERNET_KEYS: a chave 2 de 2"),
        ({**PRODUCAO, "DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY é obrigatória em produção"),
        ({**PRODUCAO, "DATABASE_URL": "sqlite:////tmp/brm.sqlite3"}, "DATABASE_URL deve apontar para PostgreSQL"),
        ({**PRODUCAO, "FERNET_KEYS": "curta"}, "FERNET_KEYS: a chave 1 de 1"),
    ],
    ids=[
        "banco-vazio",
        "banco-nao-suportado",
        "chave-fernet-malformada",
        "producao-sem-secret-key",
        "producao-com-sqlite",
        "producao-chave-malformada",
    ],
)
def test_configuracao_errada_para_com_uma_frase(ambiente, variavel):
    resultado = _check(**ambiente)

    assert resultado.returncode == 1
    linhas = resultado.stderr.strip().splitlines()
    assert len(linhas) == 1, resultado.stderr
    assert linhas[0].startswith("Configuração inválida: ")
    assert variavel in linhas[0]
    assert "Traceback" not in resultado.stderr


def test_configuracao_certa_passa_no_check():
    resultado = _check(FERNET_KEYS=CHAVE)

    assert resultado.returncode == 0, resultado.stderr


def test_chaves_fernet_validar_aceita_chaves_e_recusa_a_malformada():
    assert chaves_fernet_validar([CHAVE]) == [CHAVE]
    with pytest.raises(ConfiguracaoInvalida, match="FERNET_KEYS: a chave 1 de 1"):
        chaves_fernet_validar(["x" * 44])


def test_gunicorn_para_com_a_frase_e_sem_traceback():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update({"DJANGO_SETTINGS_MODULE": "brm.settings.local", "DATABASE_URL": ""})
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    resultado = subprocess.run(
        [gunicorn, "brm.asgi:application", "-k", "uvicorn_worker.UvicornWorker", "-b", "127.0.0.1:0"],
        cwd=RAIZ,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert resultado.returncode != 0
    assert "Configuração inválida: DATABASE_URL está vazia" in resultado.stderr
    assert "Traceback" not in resultado.stderr
