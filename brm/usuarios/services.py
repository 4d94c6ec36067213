from django.contrib.auth.models import Group
from django.db import transaction

from brm.common.errors import ErroDeNegocio

from .models import Usuario
from .papeis import GRUPOS


@transaction.atomic
def usuario_definir_papel(*, usuario: Usuario, papel: str) -> Usuario:
    """Make the user's groups exactly the group of `papel`."""
    if papel not in Usuario.Papel.values:
        raise ErroDeNegocio(f"Papel desconhecido: {papel}.", codigo=ErroDeNegocio.INVALIDO)
    if usuario.papel != papel:
        usuario.papel = papel
        usuario.save(update_fields=["papel", "updated_at"])
    usuario.groups.set([Group.objects.get(name=GRUPOS[papel])])
    return usuario


@transaction.atomic
def usuario_criar(
    *, email: str, password: str | None = None, papel: str = Usuario.Papel.LEITURA, nome: str = "", **extra
) -> Usuario:
    usuario = Usuario(email=Usuario.objects.normalize_email(email).lower(), nome=nome, papel=papel, **extra)
    if password:
        usuario.set_password(password)
    else:
        usuario.set_unusable_password()
    usuario.full_clean(exclude=["password"])
    usuario.save()
    return usuario_definir_papel(usuario=usuario, papel=papel)
