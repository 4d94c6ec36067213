"""The clients in the API: /api/v1/clientes/.

The CNPJ goes in with or without punctuation and comes out formatted. The portal password is write-only:
no answer carries it, only `tem_senha_portal` says whether one is stored.
"""

import django_filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from brm.api.esquema import exemplo_de_erro
from brm.common.fields import cnpj_formatar
from operadoras.models import Operadora

from .models import Cliente
from .selectors import clientes_buscar, clientes_lista, operadora_pela_referencia
from .services import cliente_atualizar, cliente_criar, cliente_excluir

EXEMPLO = {
    "id": "5a0c3c57-4a55-4b8e-8d3e-0f5b0f6e7a21",
    "razao_social": "BEG Telecomunicações Ltda",
    "cnpj": "12.ABC.345/01DE-35",
    "operadora": {"id": "0b6f6f0e-5d1c-4b7e-9d43-2f7f1c2a8e11", "nome": "Vivo", "codigo": "vivo"},
    "login_portal": "financeiro@beg.com.br",
    "tem_senha_portal": True,
    "conta": "0123456789",
    "unidade": "Matriz",
    "dados_rpa": {"contrato": "123"},
    "codigo_sat": "SAT-0042",
    "dia_emissao": 10,
    "ativo": True,
    "created_at": "2026-01-05T09:30:00-03:00",
    "updated_at": "2026-03-01T14:02:11-03:00",
}


class FiltroClientes(django_filters.FilterSet):
    operadora = django_filters.CharFilter(method="filtrar_operadora", label="Operadora (id ou código)")
    busca = django_filters.CharFilter(
        method="filtrar_busca", label="CNPJ (com ou sem pontuação), razão social, conta, unidade ou código SAT"
    )

    class Meta:
        model = Cliente
        fields = ["ativo"]

    def filtrar_operadora(self, queryset, name, valor):
        operadora = operadora_pela_referencia(valor)
        return queryset.filter(operadora=operadora) if operadora else queryset.none()

    def filtrar_busca(self, queryset, name, valor):
        return clientes_buscar(queryset=queryset, termo=valor)


class OperadoraDoClienteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Operadora
        fields = ["id", "nome", "codigo"]


@extend_schema_field({"type": "string", "example": "12.345.678/0001-95"})
class CampoCNPJ(serializers.CharField):
    """Any spelling in (the model normalises and checks it), the formatted one out."""

    def to_representation(self, value):
        return cnpj_formatar(value)


class CampoOperadora(serializers.CharField):
    """The operator by id or code."""

    default_error_messages = {"inexistente": "Operadora “{valor}” não encontrada (informe o id ou o código)."}

    def to_internal_value(self, data):
        valor = super().to_internal_value(data)
        operadora = operadora_pela_referencia(valor)
        if operadora is None:
            self.fail("inexistente", valor=valor)
        return operadora


class ClienteSerializer(serializers.ModelSerializer):
    cnpj = CampoCNPJ()
    operadora = OperadoraDoClienteSerializer()
    tem_senha_portal = serializers.SerializerMethodField(help_text="Se há uma senha do portal guardada.")

    class Meta:
        model = Cliente
        fields = [
            "id",
            "razao_social",
            "cnpj",
            "operadora",
            "login_portal",
            "tem_senha_portal",
            "conta",
            "unidade",
            "dados_rpa",
            "codigo_sat",
            "dia_emissao",
            "ativo",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_tem_senha_portal(self, cliente) -> bool:
        return bool(cliente.senha_portal)


class ClienteEntrada(serializers.Serializer):
    """What a client may send; the rules (CNPJ, uniqueness, days) are the model's, checked by the service."""

    razao_social = serializers.CharField(max_length=200)
    cnpj = serializers.CharField(max_length=18, help_text="Numérico ou alfanumérico, com ou sem pontuação.")
    operadora = CampoOperadora(help_text="Id ou código da operadora.")
    login_portal = serializers.CharField(max_length=200, required=False, allow_blank=True)
    senha_portal = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        write_only=True,
        style={"input_type": "password"},
        help_text="Só de escrita. Em branco ou ausente, mantém a senha guardada.",
    )
    limpar_senha_portal = serializers.BooleanField(
        required=False, default=False, write_only=True, help_text="Verdadeiro para remover a senha guardada."
    )
    conta = serializers.CharField(max_length=100, required=False, allow_blank=True)
    unidade = serializers.CharField(max_length=100, required=False, allow_blank=True)
    dados_rpa = serializers.JSONField(required=False, help_text="Um objeto JSON com os campos extras do robô.")
    codigo_sat = serializers.CharField(max_length=50, required=False, allow_blank=True)
    dia_emissao = serializers.IntegerField(required=False, allow_null=True)
    ativo = serializers.BooleanField(required=False)


