"""The schedules in the API: /api/v1/agendamentos/.

Created and changed through the same services as the admin, so beat only ever sees validated timings;
each refused field comes back under its name. Administrators manage; the roles that see the schedules
in the admin read them here.
"""

import datetime as dt

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from brm.api.esquema import exemplo_de_erro
from brm.api.paginacao import PaginacaoPorCursor

from .models import Agendamento, AgendamentoExecucao
from .selectors import (
    agendamento_descricao_cron,
    agendamento_historico,
    agendamento_proximas_execucoes,
    agendamentos_com_ultima_situacao,
    no_fuso,
)
from .services import (
    agendamento_ativar,
    agendamento_atualizar,
    agendamento_criar,
    agendamento_desativar,
    agendamento_excluir,
    agendamento_solicitar_execucao,
)

EXEMPLO = {
    "id": "3f2a9c1e-7b5d-4e8f-a1b2-c3d4e5f6a7b8",
    "nome": "Downloads da madrugada",
    "tipo": "EXECUTAR_DOWNLOADS",
    "tipo_nome": "Executar downloads",
    "expressao_cron": "0 3 * * 1-5",
    "descricao_cron": "Às 03:00, de segunda-feira a sexta-feira",
    "fuso_horario": "America/Sao_Paulo",
    "parametros": {"apenas_processos_pendentes": True, "limite_execucoes_simultaneas": 5},
    "ativo": True,
    "proxima_execucao": "2026-11-30T06:00:00Z",
    "ultima_execucao": "2026-11-27T06:00:01Z",
    "total_execucoes": 120,
    "total_sucessos": 118,
    "total_falhas": 2,
    "ultima_situacao": "SUCESSO",
    "created_at": "2026-01-05T09:30:00-03:00",
    "updated_at": "2026-03-01T14:02:11-03:00",
}

EXEMPLO_EXECUCAO = {
    "id": "8c1d2e3f-4a5b-4c6d-9e7f-0a1b2c3d4e5f",
    "inicio": "2026-11-27T06:00:01Z",
    "fim": "2026-11-27T06:00:09Z",
    "status": "SUCESSO",
    "status_nome": "Sucesso",
    "resultado": {"execucoes_criadas": 12},
    "erro": "",
    "solicitado_por": None,
}


class FiltroAgendamentos(django_filters.FilterSet):
    class Meta:
        model = Agendamento
        fields = ["ativo", "tipo"]


class AgendamentoSerializer(serializers.ModelSerializer):
    tipo_nome = serializers.CharField(source="get_tipo_display", read_only=True)
    descricao_cron = serializers.SerializerMethodField(help_text="A expressão cron em palavras.")
    ultima_situacao = serializers.ChoiceField(
        choices=AgendamentoExecucao.Status.choices,
        read_only=True,
        allow_null=True,
        help_text="A situação da execução mais recente; nulo se nunca executou.",
    )

    class Meta:
        model = Agendamento
        fields = [
            "id",
            "nome",
            "tipo",
            "tipo_nome",
            "expressao_cron",
            "descricao_cron",
            "fuso_horario",
            "parametros",
            "ativo",
            "proxima_execucao",
            "ultima_execucao",
            "total_execucoes",
            "total_sucessos",
            "total_falhas",
            "ultima_situacao",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_descricao_cron(self, agendamento) -> str:
        return agendamento_descricao_cron(agendamento)


class AgendamentoEntrada(serializers.Serializer):
    """What a client may send; the checks (cron, time zone, the type's parameters) are the services'."""

    nome = serializers.CharField(max_length=100)
    tipo = serializers.ChoiceField(choices=Agendamento.Tipo.choices)
    expressao_cron = serializers.CharField(
        max_length=100, help_text="Cinco campos: minuto hora dia-do-mês mês dia-da-semana (domingo é 0)."
    )
    fuso_horario = serializers.CharField(
        max_length=64, required=False, help_text="Fuso IANA em que a expressão vale; padrão America/Sao_Paulo."
    )
    parametros = serializers.JSONField(required=False, help_text="Um objeto JSON; {} usa os padrões do tipo.")
    ativo = serializers.BooleanField(required=False)


class SolicitanteDeAgendamentoSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    nome = serializers.CharField()
    email = serializers.EmailField()


class AgendamentoExecucaoSerializer(serializers.ModelSerializer):
    status_nome = serializers.CharField(source="get_status_display", read_only=True)
    solicitado_por = SolicitanteDeAgendamentoSerializer(
        read_only=True, allow_null=True, help_text="Nulo quando foi o agendador."
    )

    class Meta:
        model = AgendamentoExecucao
        fields = ["id", "inicio", "fim", "status", "status_nome", "resultado", "erro", "solicitado_por"]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.DATETIME)
