"""Writes of the usuarios app: people, their roles, and who may change whom.

Every refusal is an `ErroDeNegocio` (INVALIDO with the errors of each field for bad input), never Django's
`ValidationError`: the admin, the API and the commands all read the same error.
"""

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from brm.common.auditoria import com_autor
from brm.common.errors import ErroDeNegocio
from brm.common.validacao import MENSAGEM_CAMPOS, erros_por_campo

from .models import Usuario
from .papeis import grupo_do_papel_aplicar

CAMPOS_EDITAVEIS = ("nome", "papel", "is_active")


def _invalido(campos: dict[str, list[str]]) -> ErroDeNegocio:
    return ErroDeNegocio(MENSAGEM_CAMPOS, codigo=ErroDeNegocio.INVALIDO, dados={"campos": campos})


def _exigir_permissao(por: Usuario | None, acao: str, frase: str) -> None:
    if por is not None and not por.has_perm(f"usuarios.{acao}_usuario"):
        raise ErroDeNegocio(f"Você não tem permissão para {frase} usuários.", codigo=ErroDeNegocio.PERMISSAO)


def _exigir_superusuario_para(por: Usuario | None, usuario: Usuario) -> None:
    # Otherwise an administrator could take over a superuser's account (the admin refuses the same).
    if por is not None and usuario.is_superuser and not por.is_superuser:
        raise ErroDeNegocio("Só um superusuário altera a conta de outro superusuário.", codigo=ErroDeNegocio.PERMISSAO)


@com_autor
@transaction.atomic
def usuario_definir_papel(*, usuario: Usuario, papel: str, por: Usuario | None = None) -> Usuario:
    """Make the user's groups exactly the group of `papel`."""
    if papel not in Usuario.Papel.values:
        raise ErroDeNegocio(f"Papel desconhecido: {papel}.", codigo=ErroDeNegocio.INVALIDO, dados={"campo": "papel"})
    _exigir_permissao(por, "change", "alterar")
    _exigir_superusuario_para(por, usuario)
    if usuario.papel != papel:
        usuario.papel = papel
        usuario.save(update_fields=["papel", "updated_at"])
    grupo_do_papel_aplicar(usuario=usuario, papel=papel)
    return usuario


@com_autor
def usuario_criar(
    *,
    email: str,
    password: str | None = None,
    papel: str = Usuario.Papel.LEITURA,
    nome: str = "",
    por: Usuario | None = None,
    validar_senha: bool = True,
    **extra,
) -> Usuario:
    """A validated user in the group of `papel`; without a password nobody signs in as them with one.

    The fields are checked by the model and the password, when given, by `AUTH_PASSWORD_VALIDATORS`; every
    problem comes back at once, by field. `validar_senha=False` is for the local demo's documented, simple
    passwords. The creation itself is `Usuario.objects.create_user`'s (and so `createsuperuser`'s).
    """
    _exigir_permissao(por, "add", "cadastrar")
    if por is not None and extra.get("is_superuser") and not por.is_superuser:
        raise ErroDeNegocio("Só um superusuário cria outro superusuário.", codigo=ErroDeNegocio.PERMISSAO)
    candidato = Usuario(email=email, nome=nome, papel=papel, **extra)
    erros: dict[str, list[str]] = {}
    try:
        candidato.full_clean(exclude=["password"])
    except ValidationError as erro:
        erros.update(erros_por_campo(erro))
    if password and validar_senha:
        try:
            validate_password(password, user=candidato)
        except ValidationError as erro:
            erros["password"] = list(erro.messages)
    if erros:
        raise _invalido(erros)
    try:
        with transaction.atomic():
            return Usuario.objects.create_user(email, password, papel=papel, nome=nome, **extra)
    except ValidationError as erro:
        # Someone else took the e-mail between the check above and the creation.
        raise _invalido(erros_por_campo(erro)) from erro
    except IntegrityError as erro:
        raise _invalido({"email": ["Já existe um usuário com este e-mail."]}) from erro


@com_autor
@transaction.atomic
def usuario_atualizar(*, usuario: Usuario, por: Usuario | None, **campos: Any) -> Usuario:
    """Change some of `nome`, `papel`, `is_active`; the role goes through `usuario_definir_papel`.

    Nobody deactivates their own account (they would lock themselves out mid-request), and only a
    superuser changes a superuser.
    """
    desconhecidos = set(campos) - set(CAMPOS_EDITAVEIS)
    if desconhecidos:
        raise ErroDeNegocio(f"Campos desconhecidos: {', '.join(sorted(desconhecidos))}.", codigo=ErroDeNegocio.INVALIDO)
    _exigir_permissao(por, "change", "alterar")
    _exigir_superusuario_para(por, usuario)
    if por is not None and por.pk == usuario.pk and campos.get("is_active") is False:
        raise ErroDeNegocio(
            "Você não pode desativar a sua própria conta.", codigo=ErroDeNegocio.INVALIDO, dados={"campo": "is_active"}
        )
    papel = campos.pop("papel", None)
    alterados = [campo for campo, valor in campos.items() if getattr(usuario, campo) != valor]
    for campo in alterados:
        setattr(usuario, campo, campos[campo])
    if alterados:
        try:
            usuario.full_clean(exclude=["password"])
        except ValidationError as erro:
            raise _invalido(erros_por_campo(erro)) from erro
        usuario.save(update_fields=[*alterados, "updated_at"])
    if papel is not None:
        usuario_definir_papel(usuario=usuario, papel=papel, por=por)
    return usuario


def usuario_desativar(*, usuario: Usuario, por: Usuario | None) -> Usuario:
    """Stop the account from signing in; its history (approvals, runs) stays attributed to it."""
    return usuario_atualizar(usuario=usuario, por=por, is_active=False)
