"""The operators in the API: /api/v1/operadoras/."""

import django_filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from brm.api.esquema import exemplo_de_erro

from .models import Operadora
from .selectors import operadoras_com_clientes_ativos
from .services import operadora_atualizar, operadora_criar, operadora_excluir

EXEMPLO = {
    "id": "0b6f6f0e-5d1c-4b7e-9d43-2f7f1c2a8e11",
    "nome": "Vivo",
    "codigo": "vivo",
    "possui_rpa": True,
    "rpa_terceirizado": False,
    "url_endpoint_rpa": "",
    "max_execucoes_simultaneas": 3,
    "dia_emissao": 10,
    "ativa": True,
    "clientes_ativos": 42,
    "created_at": "2026-01-05T09:30:00-03:00",
    "updated_at": "2026-03-01T14:02:11-03:00",
}


class FiltroOperadoras(django_filters.FilterSet):
    busca = django_filters.CharFilter(method="filtrar_busca", label="Busca no nome ou no código")

    class Meta:
        model = Operadora
        fields = ["ativa", "possui_rpa", "rpa_terceirizado"]

    def filtrar_busca(self, queryset, name, valor):
        from django.db.models import Q

        return queryset.filter(Q(nome__icontains=valor) | Q(codigo__icontains=valor))


class OperadoraSerializer(serializers.ModelSerializer):
    clientes_ativos = serializers.IntegerField(read_only=True, help_text="Quantos clientes ativos ela tem.")

    class Meta:
        model = Operadora
        fields = [
            "id",
            "nome",
            "codigo",
            "possui_rpa",
            "rpa_terceirizado",
            "url_endpoint_rpa",
            "max_execucoes_simultaneas",
            "dia_emissao",
            "ativa",
            "clientes_ativos",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


_exemplos = [OpenApiExample("Operadora", value=EXEMPLO, response_only=True)]
_entrada = [
    OpenApiExample(
        "Nova operadora",
        value={"nome": "Claro", "codigo": "claro", "max_execucoes_simultaneas": 2, "dia_emissao": 12},
        request_only=True,
    )
]


@extend_schema_view(
    list=extend_schema(
        summary="Listar operadoras",
        description="As operadoras, em ordem de nome, com quantos clientes ativos cada uma tem.",
        examples=[
            OpenApiExample(
                "Página",
                value={"total": 1, "total_estimado": False, "proxima": None, "anterior": None, "resultados": [EXEMPLO]},
                response_only=True,
            )
        ],
    ),
    retrieve=extend_schema(summary="Ver uma operadora", description="Uma operadora pelo id.", examples=_exemplos),
    create=extend_schema(
        summary="Cadastrar uma operadora",
        description="Cadastra uma operadora. O código é o nome do robô na API de robôs.",
        examples=_entrada + _exemplos,
    ),
    update=extend_schema(
        summary="Alterar uma operadora",
        description="Substitui todos os campos editáveis.",
        examples=_entrada + _exemplos,
    ),
    partial_update=extend_schema(
        summary="Alterar campos de uma operadora",
        description="Altera só os campos enviados.",
        examples=[OpenApiExample("Desativar", value={"ativa": False}, request_only=True), *_exemplos],
    ),
    destroy=extend_schema(
        summary="Excluir uma operadora",
        description="Exclui uma operadora sem clientes. Com clientes, responde 409: desative-a.",
        examples=[
            exemplo_de_erro(409, "conflito", "A operadora Vivo tem clientes e não pode ser excluída; desative-a.")
        ],
    ),
)
class OperadoraApi(viewsets.ModelViewSet):
    serializer_class = OperadoraSerializer
    filterset_class = FiltroOperadoras
    permissoes = {
        "list": "operadoras.view_operadora",
        "retrieve": "operadoras.view_operadora",
        "create": "operadoras.add_operadora",
        "update": "operadoras.change_operadora",
        "partial_update": "operadoras.change_operadora",
        "destroy": "operadoras.delete_operadora",
    }

    def get_queryset(self):
        return operadoras_com_clientes_ativos().order_by("nome", "id")

    def perform_create(self, serializer):
        operadora = operadora_criar(por=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=operadora.pk)

    def perform_update(self, serializer):
        operadora_atualizar(operadora=serializer.instance, por=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        operadora_excluir(operadora=instance, por=self.request.user)
