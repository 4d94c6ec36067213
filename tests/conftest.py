"""What every test may use: a user of each role, the robot simulator as a real server, an SMTP server, Celery tasks
recorded instead of sent, bounded waits, and what an admin page says to the person reading it."""

import asyncio
import contextlib
import io
import socket
import time
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

import pytest
from aiosmtpd.controller import Controller
from celery import Task
from django.contrib.messages import get_messages
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import override_settings

from brm.common import tarefas as fila_de_tarefas
from brm.rpa.simulador import Simulador
from brm.usuarios.models import Usuario

from .factories import ConfiguracaoRPAFactory, ProcessoFactory, UsuarioFactory

# A minimal but real PDF: what matters to the upload checks is that it starts with "%PDF-".
PDF_MINIMO = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


# Shared state -----------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def limites_zerados():
    """The API's request limits count in the cache (per-process memory in tests): no test inherits another's counts."""
    cache.clear()
    yield
    cache.clear()


# Static files as production has them --------------------------------------------------------------------------

# The storages of brm/settings/production.py (tests/test_seguranca.py checks that production names these).
STORAGES_DE_PRODUCAO = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def _todas_as_extensoes_menos_css() -> list[str]:
    extensoes = {Path(caminho).suffix.lstrip(".") for f in finders.get_finders() for caminho, _ in f.list(None)}
    return sorted(extensoes - {"css"})


