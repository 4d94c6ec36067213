import contextlib
import io

import pytest
from django.db import IntegrityError, transaction

from brm.usuarios.models import Usuario

from .factories import ProcessoFactory, UsuarioFactory

# A minimal but real PDF: what matters to the upload checks is that it starts with "%PDF-".
PDF_MINIMO = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


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
