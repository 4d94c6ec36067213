"""Signing in and out of the API, and who the caller is (`me`)."""

from django.contrib.auth import authenticate
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken

from brm.entrada.bloqueio import bloqueio_verificar
from brm.entrada.rede import endereco_do_cliente
from brm.entrada.services import tentativas_esquecer
from brm.usuarios.models import Usuario

from .autenticacao import CABECALHO_401
from .esquema import exemplo_de_erro
from .limites import LimiteDeAutenticacao
from .permissoes import QUALQUER_USUARIO
from .selectors import sessao_encerrada
from .services import CLAIM_SESSAO, sessao_jwt_encerrar, sessao_jwt_iniciar


class SemAutenticacaoPrevia:
    """A view that takes credentials in its body: its refusals are still 401 with `WWW-Authenticate: Bearer`.

    Without authentication classes DRF would turn an AuthenticationFailed into a 403, as if the caller were
    known and not allowed.
    """

    authentication_classes = []
    permission_classes = []
    throttle_classes = [LimiteDeAutenticacao]

    def get_authenticate_header(self, request) -> str:
        return CABECALHO_401


_Tokens = inline_serializer(
    "Tokens",
    {
        "access": serializers.CharField(help_text="Token de acesso (10 minutos), no cabeçalho Authorization: Bearer."),
        "refresh": serializers.CharField(help_text="Token de renovação (7 dias); cada renovação devolve outro."),
    },
)


# Django's error reports (and any handler that prints a request's POST) show these fields as stars.
@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class EntrarApi(SemAutenticacaoPrevia, APIView):
    """E-mail and password in, a pair of tokens out."""

    class EntradaEntrar(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)

    @extend_schema(
        operation_id="auth_entrar",
        summary="Entrar: obter tokens",
        description="Troca e-mail e senha por um token de acesso (10 minutos) e um de renovação (7 dias, rotativo). "
        "Depois de `BRM_LOGIN_FALHAS_MAXIMAS` senhas erradas seguidas para o mesmo e-mail a partir do mesmo endereço, "
        "responde 429 `acesso_bloqueado` (também para a senha certa) até passar a espera ou um administrador "
        "desbloquear.",
        request=EntradaEntrar,
        responses={200: _Tokens},
        examples=[
            OpenApiExample("Entrar", value={"email": "ana@empresa.com.br", "password": "s3nh@-f0rte"}),
            exemplo_de_erro(
                429,
                "acesso_bloqueado",
                "Acesso bloqueado: 5 tentativas de entrada com senha errada seguidas para este e-mail. Tente de novo "
                "em 15 minutos (cada nova tentativa recomeça a contagem) ou peça a um administrador para desbloquear.",
            ),
        ],
        tags=["autenticação"],
    )
    def post(self, request):
        entrada = self.EntradaEntrar(data=request.data)
        entrada.is_valid(raise_exception=True)
        usuario = authenticate(request, **entrada.validated_data)
        if usuario is None:
            bloqueio_verificar(request)
            raise exceptions.AuthenticationFailed("E-mail ou senha incorretos, ou usuário desativado.")
        tentativas_esquecer(email=entrada.validated_data["email"], endereco=endereco_do_cliente(request))
        refresh = sessao_jwt_iniciar(usuario=usuario)
        return Response({"access": str(refresh.access_token), "refresh": str(refresh)})


@method_decorator(sensitive_post_parameters("refresh"), name="dispatch")
class RenovarApi(SemAutenticacaoPrevia, APIView):
    """A refresh token in, a new pair out; the one sent is blacklisted (rotation)."""

    class EntradaRenovar(serializers.Serializer):
        refresh = serializers.CharField()

    @extend_schema(
        operation_id="auth_renovar",
        summary="Renovar os tokens",
        description="Troca o token de renovação por um novo par. O token enviado deixa de valer (rotação): "
        "guarde o novo.",
        request=EntradaRenovar,
        responses={200: _Tokens},
        examples=[OpenApiExample("Renovar", value={"refresh": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…"})],
        tags=["autenticação"],
    )
    def post(self, request):
        entrada = self.EntradaRenovar(data=request.data)
        entrada.is_valid(raise_exception=True)
        serializer = TokenRefreshSerializer(data=entrada.validated_data)
        try:
            # A refresh token of a sign-in already ended is refused even if it escaped the blacklist (two
            # renewals of the same token racing each other both win SimpleJWT's check).
            if sessao_encerrada(RefreshToken(entrada.validated_data["refresh"]).get(CLAIM_SESSAO, "")):
                raise exceptions.AuthenticationFailed("Esta sessão foi encerrada (logout): entre de novo.")
            serializer.is_valid(raise_exception=True)
        except (TokenError, exceptions.AuthenticationFailed, Usuario.DoesNotExist) as erro:
            raise exceptions.AuthenticationFailed(
                "O token de renovação é inválido, expirou ou já foi usado: entre de novo."
            ) from erro
        return Response(serializer.validated_data)


@method_decorator(sensitive_post_parameters("refresh"), name="dispatch")
class SairApi(APIView):
    """Sign out: the refresh token and every access token of the same sign-in stop working."""

    permissoes = {"post": QUALQUER_USUARIO}

    class EntradaSair(serializers.Serializer):
        refresh = serializers.CharField()

    @extend_schema(
        operation_id="auth_sair",
        summary="Sair (logout)",
        description="Encerra a sessão do token de renovação enviado: ele, suas renovações e os tokens de acesso "
        "que deram deixam de valer.",
        request=EntradaSair,
        responses={204: None},
        examples=[OpenApiExample("Sair", value={"refresh": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…"})],
        tags=["autenticação"],
    )
    def post(self, request):
        entrada = self.EntradaSair(data=request.data)
        entrada.is_valid(raise_exception=True)
        sessao_jwt_encerrar(refresh=entrada.validated_data["refresh"], usuario=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    """Who is calling: the account, its role and what it may do."""

    permissoes = {"get": QUALQUER_USUARIO}

    class Me(serializers.Serializer):
        id = serializers.UUIDField()
        email = serializers.EmailField()
        nome = serializers.CharField()
        papel = serializers.CharField()
        papel_nome = serializers.CharField(source="get_papel_display")
        is_superuser = serializers.BooleanField()
        permissoes = serializers.SerializerMethodField()

        def get_permissoes(self, usuario) -> list[str]:
            return sorted(usuario.get_all_permissions())

    @extend_schema(
        operation_id="me",
        summary="Quem sou eu",
        description="A conta que fez a chamada, seu papel e as permissões que ele dá.",
        responses={200: Me},
        examples=[
            OpenApiExample(
                "Conta de um operador",
                value={
                    "id": "6c1f3a52-7f0e-4a36-a0d5-1d9b0f1e2c44",
                    "email": "ana@empresa.com.br",
                    "nome": "Ana Souza",
                    "papel": "OPERADOR",
                    "papel_nome": "Operador",
                    "is_superuser": False,
                    "permissoes": ["operadoras.view_operadora", "processos.view_processo"],
                },
                response_only=True,
            )
        ],
        tags=["autenticação"],
    )
    def get(self, request):
        return Response(self.Me(request.user).data)
