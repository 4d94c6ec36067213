"""A model's own validation (`full_clean`) as the project's one application error."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from .errors import ErroDeNegocio

MENSAGEM_CAMPOS = "Os dados enviados têm erros: confira cada campo."


def erros_por_campo(erro: ValidationError) -> dict[str, list[str]]:
    """`{campo: [mensagens]}`, with the errors of the whole row under `geral`."""
    if not hasattr(erro, "error_dict"):
        return {"geral": list(erro.messages)}
    return {
        ("geral" if campo == NON_FIELD_ERRORS else campo): mensagens for campo, mensagens in erro.message_dict.items()
    }


def modelo_validar(instancia: models.Model, **kwargs) -> None:
    """`instancia.full_clean(**kwargs)`, refusing with `ErroDeNegocio` (INVALIDO, the errors of each field)."""
    try:
        instancia.full_clean(**kwargs)
    except ValidationError as erro:
        raise ErroDeNegocio(
            MENSAGEM_CAMPOS, codigo=ErroDeNegocio.INVALIDO, dados={"campos": erros_por_campo(erro)}
        ) from erro
