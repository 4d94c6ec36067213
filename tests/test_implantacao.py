"""The deployment files agree with each other and with the code: every process the compose file and the Procfile
start is a command of bin/entrypoint, there is exactly one beat, and .env.example names every variable the
settings read."""

import re
import subprocess
from pathlib import Path

import yaml

RAIZ = Path(__file__).resolve().parents[1]
ENTRYPOINT = RAIZ / "bin" / "entrypoint"
# Read only by the test settings.
SO_DOS_TESTES = {"BRM_TEST_SQLITE", "BRM_TEST_DATABASE_NAME"}


def _comandos_do_entrypoint() -> set[str]:
    return set(re.findall(r"^  ([a-z]+)\)$", ENTRYPOINT.read_text(), flags=re.MULTILINE))


def _compose() -> dict:
    return yaml.safe_load((RAIZ / "docker-compose.yml").read_text())


def test_o_entrypoint_conhece_os_processos_da_imagem():
    assert {"web", "worker", "envios", "beat", "migrate", "collectstatic", "saude", "manage"} <= (
        _comandos_do_entrypoint()
    )


def test_um_comando_desconhecido_para_com_uma_frase():
    feito = subprocess.run([ENTRYPOINT, "servidor"], capture_output=True, text=True, timeout=30)
    assert feito.returncode == 2
    assert "Comando desconhecido: servidor" in feito.stderr


def test_o_compose_roda_cada_processo_pelo_entrypoint_e_um_beat_so():
    servicos = _compose()["services"]
    da_imagem = {nome: s for nome, s in servicos.items() if "build" in s}
    assert set(da_imagem) == {"migrate", "web", "worker", "envios", "beat"}
    for nome, servico in da_imagem.items():
        assert servico["command"][0] in _comandos_do_entrypoint(), nome
    assert [nome for nome, s in da_imagem.items() if s["command"] == ["beat"]] == ["beat"]
    assert servicos["beat"]["deploy"]["replicas"] == 1
    assert servicos["postgres"]["image"] == "postgres:16"
    assert servicos["redis"]["image"] == "redis:7"
    # Web and workers wait for the one-shot migration to finish well.
    for nome in ("web", "worker", "envios", "beat"):
        assert servicos[nome]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for nome in ("web", "worker", "envios", "beat", "migrate"):
        assert {"faturas:/var/lib/brm/media", "backups:/var/lib/brm/backups"} <= set(servicos[nome]["volumes"])


def test_o_procfile_usa_os_mesmos_comandos():
    for linha in (RAIZ / "Procfile").read_text().splitlines():
        _, comando = linha.split(":", 1)
        programa, processo = comando.split()[:2]
        assert programa == "bin/entrypoint" and processo in _comandos_do_entrypoint(), linha


def test_o_env_example_nomeia_toda_variavel_das_configuracoes():
    lidas = set()
    for arquivo in (RAIZ / "brm" / "settings").glob("*.py"):
        lidas |= set(re.findall(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]+)["']""", arquivo.read_text()))
        lidas |= set(re.findall(r"""_exigir\(\s*["']([A-Z][A-Z0-9_]+)["']""", arquivo.read_text()))
    # The sign-in's variables are read by its own module (brm/entrada/configuracao.py), named in lists.
    lidas |= set(re.findall(r"""["'](BRM_[A-Z0-9_]+)["']""", (RAIZ / "brm/entrada/configuracao.py").read_text()))
    exemplo = (RAIZ / ".env.example").read_text()
    nomeadas = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", exemplo, flags=re.MULTILINE))
    assert lidas - SO_DOS_TESTES - nomeadas == set()


def test_o_dockerfile_roda_sem_root_e_confere_a_saude():
    dockerfile = (RAIZ / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.12-slim|^ARG PYTHON_IMAGE=python:3\.12-slim", dockerfile, flags=re.MULTILINE)
    assert re.search(r"^USER 10001", dockerfile, flags=re.MULTILINE)
    assert "HEALTHCHECK" in dockerfile and '"saude"' in dockerfile
    assert 'ENTRYPOINT ["/app/bin/entrypoint"]' in dockerfile
