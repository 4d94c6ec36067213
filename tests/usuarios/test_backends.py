import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from brm.usuarios.backends import BackendDosPapeis
from brm.usuarios.models import Usuario
from tests.factories import UsuarioFactory

pytestmark = pytest.mark.django_db


def _novo(usuario) -> Usuario:
    # A fresh object: each backend keeps what it read on the user it was given.
    return Usuario.objects.get(pk=usuario.pk)


@pytest.mark.parametrize("papel", list(Usuario.Papel))
def test_mesmas_permissoes_do_model_backend_numa_consulta(papel, django_assert_num_queries):
    usuario = UsuarioFactory(papel=papel)
    usuario.user_permissions.add(Permission.objects.get(codename="criar_processos_mensais"))
    esperado = ModelBackend().get_all_permissions(_novo(usuario))

    alvo = _novo(usuario)
    with django_assert_num_queries(1):
        assert BackendDosPapeis().get_all_permissions(alvo) == esperado
        assert alvo.has_perm("processos.criar_processos_mensais")


def test_superusuario_tem_todas_e_inativo_nenhuma():
    superusuario = UsuarioFactory(is_superuser=True)
    inativo = UsuarioFactory(papel=Usuario.Papel.ADMIN, is_active=False)

    assert BackendDosPapeis().get_all_permissions(_novo(superusuario)) == ModelBackend().get_all_permissions(
        _novo(superusuario)
    )
    assert BackendDosPapeis().get_all_permissions(_novo(inativo)) == set()
    assert not _novo(inativo).has_perm("processos.view_processo")
