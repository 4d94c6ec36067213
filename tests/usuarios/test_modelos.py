"""The rules the database itself enforces on users."""

import pytest

from brm.usuarios.models import Usuario
from tests.conftest import recusado_pelo_banco

pytestmark = pytest.mark.django_db


def test_usuario_com_email_repetido_e_recusado():
    Usuario.objects.create(email="ana@brm.test", nome="Ana")

    with recusado_pelo_banco("usuarios_usuario.email", "usuarios_usuario_email"):
        Usuario.objects.create(email="ana@brm.test", nome="Outra Ana")

    assert Usuario.objects.filter(email="ana@brm.test").count() == 1
