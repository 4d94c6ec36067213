from django.db import transaction

from brm.common.errors import ErroDeNegocio

from .models import Usuario
from .papeis import grupo_do_papel_aplicar


@transaction.atomic
def usuario_definir_papel(*, usuario: Usuario, papel: str) -> Usuario:
    """Make the user's groups exactly the group of `papel`."""
    if papel not in Usuario.Papel.values:
        raise ErroDeNegocio(f"Papel desconhecido: {papel}.", codigo=ErroDeNegocio.INVALIDO)
    if usuario.papel != papel:
        usuario.papel = papel
        usuario.save(update_fields=["papel", "updated_at"])
    grupo_do_papel_aplicar(usuario=usuario, papel=papel)
    return usuario


def usuario_criar(
    *, email: str, password: str | None = None, papel: str = Usuario.Papel.LEITURA, nome: str = "", **extra
) -> Usuario:
    """A validated user in the group of `papel`; without a password nobody signs in as them with one.

    The same creation as `Usuario.objects.create_user` (and so `createsuperuser`), which does the work.
    """
    return Usuario.objects.create_user(email, password, papel=papel, nome=nome, **extra)
