"""The API against its own OpenAPI description, on a real server: schemathesis reads /api/v1/schema/ from a uvicorn
web process, generates requests for every operation (from the examples, the schema's edge cases and random data)
and checks that no answer is a 5xx and that every answer has a status, content type and body the schema declares.
Once as an admin (who may write) and once as a reader (refused most writes with 403)."""

import subprocess
import sys
import time

import pytest

from brm.api.services import sessao_jwt_iniciar
from brm.usuarios.models import Usuario
from tests.factories import ClienteFactory, OperadoraFactory, ProcessoFactory, UsuarioFactory

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.integracao_web]

CHECAGENS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
# Per operation and phase.
EXEMPLOS = 25
# Seconds per run: schemathesis spreads them over its phases (examples, coverage, fuzzing, stateful) and stops
# when they are spent, so the test lasts about as long however many operations the API grows to.
ORCAMENTO_SEGUNDOS = 50
# Fixed, so a failure seen in CI repeats on a developer's machine.
SEMENTE = 20261128


@pytest.fixture
def web(celery_processos):
    # Fuzzing sends hundreds of requests a minute from one account and one address: the usual limits would
    # answer most of them with 429 (which the schema declares) and leave the operations barely exercised. The
    # sign-in limit stays: its 429s are part of what the schema promises.
    celery_processos.ambiente["BRM_API_LIMITE_USUARIO"] = "100000/min"
    celery_processos.ambiente["BRM_API_LIMITE_ANONIMO"] = "100000/min"
    return celery_processos.web()


@pytest.fixture
def dados():
    for operadora in (OperadoraFactory(nome="Vivo", codigo="vivo"), OperadoraFactory(nome="Claro", codigo="claro")):
        for cliente in ClienteFactory.create_batch(2, operadora=operadora):
            ProcessoFactory(cliente=cliente)


def _schemathesis(web, usuario: Usuario, pasta) -> tuple[subprocess.CompletedProcess, float]:
    acesso = sessao_jwt_iniciar(usuario=usuario).access_token
    comando = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{web.url}/api/v1/schema/",
        "--header",
        f"Authorization: Bearer {acesso}",
        "--checks",
        CHECAGENS,
        "--max-examples",
        str(EXEMPLOS),
        "--max-time",
        str(ORCAMENTO_SEGUNDOS),
        "--seed",
        str(SEMENTE),
        "--request-timeout",
        "10",
        "--wait-for-schema",
        "10",
        "--generation-database",
        "none",
        "--no-color",
    ]
    inicio = time.monotonic()
    resultado = subprocess.run(comando, cwd=pasta, capture_output=True, text=True, timeout=240)
    return resultado, time.monotonic() - inicio


@pytest.mark.parametrize("papel", [Usuario.Papel.ADMIN, Usuario.Papel.LEITURA])
def test_api_responde_como_o_esquema_descreve(web, dados, tmp_path, papel):
    usuario = UsuarioFactory(papel=papel, email=f"{papel.lower()}@brm.test")

    resultado, duracao = _schemathesis(web, usuario, tmp_path)

    saida = f"{resultado.stdout}\n{resultado.stderr}"
    print(f"schemathesis como {papel}: {duracao:.0f} s\n{saida}")
    assert resultado.returncode == 0, f"O schemathesis achou problemas na API (como {papel}):\n{saida}"
