"""The people in the API: /api/v1/usuarios/, for administrators only.

Accounts are deactivated, not deleted: approvals, runs and history keep pointing at who did them.
Neither the password hash nor the personal robot-API token ever leaves the server.
"""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .models import Usuario
from .services import usuario_atualizar, usuario_criar, usuario_desativar

EXEMPLO = {
    "id": "9d7b1f0a-2c4e-4a51-9a8e-6f1c2b3d4e5f",
    "email": "ana@empresa.com.br",
    "nome": "Ana Souza",
    "papel": "APROVADOR",
    "papel_nome": "Aprovador",
    "is_active": True,
    "is_superuser": False,
    "last_login": "2026-11-27T17:45:02-03:00",
    "date_joined": "2026-02-10T09:00:00-03:00",
}


class UsuarioSerializer(serializers.ModelSerializer):
    papel_nome = serializers.CharField(source="get_papel_display", read_only=True)

    class Meta:
        model = Usuario
        fields = [
            "id",
            "email",
            "nome",
            "papel",
            "papel_nome",
            "is_active",
            "is_superuser",
            "last_login",
            "date_joined",
        ]
        read_only_fields = fields


class UsuarioEntrada(serializers.Serializer):
    email = serializers.EmailField(help_text="O login; único.")
    nome = serializers.CharField(max_length=150, required=False, allow_blank=True)
    papel = serializers.ChoiceField(choices=Usuario.Papel.choices, required=False)
    password = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        write_only=True,
        style={"input_type": "password"},
        help_text="Opcional; sem ela a conta não entra com senha (uma conta de sistema, com token de serviço).",
    )


class UsuarioAlteracao(serializers.Serializer):
    nome = serializers.CharField(max_length=150, required=False, allow_blank=True)
    papel = serializers.ChoiceField(choices=Usuario.Papel.choices, required=False)
    is_active = serializers.BooleanField(required=False, help_text="Falso desativa a conta.")


_exemplos = [OpenApiExample("Usuário", value=EXEMPLO, response_only=True)]


@extend_schema_view(
    list=extend_schema(
        summary="Listar usuários",
        description="As contas, em ordem de nome, com o papel de cada uma. Só administradores.",
        examples=[OpenApiExample("Página", value=[EXEMPLO], response_only=True)],
    ),
    retrieve=extend_schema(summary="Ver um usuário", description="Uma conta pelo id.", examples=_exemplos),
    create=extend_schema(
        summary="Cadastrar um usuário",
        description="Cria uma conta no grupo do seu papel (LEITURA se omitido). A senha, opcional, passa pelas "
        "regras de senha do sistema; o e-mail é único.",
        request=UsuarioEntrada,
        responses={201: UsuarioSerializer},
        examples=[
            OpenApiExample(
                "Nova aprovadora",
                value={
                    "email": "ana@empresa.com.br",
                    "nome": "Ana Souza",
                    "papel": "APROVADOR",
                    "password": "uma-senha-longa-42",
                },
                request_only=True,
            ),
            *_exemplos,
        ],
    ),
    partial_update=extend_schema(
        summary="Alterar um usuário",
        description="Altera nome, papel (as permissões seguem o papel) ou `is_active`. Só um superusuário altera "
        "um superusuário; ninguém desativa a própria conta.",
        request=UsuarioAlteracao,
        responses={200: UsuarioSerializer},
        examples=[OpenApiExample("Tornar operador", value={"papel": "OPERADOR"}, request_only=True), *_exemplos],
    ),
    desativar=extend_schema(
        summary="Desativar um usuário",
        description="A conta deixa de entrar; o que ela fez continua atribuído a ela. Contas não são excluídas.",
        request=None,
        responses={200: UsuarioSerializer},
        examples=_exemplos,
    ),
)
class UsuarioApi(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = UsuarioSerializer
    permissoes = {
        "list": "usuarios.view_usuario",
        "retrieve": "usuarios.view_usuario",
        "create": "usuarios.add_usuario",
        "partial_update": "usuarios.change_usuario",
        "desativar": "usuarios.change_usuario",
    }

    def get_queryset(self):
        return Usuario.objects.order_by("nome", "email", "id")

    def create(self, request, *args, **kwargs):
        entrada = UsuarioEntrada(data=request.data)
        entrada.is_valid(raise_exception=True)
        usuario = usuario_criar(por=request.user, **entrada.validated_data)
        return Response(UsuarioSerializer(usuario).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        entrada = UsuarioAlteracao(data=request.data, partial=True)
        entrada.is_valid(raise_exception=True)
        usuario = usuario_atualizar(usuario=self.get_object(), por=request.user, **entrada.validated_data)
        return Response(UsuarioSerializer(usuario).data)

    @action(detail=True, methods=["post"])
    def desativar(self, request, pk=None):
        usuario = usuario_desativar(usuario=self.get_object(), por=request.user)
        return Response(UsuarioSerializer(usuario).data)
