"""One error shape for every failure of the API, and the one table from `ErroDeNegocio` codes to HTTP.

Every refusal answers with the same JSON:

    {"codigo": "conflito", "mensagem": "Um processo em “Enviado ao SAT” não pode ser aprovado.", "campos": {}}

`codigo` is stable (machines branch on it), `mensagem` is a sentence for a person, `campos` holds the
errors of each field of a 400. Anything the API did not expect is logged and answered as a 500 of the same
shape, never as Django's HTML page.
"""

import logging

from django.core.exceptions import PermissionDenied as PermissaoNegadaDjango
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as ErroDeValidacaoDjango
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from brm.common.errors import ErroDeNegocio

logger = logging.getLogger(__name__)

# `ErroDeNegocio.codigo` → HTTP status: the only place where an application error becomes a status.
STATUS_DO_CODIGO = {
    ErroDeNegocio.INVALIDO: status.HTTP_400_BAD_REQUEST,
    ErroDeNegocio.PERMISSAO: status.HTTP_403_FORBIDDEN,
    ErroDeNegocio.NAO_ENCONTRADO: status.HTTP_404_NOT_FOUND,
    ErroDeNegocio.CONFLITO: status.HTTP_409_CONFLICT,
    ErroDeNegocio.ARQUIVO_GRANDE: status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    ErroDeNegocio.TIPO_NAO_SUPORTADO: status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    ErroDeNegocio.ACESSO_BLOQUEADO: status.HTTP_429_TOO_MANY_REQUESTS,
}

# DRF's own refusals, by class (the first that matches): code and, when DRF's text is not the sentence we
# want, our own.
_CODIGO_DA_EXCECAO = (
    (exceptions.ValidationError, "invalido", "Os dados enviados têm erros: confira cada campo."),
    (exceptions.ParseError, "invalido", None),
    (exceptions.NotAuthenticated, "nao_autenticado", "Envie um token de acesso válido (Authorization: Bearer …)."),
    (exceptions.AuthenticationFailed, "nao_autenticado", None),
    (exceptions.PermissionDenied, "permissao", "Você não tem permissão para fazer isto."),
    (exceptions.NotFound, "nao_encontrado", "Não encontrado."),
    (exceptions.MethodNotAllowed, "metodo_nao_permitido", None),
    (exceptions.NotAcceptable, "formato_nao_aceito", None),
    (exceptions.UnsupportedMediaType, ErroDeNegocio.TIPO_NAO_SUPORTADO, None),
    (exceptions.Throttled, "limite_de_requisicoes", None),
)


def corpo_de_erro(codigo: str, mensagem: str, campos: dict | None = None, **extra) -> dict:
    """The body of every error answer."""
    return {"codigo": codigo, "mensagem": mensagem, "campos": campos or {}, **extra}


def resposta_de_erro(status_http: int, codigo: str, mensagem: str, campos: dict | None = None, **extra) -> Response:
    return Response(corpo_de_erro(codigo, mensagem, campos, **extra), status=status_http)


def _texto(detalhe) -> str:
    if isinstance(detalhe, list | tuple):
        return " ".join(_texto(item) for item in detalhe)
    if isinstance(detalhe, dict):
        return " ".join(_texto(item) for item in detalhe.values())
    return str(detalhe)


def _campos(detalhe) -> dict:
    """Field errors as `{campo: [mensagens]}`; errors of the whole object under `geral`."""
    if isinstance(detalhe, dict):
        campos = {}
        for campo, erros in detalhe.items():
            nome = "geral" if campo == "non_field_errors" else campo
            campos[nome] = [str(erro) for erro in erros] if isinstance(erros, list) else erros
        return campos
    return {"geral": [str(item) for item in detalhe]} if isinstance(detalhe, list) else {"geral": [str(detalhe)]}


def _de_negocio(erro: ErroDeNegocio) -> Response:
    campos = erro.dados.get("campos") or {}
    if not campos and erro.dados.get("campo"):
        campos = {erro.dados["campo"]: [erro.mensagem]}
    extra = {chave: valor for chave, valor in erro.dados.items() if chave not in ("campo", "campos", "espera_segundos")}
    # A wait travels as a throttle's does: `espera_segundos` beside the message and the Retry-After header.
    espera = erro.dados.get("espera_segundos")
    resposta = resposta_de_erro(
        STATUS_DO_CODIGO.get(erro.codigo, status.HTTP_409_CONFLICT),
        erro.codigo,
        erro.mensagem,
        campos,
        **({"dados": extra} if extra else {}),
        **({"espera_segundos": espera} if espera else {}),
    )
    if espera:
        resposta["Retry-After"] = str(espera)
    return resposta


def tratar_erro(exc, context):
    """DRF's EXCEPTION_HANDLER: every exception of an API view becomes the one error shape."""
    if isinstance(exc, ErroDeNegocio):
        return _de_negocio(exc)
    if isinstance(exc, ErroDeValidacaoDjango):
        detalhe = exc.message_dict if hasattr(exc, "error_dict") else {"geral": exc.messages}
        return resposta_de_erro(400, "invalido", "Os dados enviados têm erros: confira cada campo.", _campos(detalhe))
    if isinstance(exc, RequestDataTooBig):
        return resposta_de_erro(413, ErroDeNegocio.ARQUIVO_GRANDE, "O corpo da requisição passa do tamanho permitido.")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissaoNegadaDjango):
        exc = exceptions.PermissionDenied()

    resposta = exception_handler(exc, context)
    if resposta is None:
        view = context.get("view")
        logger.exception("Erro inesperado na API (%s)", type(view).__name__ if view else "?", exc_info=exc)
        return resposta_de_erro(
            500, "erro_interno", "Erro interno: a equipe foi avisada pelo registro do sistema. Tente de novo."
        )
    codigo, mensagem = next(
        ((codigo, mensagem) for classe, codigo, mensagem in _CODIGO_DA_EXCECAO if isinstance(exc, classe)),
        ("erro", None),
    )
    if isinstance(exc, exceptions.PermissionDenied) and getattr(exc.detail, "code", None) == "csrf":
        mensagem = str(exc.detail)
    campos = _campos(exc.detail) if isinstance(exc, exceptions.ValidationError) else {}
    extra = {}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        extra["espera_segundos"] = int(exc.wait + 0.999)
        mensagem = f"Muitas requisições: tente de novo em {extra['espera_segundos']} s."
    resposta.data = corpo_de_erro(codigo, mensagem or _texto(exc.detail), campos, **extra)
    return resposta