_exemplos = [OpenApiExample("Cliente", value=EXEMPLO, response_only=True)]
_entrada = [
    OpenApiExample(
        "Novo cliente",
        value={
            "razao_social": "BEG Telecomunicações Ltda",
            "cnpj": "12ABC34501DE35",
            "operadora": "vivo",
            "login_portal": "financeiro@beg.com.br",
            "senha_portal": "s3nha-do-portal",
            "conta": "0123456789",
            "dados_rpa": {"contrato": "123"},
            "dia_emissao": 10,
        },
        request_only=True,
    )
]


@extend_schema_view(
    list=extend_schema(
        summary="Listar clientes",
        description="Os clientes em ordem de razão social, com a operadora de cada um. Filtre por `operadora` "
        "(id ou código), `ativo` e `busca` (um CNPJ com ou sem pontuação acha o cliente; também razão social, "
        "conta, unidade e código SAT).",
        examples=[
            OpenApiExample(
                "Página",
                value=[EXEMPLO],
                response_only=True,
            )
        ],
    ),
    retrieve=extend_schema(summary="Ver um cliente", description="Um cliente pelo id.", examples=_exemplos),
    create=extend_schema(
        summary="Cadastrar um cliente",
        description="Cadastra um cliente. A operadora vai pelo id ou pelo código; o CNPJ com ou sem pontuação. "
        "A senha do portal é guardada cifrada e nunca volta nas respostas.",
        request=ClienteEntrada,
        responses={201: ClienteSerializer},
        examples=_entrada + _exemplos,
    ),
    update=extend_schema(
        summary="Alterar um cliente",
        description="Substitui os campos editáveis. Uma senha do portal em branco ou ausente mantém a guardada; "
        "`limpar_senha_portal` a remove.",
        request=ClienteEntrada,
        responses={200: ClienteSerializer},
        examples=_entrada + _exemplos,
    ),
    partial_update=extend_schema(
        summary="Alterar campos de um cliente",
        description="Altera só os campos enviados. Uma senha do portal em branco mantém a guardada; "
        "`limpar_senha_portal` a remove.",
        request=ClienteEntrada,
        responses={200: ClienteSerializer},
        examples=[
            OpenApiExample("Desativar", value={"ativo": False}, request_only=True),
            OpenApiExample("Trocar a senha do portal", value={"senha_portal": "n0va-senha"}, request_only=True),
            *_exemplos,
        ],
    ),
    destroy=extend_schema(
        summary="Excluir um cliente",
        description="Exclui um cliente sem processos. Com processos, responde 409: desative-o.",
        examples=[
            exemplo_de_erro(
                409,
                "conflito",
                "O cliente BEG Telecomunicações Ltda tem processos e não pode ser excluído; desative-o.",
            )
        ],
    ),
)
class ClienteApi(viewsets.ModelViewSet):
    serializer_class = ClienteSerializer
    filterset_class = FiltroClientes
    permissoes = {
        "list": "clientes.view_cliente",
        "retrieve": "clientes.view_cliente",
        "create": "clientes.add_cliente",
        "update": "clientes.change_cliente",
        "partial_update": "clientes.change_cliente",
        "destroy": "clientes.delete_cliente",
    }

    def get_queryset(self):
        return clientes_lista()

    def _entrada(self, *, parcial: bool) -> dict:
        entrada = ClienteEntrada(data=self.request.data, partial=parcial)
        entrada.is_valid(raise_exception=True)
        return dict(entrada.validated_data)

    def create(self, request, *args, **kwargs):
        cliente = cliente_criar(por=request.user, **self._entrada(parcial=False))
        return Response(ClienteSerializer(cliente).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        cliente = self.get_object()
        cliente = cliente_atualizar(
            cliente=cliente, por=request.user, **self._entrada(parcial=kwargs.get("partial", False))
        )
        return Response(ClienteSerializer(cliente).data)

    def perform_destroy(self, instance):
        cliente_excluir(cliente=instance, por=self.request.user)
