"""The OpenAPI description: checked in (docs/openapi.yaml) and equal to the code's, every operation described and
exemplified, and its Swagger UI and ReDoc pages served without the internet."""

import difflib
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command

RAIZ = Path(__file__).resolve().parents[2]
ARQUIVO = RAIZ / "docs" / "openapi.yaml"
METODOS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def esquema_gerado(tmp_path_factory) -> str:
    destino = tmp_path_factory.mktemp("esquema") / "openapi.yaml"
    # The same command as `make esquema`: a warning (an operation drf-spectacular cannot describe) fails here too.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(destino))
    return destino.read_text()


@pytest.fixture(scope="module")
def esquema(esquema_gerado) -> dict:
    return yaml.safe_load(esquema_gerado)


def _operacoes(esquema: dict):
    for caminho, item in esquema["paths"].items():
        for metodo in METODOS:
            if metodo in item:
                yield f"{metodo.upper()} {caminho}", item[metodo]


def test_esquema_versionado_e_o_do_codigo(esquema_gerado):
    versionado = ARQUIVO.read_text() if ARQUIVO.exists() else ""
    if esquema_gerado != versionado:
        diferenca = "".join(
            list(
                difflib.unified_diff(
                    versionado.splitlines(keepends=True),
                    esquema_gerado.splitlines(keepends=True),
                    "docs/openapi.yaml (versionado)",
                    "gerado do código",
                )
            )[:80]
        )
        pytest.fail(
            "A API mudou e docs/openapi.yaml não acompanhou: rode `make esquema` e inclua docs/openapi.yaml "
            f"no mesmo commit.\n{diferenca}"
        )


def test_toda_operacao_tem_descricao_e_exemplo(esquema):
    sem_descricao, sem_exemplo = [], []
    for nome, operacao in _operacoes(esquema):
        if not operacao.get("description") or not operacao.get("summary"):
            sem_descricao.append(nome)
        conteudos = [
            *operacao.get("requestBody", {}).get("content", {}).values(),
            *(
                conteudo
                for resposta in operacao.get("responses", {}).values()
                for conteudo in resposta.get("content", {}).values()
            ),
        ]
        if not any(conteudo.get("examples") or conteudo.get("example") for conteudo in conteudos):
            sem_exemplo.append(nome)

    assert not sem_descricao, f"Operações sem summary e description (extend_schema): {sem_descricao}"
    assert not sem_exemplo, f"Operações sem nenhum exemplo (OpenApiExample): {sem_exemplo}"


def test_toda_operacao_responde_erros_no_formato_unico(esquema):
    for nome, operacao in _operacoes(esquema):
        for status in ("400", "401", "403", "404", "429"):
            conteudo = operacao["responses"][status]["content"]["application/json"]
            assert conteudo["schema"] == {"$ref": "#/components/schemas/Erro"}, (nome, status)


def test_nomes_de_componentes_sao_unicos_e_sem_sufixo_de_colisao(esquema):
    # drf-spectacular renames colliding components with a numeric suffix (and warns, which fails above).
    assert not [nome for nome in esquema["components"]["schemas"] if re.search(r"\d+$", nome)]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/docs/", "/api/v1/docs/redoc/"], ids=["swagger", "redoc"])
def test_paginas_da_documentacao_usam_so_arquivos_locais(client, url):
    resposta = client.get(url)

    assert resposta.status_code == 200
    html = resposta.content.decode()
    enderecos = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', html)
    assert enderecos, html
    assert "https://" not in html and "http://" not in html and '="//' not in html, html
    for endereco in enderecos:
        if endereco.startswith(f"{url}?"):
            # Swagger UI's start-up script, served by the same view: no inline script under the CSP.
            script = client.get(endereco.replace("&amp;", "&")).content.decode()
            assert "https://" not in script and "http://" not in script, script
            html += script
            continue
        assert endereco.startswith(settings.STATIC_URL), endereco
        assert finders.find(endereco.removeprefix(settings.STATIC_URL)), f"{endereco} não existe nos estáticos"
    assert "/api/v1/schema/" in html


@pytest.mark.django_db
def test_esquema_servido_e_o_versionado(client):
    resposta = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")

    assert resposta.status_code == 200
    assert yaml.safe_load(resposta.content) == yaml.safe_load(ARQUIVO.read_text())
