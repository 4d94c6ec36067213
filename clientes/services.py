"""Writes of the clientes app: the client accounts, validated by the model's own rules.

The portal password is a secret: a blank value keeps the one stored (a form or a client that never saw it
sends nothing), and only `limpar_senha_portal` removes it.
"""

from typing import Any

from django.db import transaction
from django.db.models import ProtectedError

from brm.common.auditoria import com_autor
from brm.common.errors import ErroDeNegocio
from brm.common.validacao import modelo_validar
from brm.usuarios.models import Usuario

from .models import Cliente

CAMPOS = (
    "razao_social",
    "cnpj",
    "operadora",
    "login_portal",
    "senha_portal",
    "conta",
    "unidade",
    "dados_rpa",
    "codigo_sat",
    "dia_emissao",
    "ativo",
)


def _exigir_permissao(por: Usuario | None, acao: str, frase: str) -> None:
    if por is not None and not por.has_perm(f"clientes.{acao}_cliente"):
        raise ErroDeNegocio(f"Você não tem permissão para {frase} clientes.", codigo=ErroDeNegocio.PERMISSAO)


def _aplicar(cliente: Cliente, campos: dict[str, Any], *, limpar_senha_portal: bool) -> None:
    desconhecidos = set(campos) - set(CAMPOS)
    if desconhecidos:
        raise ErroDeNegocio(f"Campos desconhecidos: {', '.join(sorted(desconhecidos))}.", codigo=ErroDeNegocio.INVALIDO)
    senha = campos.pop("senha_portal", None)
    if limpar_senha_portal and senha:
        raise ErroDeNegocio(
            "Envie uma senha nova ou peça para remover a atual, não os dois.",
            codigo=ErroDeNegocio.INVALIDO,
            dados={"campo": "senha_portal"},
        )
    for campo, valor in campos.items():
        setattr(cliente, campo, valor)
    if limpar_senha_portal:
        cliente.senha_portal = ""
    elif senha:
        cliente.senha_portal = senha
    modelo_validar(cliente)


@com_autor
@transaction.atomic
def cliente_criar(*, por: Usuario | None, limpar_senha_portal: bool = False, **campos: Any) -> Cliente:
    _exigir_permissao(por, "add", "cadastrar")
    cliente = Cliente()
    _aplicar(cliente, campos, limpar_senha_portal=limpar_senha_portal)
    cliente.save()
    return cliente


@com_autor
@transaction.atomic
def cliente_atualizar(
    *, cliente: Cliente, por: Usuario | None, limpar_senha_portal: bool = False, **campos: Any
) -> Cliente:
    """Change the fields given; a blank `senha_portal` keeps the stored password, `limpar_senha_portal` removes it."""
    _exigir_permissao(por, "change", "alterar")
    _aplicar(cliente, campos, limpar_senha_portal=limpar_senha_portal)
    cliente.save()
    return cliente


@com_autor
@transaction.atomic
def cliente_excluir(*, cliente: Cliente, por: Usuario | None) -> None:
    """Delete a client without processes; one with processes is kept (deactivate it instead)."""
    _exigir_permissao(por, "delete", "excluir")
    try:
        cliente.delete()
    except ProtectedError as erro:
        raise ErroDeNegocio(f"O cliente {cliente} tem processos e não pode ser excluído; desative-o.") from erro
