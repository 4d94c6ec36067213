"""Writes of the operadoras app: the operators, validated by the model's own rules."""

from typing import Any

from django.db import transaction
from django.db.models import ProtectedError

from brm.common.auditoria import com_autor
from brm.common.errors import ErroDeNegocio
from brm.common.validacao import modelo_validar
from brm.usuarios.models import Usuario

from .models import Operadora

CAMPOS = (
    "nome",
    "codigo",
    "possui_rpa",
    "rpa_terceirizado",
    "url_endpoint_rpa",
    "max_execucoes_simultaneas",
    "dia_emissao",
    "ativa",
)


def _exigir_permissao(por: Usuario | None, acao: str, frase: str) -> None:
    if por is not None and not por.has_perm(f"operadoras.{acao}_operadora"):
        raise ErroDeNegocio(f"Você não tem permissão para {frase} operadoras.", codigo=ErroDeNegocio.PERMISSAO)


def _aplicar(operadora: Operadora, campos: dict[str, Any]) -> None:
    desconhecidos = set(campos) - set(CAMPOS)
    if desconhecidos:
        raise ErroDeNegocio(f"Campos desconhecidos: {', '.join(sorted(desconhecidos))}.", codigo=ErroDeNegocio.INVALIDO)
    for campo, valor in campos.items():
        setattr(operadora, campo, valor)
    modelo_validar(operadora)


@com_autor
@transaction.atomic
def operadora_criar(*, por: Usuario | None, **campos: Any) -> Operadora:
    _exigir_permissao(por, "add", "cadastrar")
    operadora = Operadora()
    _aplicar(operadora, campos)
    operadora.save()
    return operadora


@com_autor
@transaction.atomic
def operadora_atualizar(*, operadora: Operadora, por: Usuario | None, **campos: Any) -> Operadora:
    _exigir_permissao(por, "change", "alterar")
    _aplicar(operadora, campos)
    operadora.save()
    return operadora


@com_autor
@transaction.atomic
def operadora_excluir(*, operadora: Operadora, por: Usuario | None) -> None:
    """Delete an operator that has no clients; one with clients is kept (deactivate it instead)."""
    _exigir_permissao(por, "delete", "excluir")
    try:
        operadora.delete()
    except ProtectedError as erro:
        raise ErroDeNegocio(
            f"A operadora {operadora} tem clientes e não pode ser excluída; desative-a.",
        ) from erro
