"""The OpenAPI description's shared parts: the one error shape on every operation, and the ways to sign in."""

from django.core.exceptions import FieldDoesNotExist
from django.db.backends.base.operations import BaseDatabaseOperations
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

# Every operation may answer with these, always in the one error shape (brm/api/erros.py).
RESPOSTAS_DE_ERRO = {
    "400": "Dados inválidos: `campos` diz o erro de cada campo.",
    "401": "Sem token, token inválido, expirado, revogado ou de uma sessão encerrada.",
    "403": "O papel da conta não permite esta operação.",
    "404": "Não encontrado.",
    "405": "Método não permitido neste endereço.",
    "409": "A situação atual não permite a operação, ou outra pessoa a alterou antes.",
    "413": "Arquivo grande demais.",
    "415": "Tipo de conteúdo não aceito (por exemplo, um arquivo que não é PDF).",
    "429": "Muitas requisições: espere `espera_segundos` e tente de novo.",
}

ESQUEMA_ERRO = {
    "type": "object",
    "required": ["codigo", "mensagem", "campos"],
    "properties": {
        "codigo": {
            "type": "string",
            "description": "Estável, para programas: invalido, nao_autenticado, permissao, nao_encontrado, "
            "metodo_nao_permitido, conflito, arquivo_grande, tipo_nao_suportado, limite_de_requisicoes, "
            "acesso_bloqueado, erro_interno.",
            "example": "conflito",
        },
        "mensagem": {
            "type": "string",
            "description": "Uma frase para pessoas.",
            "example": "Este processo acabou "
            "de ser alterado por outra pessoa. Recarregue a página e confira a situação atual.",
        },
        "campos": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Os erros de cada campo (em 400); `geral` para os do conjunto.",
            "example": {},
        },
        "dados": {"type": "object", "additionalProperties": True, "description": "Dados extras do erro."},
        "espera_segundos": {"type": "integer", "description": "Em 429: quantos segundos esperar."},
    },
}


def exemplo_de_erro(status: int, codigo: str, mensagem: str, campos: dict | None = None) -> OpenApiExample:
    return OpenApiExample(
        f"Erro {status}",
        value={"codigo": codigo, "mensagem": mensagem, "campos": campos or {}},
        response_only=True,
        status_codes=[str(status)],
    )


class EsquemaDaApi(AutoSchema):
    """drf-spectacular's AutoSchema, keeping the examples of error answers (`exemplo_de_erro(409, ...)`).

    drf-spectacular drops an example whose status the operation does not declare, and the error answers are
    only added afterwards, by `erros_em_toda_operacao`: here each status an example names gets its response
    first, which the hook then points at the one error shape.
    """

    def _insert_min_max(self, field, content):
        """The range of an integer model field as PostgreSQL (production) enforces it, on every database.

        Django bounds a model's integer fields by the database's range: SQLite reports 64 bits for all of them,
        PostgreSQL the column's real size. Without this the description would depend on where it was generated,
        and docs/openapi.yaml could not match both CI passes; documenting the stricter range is never wrong.
        """
        super()._insert_min_max(field, content)
        if not isinstance(field, serializers.IntegerField):
            return
        modelo = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
        if modelo is None or "." in (field.source or ""):
            return
        try:
            tipo = modelo._meta.get_field(field.source).get_internal_type()
        except FieldDoesNotExist:
            return
        if tipo not in BaseDatabaseOperations.integer_field_ranges:
            return
        minimo, maximo = BaseDatabaseOperations.integer_field_ranges[tipo]
        if content.get("minimum", minimo) < minimo:
            content["minimum"] = minimo
        if content.get("maximum", maximo) > maximo:
            content["maximum"] = maximo

    def _get_response_bodies(self, direction="response"):
        respostas = super()._get_response_bodies(direction)
        codigos = {str(codigo) for exemplo in self.get_examples() for codigo in exemplo.status_codes or ()}
        for codigo in sorted(codigos - set(respostas)):
            if codigo[0] in "45":
                resposta = OpenApiResponse(
                    response=build_basic_type(OpenApiTypes.OBJECT), description=RESPOSTAS_DE_ERRO.get(codigo, "")
                )
                respostas[codigo] = self._get_response_for_code(resposta, codigo, direction=direction)
        return respostas


def erros_em_toda_operacao(result, generator, request, public):
    """drf-spectacular post-processing hook: the error shape as a component, answered by every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Erro"] = ESQUEMA_ERRO
    referencia = {"$ref": "#/components/schemas/Erro"}
    for caminho in result.get("paths", {}).values():
        for metodo, operacao in caminho.items():
            if metodo not in ("get", "post", "put", "patch", "delete"):
                continue
            respostas = operacao.setdefault("responses", {})
            for status, descricao in RESPOSTAS_DE_ERRO.items():
                existente = respostas.setdefault(status, {"description": descricao})
                existente.setdefault("content", {}).setdefault("application/json", {})["schema"] = referencia
    return result


class EsquemaTokenDeServico(OpenApiAuthenticationExtension):
    target_class = "brm.api.autenticacao.AutenticacaoPorTokenDeServico"
    name = "tokenDeServico"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Chave de um sistema (começa com brm_), criada por um administrador no admin.",
        }


class EsquemaJWT(OpenApiAuthenticationExtension):
    target_class = "brm.api.autenticacao.AutenticacaoJWT"
    name = "jwt"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


class EsquemaSessao(OpenApiAuthenticationExtension):
    target_class = "brm.api.autenticacao.AutenticacaoPorSessao"
    name = "sessao"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