@pytest.fixture(scope="session")
def coletados(tmp_path_factory):
    """collectstatic with production's storage into a folder of the run's own, once for every test that serves pages
    as production does (their templates name static files through the manifest). Only the stylesheets are
    compressed: compressing every file (the API docs' bundles, pdf.js) takes most of a minute and proves nothing
    more."""
    pasta = tmp_path_factory.mktemp("staticfiles")
    with override_settings(
        STATIC_ROOT=str(pasta),
        STORAGES=STORAGES_DE_PRODUCAO,
        WHITENOISE_SKIP_COMPRESS_EXTENSIONS=_todas_as_extensoes_menos_css(),
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
    return pasta


# People ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def admin_user(db):
    return UsuarioFactory(papel=Usuario.Papel.ADMIN, email="admin@brm.test")


@pytest.fixture
def operador(db):
    return UsuarioFactory(papel=Usuario.Papel.OPERADOR, email="operador@brm.test")


@pytest.fixture
def aprovador(db):
    return UsuarioFactory(papel=Usuario.Papel.APROVADOR, email="aprovador@brm.test")


@pytest.fixture
def leitor(db):
    return UsuarioFactory(papel=Usuario.Papel.LEITURA, email="leitura@brm.test")


@pytest.fixture
def superusuario(db):
    return UsuarioFactory(papel=Usuario.Papel.ADMIN, email="super@brm.test", is_superuser=True)


# Rows and files -------------------------------------------------------------------------------------------------


@pytest.fixture
def processo(db):
    return ProcessoFactory()


@pytest.fixture
def pdf():
    def _pdf(nome: str = "fatura.pdf", conteudo: bytes = PDF_MINIMO):
        arquivo = io.BytesIO(conteudo)
        arquivo.name = nome
        arquivo.size = len(conteudo)
        return arquivo

    return _pdf


@pytest.fixture
def media(settings, tmp_path):
    """Files stored by this test only, in its own folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@contextlib.contextmanager
def recusado_pelo_banco(*indicios: str):
    """The block must fail in the database, naming the expected rule.

    PostgreSQL names every constraint; SQLite names check constraints but lists the columns of a unique
    one, so each caller gives both spellings. The savepoint keeps the test's transaction usable.
    """
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        yield
    mensagem = str(info.value)
    assert any(indicio in mensagem for indicio in indicios), mensagem


# Waiting --------------------------------------------------------------------------------------------------------


def esperar(
    condicao: Callable[[], object],
    *,
    prazo: float,
    descricao: str,
    intervalo: float = 0.05,
    detalhe: Callable[[], str] | None = None,
):
    """Calls `condicao` until it returns something true, and returns that; fails the test once `prazo` seconds
    have passed, saying what it waited for and, from `detalhe`, what it found instead."""
    limite = time.monotonic() + prazo
    while True:
        valor = condicao()
        if valor:
            return valor
        if time.monotonic() >= limite:
            break
        time.sleep(intervalo)
    mensagem = f"Tempo esgotado ({prazo} s) esperando: {descricao}"
    if detalhe is not None:
        mensagem += f"\n{detalhe()}"
    pytest.fail(mensagem)


# The robot API --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def opcoes_simulador() -> dict:
    """How a module's simulator starts, and what each test finds it reset to; a module overrides this fixture to
    change the timings or the token."""
    return {"duracao": 0.4, "intervalo_log": 0.1, "atraso_inicio": 0.05}


@pytest.fixture(scope="module")
def servidor_simulador(opcoes_simulador):
    with Simulador(**opcoes_simulador) as simulador:
        yield simulador


@pytest.fixture
def simulador(servidor_simulador):
    """The robot API simulator as a real HTTP server on 127.0.0.1, one per module: each test finds it running
    (again, if the previous test stopped it), without jobs or statistics, configured as `opcoes_simulador` says."""
    servidor_simulador.iniciar()
    servidor_simulador.resetar()
    return servidor_simulador


@pytest.fixture
def configuracao_rpa(db, simulador):
    """The robot configuration pointing at the simulator, with the factory's short timeouts and waits."""
    return ConfiguracaoRPAFactory(url_base=simulador.url, token=simulador.token)


def porta_fechada() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# E-mail -----------------------------------------------------------------------------------------------------------


class Caixa:
    """An aiosmtpd handler that keeps every message it accepts, after `demora` seconds (a slow server)."""

    def __init__(self):
        self.envelopes = []
        self.demora = 0.0

    async def handle_DATA(self, server, session, envelope):
        if self.demora:
            await asyncio.sleep(self.demora)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1 (aiosmtpd), with Django's SMTP backend pointed at it; its `Caixa` is what
    it received."""
    caixa = Caixa()
    # aiosmtpd's Controller checks that it is up by connecting to its port, so port 0 will not do.
    servidor = Controller(caixa, hostname="127.0.0.1", port=porta_fechada())
    servidor.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = servidor.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield caixa
    finally:
        servidor.stop()


# Celery -----------------------------------------------------------------------------------------------------------


class Tarefa(NamedTuple):
    nome: str  # the task's name without its app, as its function is called: "despachar_execucoes"
    args: tuple
    kwargs: dict


@pytest.fixture
def tarefas(monkeypatch) -> list[Tarefa]:
    """Every Celery task the code under test queues (by name through `brm.common.tarefas`, or with `delay` or
    `apply_async`), recorded in order instead of reaching a broker."""
    enfileiradas: list[Tarefa] = []

    def registrar(tarefa, args=None, kwargs=None, **opcoes):
        enfileiradas.append(Tarefa(tarefa.name.rsplit(".", 1)[-1], tuple(args or ()), dict(kwargs or {})))

    def enfileirar(nome, *args, countdown=None):
        enfileiradas.append(Tarefa(nome.rsplit(".", 1)[-1], tuple(args), {}))

    monkeypatch.setattr(Task, "apply_async", registrar)
    monkeypatch.setattr(fila_de_tarefas, "enfileirar", enfileirar)
    return enfileiradas


# What a page says -------------------------------------------------------------------------------------------------


def mensagens(resposta) -> list[tuple[int, str]]:
    """The messages shown after a request, as (level, text); those of earlier requests nobody opened come first."""
    return [(mensagem.level, str(mensagem)) for mensagem in get_messages(resposta.wsgi_request)]


def textos(resposta) -> list[str]:
    """Only the texts of `mensagens`."""
    return [texto for _, texto in mensagens(resposta)]


class _Elemento:
    def __init__(self, tag: str, atributos: dict):
        self.tag = tag
        self.id = atributos.get("id") or ""
        self.classes = set((atributos.get("class") or "").split())
        self.filhos: list[_Elemento | str] = []

    def texto(self) -> str:
        partes = [filho if isinstance(filho, str) else filho.texto() for filho in self.filhos]
        return " ".join(" ".join(partes).split())

    def todos(self) -> Iterator["_Elemento"]:
        for filho in self.filhos:
            if isinstance(filho, _Elemento):
                yield filho
                yield from filho.todos()


class _Leitor(HTMLParser):
    VAZIOS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    INVISIVEIS = {"script", "style", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.raiz = _Elemento("documento", {})
        self.abertos = [self.raiz]

    def handle_starttag(self, tag, attrs):
        elemento = _Elemento(tag, dict(attrs))
        self.abertos[-1].filhos.append(elemento)
        if tag not in self.VAZIOS:
            self.abertos.append(elemento)

    def handle_endtag(self, tag):
        for posicao in range(len(self.abertos) - 1, 0, -1):
            if self.abertos[posicao].tag == tag:
                del self.abertos[posicao:]
                return

    def handle_data(self, data):
        if not any(aberto.tag in self.INVISIVEIS for aberto in self.abertos):
            self.abertos[-1].filhos.append(data)


def _pagina(resposta) -> _Elemento:
    leitor = _Leitor()
    leitor.feed(resposta.content.decode())
    leitor.close()
    return leitor.raiz


def linhas_da_lista(resposta) -> list[dict[str, str]]:
    """The rows of an admin changelist, each as {list_display field: the text of its cell}; the sidebar filters,
    the header and the rest of the page are not part of it."""
    tabela = next(e for e in _pagina(resposta).todos() if e.id == "result_list")
    linhas = []
    for linha in (e for e in tabela.todos() if e.tag == "tr"):
        celulas = {
            classe.removeprefix("field-"): celula.texto()
            for celula in linha.filhos
            if isinstance(celula, _Elemento) and celula.tag in ("td", "th")
            for classe in celula.classes
            if classe.startswith("field-")
        }
        if celulas:
            linhas.append(celulas)
    return linhas


def campo_somente_leitura(resposta, campo: str) -> str:
    """The text a change page shows for a read-only field, without its label."""
    pagina = _pagina(resposta)
    linha = next(e for e in pagina.todos() if f"field-{campo}" in e.classes)
    return next(e for e in linha.todos() if "readonly" in e.classes).texto()