class CampoInstanteNoFuso(serializers.Field):
    """An instant as it is, with its own offset (DRF's DateTimeField would move it to the server's zone)."""

    def to_representation(self, value: dt.datetime) -> str:
        return value.isoformat()


class ProximaExecucaoDeAgendamentoSerializer(serializers.Serializer):
    no_fuso = CampoInstanteNoFuso(help_text="No fuso do agendamento, com o seu deslocamento.")
    utc = CampoInstanteNoFuso(help_text="O mesmo instante em UTC.")


class ProximasExecucoesDoAgendamentoSerializer(serializers.Serializer):
    fuso_horario = serializers.CharField()
    ativo = serializers.BooleanField(help_text="Desativado, não há próximas execuções.")
    proximas = ProximaExecucaoDeAgendamentoSerializer(many=True)


class AgendamentoProximasEntrada(serializers.Serializer):
    quantidade = serializers.IntegerField(min_value=1, max_value=50, default=5, required=False)


class AgendamentoExecutarAgoraResposta(serializers.Serializer):
    mensagem = serializers.CharField()


class PaginacaoDoHistorico(PaginacaoPorCursor):
    ordering = ("-inicio", "-id")
    page_size = 20


_exemplos = [OpenApiExample("Agendamento", value=EXEMPLO, response_only=True)]
_entrada = [
    OpenApiExample(
        "Novo agendamento",
        value={
            "nome": "Downloads da madrugada",
            "tipo": "EXECUTAR_DOWNLOADS",
            "expressao_cron": "0 3 * * 1-5",
            "fuso_horario": "America/Sao_Paulo",
            "parametros": {"limite_execucoes_simultaneas": 5},
        },
        request_only=True,
    )
]
_erro_campo = exemplo_de_erro(
    400,
    "invalido",
    "Dia da semana inválido: use 0 a 6 (domingo é 0).",
    {"expressao_cron": ["Dia da semana inválido: use 0 a 6 (domingo é 0)."]},
)


