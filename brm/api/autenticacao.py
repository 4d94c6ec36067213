"""Who is calling the API: a system with a service key, a program with a JWT, or a page with the session.

All three end in the same `Usuario`, whose role decides what the call may do (`brm.api.permissoes`).
"""

from django.db.models import Exists
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings

from brm.usuarios.models import Usuario

from .models import SessaoEncerrada
from .selectors import token_de_servico_pela_chave
from .services import CLAIM_SESSAO, PREFIXO_TOKEN, token_de_servico_registrar_uso

CABECALHO_401 = 'Bearer realm="api"'


def _anotar_credencial(request, credencial: str) -> None:
    # The audit trail reads it from Django's request (brm/common/auditoria.py): the origin of a change.
    request._request.brm_credencial = credencial


class AutenticacaoPorTokenDeServico(BaseAuthentication):
    """`Authorization: Bearer brm_…`: a system's key, created by an admin (see `TokenDeServico`)."""

    def authenticate(self, request):
        partes = get_authorization_header(request).split()
        if len(partes) != 2 or partes[0].lower() != b"bearer" or not partes[1].startswith(PREFIXO_TOKEN.encode()):
            return None
        token = token_de_servico_pela_chave(partes[1].decode(errors="replace"))
        if token is None:
            raise exceptions.AuthenticationFailed("Token de serviço inválido ou revogado.", code="token_revogado")
        if not token.usuario.is_active:
            raise exceptions.AuthenticationFailed(
                "A conta deste token de serviço está desativada.", code="conta_inativa"
            )
        token_de_servico_registrar_uso(token=token)
        _anotar_credencial(request, f"chave de serviço {token.prefixo}…")
        return token.usuario, token

    def authenticate_header(self, request) -> str:
        return CABECALHO_401


class AutenticacaoJWT(JWTAuthentication):
    """`Authorization: Bearer <access>`: SimpleJWT's access token, refused once its sign-in was signed out.

    The user and whether their sign-in ended are read in one query.
    """

    def get_validated_token(self, raw_token):
        try:
            return super().get_validated_token(raw_token)
        except InvalidToken as erro:
            raise exceptions.AuthenticationFailed(
                "O token de acesso é inválido ou expirou: peça outro com o token de renovação.", code="token_invalido"
            ) from erro

    def get_user(self, validated_token):
        try:
            usuario_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as erro:
            raise exceptions.AuthenticationFailed("O token não identifica um usuário.", code="token_invalido") from erro
        sessao = validated_token.get(CLAIM_SESSAO, "")
        usuario = (
            Usuario.objects.filter(**{api_settings.USER_ID_FIELD: usuario_id})
            .annotate(sessao_encerrada=Exists(SessaoEncerrada.objects.filter(sessao=sessao)))
            .first()
        )
        if usuario is None:
            raise exceptions.AuthenticationFailed("O usuário deste token não existe mais.", code="usuario_inexistente")
        if not usuario.is_active:
            raise exceptions.AuthenticationFailed("Este usuário está desativado.", code="usuario_inativo")
        if usuario.sessao_encerrada:
            raise exceptions.AuthenticationFailed(
                "Esta sessão foi encerrada (logout): entre de novo.", code="sessao_encerrada"
            )
        return usuario

    def authenticate(self, request):
        resultado = super().authenticate(request)
        if resultado is not None:
            _anotar_credencial(request, "JWT")
        return resultado

    def authenticate_header(self, request) -> str:
        return CABECALHO_401


class AutenticacaoPorSessao(SessionAuthentication):
    """The pages' own calls, with the session cookie and the CSRF token Django already checks for forms."""

    def authenticate(self, request):
        resultado = super().authenticate(request)
        if resultado is not None:
            _anotar_credencial(request, "sessão")
        return resultado

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as erro:
            raise exceptions.PermissionDenied(
                "Falta o token CSRF ou ele não confere: com a sessão das páginas, envie o cabeçalho X-CSRFToken "
                "com o valor do cookie csrftoken.",
                code="csrf",
            ) from erro