@extend_schema_view(
    list=extend_schema(
        summary="Listar agendamentos",
        description="Os agendamentos em ordem de nome, com contadores e a situação da última execução. "
        "Filtre por `ativo` e `tipo`.",
        examples=[OpenApiExample("Página", value=[EXEMPLO], response_only=True)],
    ),
    retrieve=extend_schema(summary="Ver um agendamento", description="Um agendamento pelo id.", examples=_exemplos),
    create=extend_schema(
        summary="Criar um agendamento",
        description="Cria um agendamento com as mesmas validações do admin: expressão cron de cinco campos "
        "(conferida como o Celery a lê), fuso IANA e parâmetros do tipo. Um erro vem no campo que o causou.",
        request=AgendamentoEntrada,
        responses={201: AgendamentoSerializer},
        examples=[*_entrada, *_exemplos, _erro_campo],
    ),
    update=extend_schema(
        summary="Alterar um agendamento",
        description="Substitui os campos enviados e ressincroniza a tarefa do agendador.",
        request=AgendamentoEntrada,
        responses={200: AgendamentoSerializer},
        examples=[*_entrada, *_exemplos, _erro_campo],
    ),
    partial_update=extend_schema(
        summary="Alterar campos de um agendamento",
        description="Altera só os campos enviados e ressincroniza a tarefa do agendador.",
        request=AgendamentoEntrada,
        responses={200: AgendamentoSerializer},
        examples=[
            OpenApiExample("Mudar o horário", value={"expressao_cron": "30 2 * * *"}, request_only=True),
            *_exemplos,
        ],
    ),
    destroy=extend_schema(
        summary="Excluir um agendamento",
        description="Exclui o agendamento, o seu histórico e a sua tarefa no agendador.",
        examples=[exemplo_de_erro(403, "permissao", "Você não tem permissão para fazer isto.")],
    ),
)
class AgendamentoApi(viewsets.ModelViewSet):
    serializer_class = AgendamentoSerializer
    filterset_class = FiltroAgendamentos
    permissoes = {
        "list": "agendamentos.view_agendamento",
        "retrieve": "agendamentos.view_agendamento",
        "create": "agendamentos.add_agendamento",
        "update": "agendamentos.change_agendamento",
        "partial_update": "agendamentos.change_agendamento",
        "destroy": "agendamentos.delete_agendamento",
        # The admin's "Executar agora", "Ativar" and "Desativar" ask for the change permission.
        "executar_agora": "agendamentos.change_agendamento",
        "ativar": "agendamentos.change_agendamento",
        "desativar": "agendamentos.change_agendamento",
        "proximas": "agendamentos.view_agendamento",
        "historico": "agendamentos.view_agendamentoexecucao",
    }

    def get_queryset(self):
        return agendamentos_com_ultima_situacao().order_by("nome", "id")

    def _resposta(self, agendamento: Agendamento, status_http: int = status.HTTP_200_OK) -> Response:
        # Read again with the annotation the list has (the latest run's status).
        agendamento = self.get_queryset().get(pk=agendamento.pk)
        return Response(AgendamentoSerializer(agendamento).data, status=status_http)

    def create(self, request, *args, **kwargs):
        entrada = AgendamentoEntrada(data=request.data)
        entrada.is_valid(raise_exception=True)
        agendamento = agendamento_criar(por=request.user, **entrada.validated_data)
        return self._resposta(agendamento, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        entrada = AgendamentoEntrada(data=request.data, partial=kwargs.get("partial", False))
        entrada.is_valid(raise_exception=True)
        agendamento = agendamento_atualizar(agendamento=self.get_object(), por=request.user, **entrada.validated_data)
        return self._resposta(agendamento)

    def perform_destroy(self, instance):
        agendamento_excluir(agendamento=instance, por=self.request.user)

    @extend_schema(
        summary="Executar agora",
        description="Enfileira uma execução do agendamento, a mesma que o agendador dispara (também se ele "
        "estiver desativado). O resultado aparece no histórico.",
        request=None,
        responses={202: AgendamentoExecutarAgoraResposta},
        examples=[
            OpenApiExample(
                "Enfileirada",
                value={"mensagem": "Execução enfileirada: “Downloads da madrugada” começa em instantes."},
                response_only=True,
                status_codes=["202"],
            )
        ],
    )
    @action(detail=True, methods=["post"], url_path="executar-agora", filter_backends=[])
    def executar_agora(self, request, pk=None):
        agendamento = self.get_object()
        agendamento_solicitar_execucao(agendamento=agendamento, por=request.user)
        return Response(
            {"mensagem": f"Execução enfileirada: “{agendamento}” começa em instantes."},
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(
        summary="Ativar um agendamento",
        description="Liga o agendamento; os parâmetros precisam estar completos.",
        request=None,
        responses={200: AgendamentoSerializer},
        examples=_exemplos,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def ativar(self, request, pk=None):
        return self._resposta(agendamento_ativar(agendamento=self.get_object(), por=request.user))

    @extend_schema(
        summary="Desativar um agendamento",
        description="Desliga o agendamento: o agendador para de dispará-lo; uma execução em andamento termina.",
        request=None,
        responses={200: AgendamentoSerializer},
        examples=_exemplos,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def desativar(self, request, pk=None):
        return self._resposta(agendamento_desativar(agendamento=self.get_object(), por=request.user))

    @extend_schema(
        summary="Próximas execuções",
        description="As próximas `quantidade` execuções (padrão 5, até 50), no fuso do agendamento e em UTC, "
        "calculadas como o Celery lê a expressão. Desativado, a lista vem vazia.",
        parameters=[OpenApiParameter("quantidade", int, description="Quantas (1 a 50; padrão 5).")],
        responses={200: ProximasExecucoesDoAgendamentoSerializer},
        examples=[
            OpenApiExample(
                "Próximas",
                value={
                    "fuso_horario": "America/Sao_Paulo",
                    "ativo": True,
                    "proximas": [
                        {"no_fuso": "2026-11-30T03:00:00-03:00", "utc": "2026-11-30T06:00:00+00:00"},
                        {"no_fuso": "2026-12-01T03:00:00-03:00", "utc": "2026-12-01T06:00:00+00:00"},
                    ],
                },
                response_only=True,
            )
        ],
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def proximas(self, request, pk=None):
        entrada = AgendamentoProximasEntrada(data=request.query_params)
        entrada.is_valid(raise_exception=True)
        agendamento = self.get_object()
        instantes = agendamento_proximas_execucoes(agendamento=agendamento, n=entrada.validated_data["quantidade"])
        dados = {
            "fuso_horario": agendamento.fuso_horario,
            "ativo": agendamento.ativo,
            "proximas": [
                {"no_fuso": no_fuso(instante, agendamento.fuso_horario), "utc": instante.astimezone(dt.UTC)}
                for instante in instantes
            ],
        }
        return Response(ProximasExecucoesDoAgendamentoSerializer(dados).data)

    @extend_schema(
        summary="Histórico de execuções",
        description="As execuções do agendamento, da mais recente para a mais antiga, paginadas por cursor.",
        responses={200: AgendamentoExecucaoSerializer(many=True)},
        examples=[OpenApiExample("Página", value=[EXEMPLO_EXECUCAO], response_only=True)],
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=PaginacaoDoHistorico)
    def historico(self, request, pk=None):
        agendamento = self.get_object()
        pagina = self.paginate_queryset(agendamento_historico(agendamento=agendamento))
        return self.get_paginated_response(AgendamentoExecucaoSerializer(pagina, many=True).data)
