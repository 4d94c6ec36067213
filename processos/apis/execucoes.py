"""The robot jobs in the API: /api/v1/execucoes/, their log lines, their history, re-running and cancelling.

Thin shells over the selectors (`execucoes_lista`, `execucao_log_seguintes`, `execucao_historico`) and the
services (`execucao_reexecutar`, `execucao_cancelar`). A job's live events are not here: they are the pages'
own stream at `/eventos/execucao-<id>/` (brm/eventos), which reads the same tokens; every job says its
channel and that address (`canal_ao_vivo`, `url_ao_vivo`).
"""

from django.urls import reverse
from django.utils.http import urlencode
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from brm.api.esquema import exemplo_de_erro
from brm.api.paginacao import PaginacaoPorCursor
from brm.eventos.canais import canal_execucao

from ..filtros_execucoes import FiltroExecucoes
from ..models import Execucao, ExecucaoEvento, ExecucaoLog
from ..selectors import (
    ORDEM_EXECUCOES,
    execucao_pode_ser_cancelada,
    execucao_pode_ser_reexecutada,
    execucoes_lista,
)
from ..selectors.listas import execucao_historico, execucao_log_seguintes
from ..services import execucao_cancelar, execucao_reexecutar

# Log lines per answer: by default, and at most.
LINHAS_POR_PAGINA = 200
LINHAS_MAXIMO = 1000

ID = "5f0c9a53-8a8e-4a4e-9f6b-2b1d4c7e9a10"
EXEMPLO = {
    "id": ID,
    "processo": {
        "id": "1d7e2f40-3c55-4c1b-8f0e-6a2b9d1c7e55",
        "cliente_razao_social": "BEG Telecomunicações Ltda",
        "competencia": "2026-11-01",
        "operadora_codigo": "vivo",
    },
    "tipo": "DOWNLOAD_FATURA",
    "tipo_rotulo": "Download da fatura",
    "status": "FALHA",
    "status_rotulo": "Falha",
    "origem": "MANUAL",
    "origem_rotulo": "Manual",
    "tentativa": 1,
    "anterior": None,
    "job_id": "job-7f3a",
    "solicitado_por": {"id": "2b6c1f0e-9d8a-4e7b-a1c2-3d4e5f6a7b8c", "email": "operador@empresa.com.br"},
    "criado_em": "2026-11-28T09:00:00-03:00",
    "enviado_em": "2026-11-28T09:00:01-03:00",
    "iniciado_em": "2026-11-28T09:00:02-03:00",
    "finalizado_em": "2026-11-28T09:01:10-03:00",
    "proxima_tentativa_em": None,
    "robo_ocupado": False,
    "erro": "O portal recusou o login: confira a senha do cliente.",
    "resultado": {"codigo": "LOGIN_INVALIDO"},
    "pode_reexecutar": True,
    "pode_cancelar": False,
    "canal_ao_vivo": f"execucao-{ID}",
    "url_ao_vivo": f"https://brm.example.com/eventos/execucao-{ID}/",
}


class PaginacaoDasExecucoes(PaginacaoPorCursor):
    """Newest first, on the index (`criado_em`, `id`)."""

    ordering = ORDEM_EXECUCOES


class ExecucaoProcessoResumo(serializers.Serializer):
    id = serializers.UUIDField()
    cliente_razao_social = serializers.CharField(source="cliente.razao_social")
    competencia = serializers.DateField(help_text="O primeiro dia do mês da fatura.")
    operadora_codigo = serializers.CharField(source="cliente.operadora.codigo")


class ExecucaoUsuarioResumo(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()


class ExecucaoSerializer(serializers.ModelSerializer):
    processo = ExecucaoProcessoResumo()
    tipo_rotulo = serializers.CharField(source="get_tipo_display")
    status_rotulo = serializers.CharField(source="get_status_display")
    origem_rotulo = serializers.CharField(source="get_origem_display")
    anterior = serializers.UUIDField(source="anterior_id", allow_null=True, help_text="A execução que esta reexecuta.")
    solicitado_por = ExecucaoUsuarioResumo(allow_null=True, help_text="Vazio quando foi o sistema.")
    robo_ocupado = serializers.BooleanField(
        help_text="O robô ainda pode estar trabalhando nela (continua contando no limite de simultâneos)."
    )
    resultado = serializers.JSONField(allow_null=True, help_text="O que o robô devolveu ao terminar.")
    pode_reexecutar = serializers.SerializerMethodField(
        help_text="A situação permite reexecutar (o processo ainda pode recusar, com 409)."
    )
    pode_cancelar = serializers.SerializerMethodField(help_text="A situação permite cancelar.")
    canal_ao_vivo = serializers.SerializerMethodField(help_text="O canal dos eventos ao vivo desta execução.")
    url_ao_vivo = serializers.SerializerMethodField(
        help_text="O fluxo de eventos (Server-Sent Events) deste canal; aceita o mesmo token da API."
    )

    class Meta:
        model = Execucao
        fields = [
            "id",
            "processo",
            "tipo",
            "tipo_rotulo",
            "status",
            "status_rotulo",
            "origem",
            "origem_rotulo",
            "tentativa",
            "anterior",
            "job_id",
            "solicitado_por",
            "criado_em",
            "enviado_em",
            "iniciado_em",
            "finalizado_em",
            "proxima_tentativa_em",
            "robo_ocupado",
            "erro",
            "resultado",
            "pode_reexecutar",
            "pode_cancelar",
            "canal_ao_vivo",
            "url_ao_vivo",
        ]
        read_only_fields = fields

    def get_pode_reexecutar(self, execucao) -> bool:
        return execucao_pode_ser_reexecutada(execucao)

    def get_pode_cancelar(self, execucao) -> bool:
        return execucao_pode_ser_cancelada(execucao)

    def get_canal_ao_vivo(self, execucao) -> str:
        return canal_execucao(execucao.pk)

    def get_url_ao_vivo(self, execucao) -> str:
        caminho = reverse("eventos:canal", args=[canal_execucao(execucao.pk)])
        request = self.context.get("request")
        return request.build_absolute_uri(caminho) if request is not None else caminho


class ExecucaoLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExecucaoLog
        fields = ["seq", "quando", "nivel", "mensagem"]


class ExecucaoLogsEntrada(serializers.Serializer):
    depois = serializers.IntegerField(
        min_value=0, default=0, help_text="As linhas depois desta (a `seq` da última que você já tem); 0: do começo."
    )
    limite = serializers.IntegerField(
        min_value=1, max_value=LINHAS_MAXIMO, default=LINHAS_POR_PAGINA, help_text="Quantas linhas, no máximo."
    )
    nivel = serializers.MultipleChoiceField(
        choices=ExecucaoLog.Nivel.choices, required=False, help_text="Só as linhas destes níveis (repita o parâmetro)."
    )


class ExecucaoLogsPagina(serializers.Serializer):
    linhas = ExecucaoLogSerializer(many=True)
    ultimo_seq = serializers.IntegerField(
        help_text="A `seq` da última linha devolvida (ou o `depois` pedido, se nenhuma): o próximo `depois`."
    )
    proxima = serializers.URLField(
        allow_null=True, help_text="As linhas seguintes, que já existem; vazio quando não há mais agora."
    )
    em_andamento = serializers.BooleanField(
        help_text="A execução ainda não terminou: novas linhas podem chegar (peça de novo com depois=ultimo_seq)."
    )
    status = serializers.ChoiceField(choices=Execucao.Status.choices)


class ExecucaoEventoSerializer(serializers.ModelSerializer):
    de_rotulo = serializers.CharField(source="get_de_display")
    para_rotulo = serializers.CharField(source="get_para_display")
    por = ExecucaoUsuarioResumo(allow_null=True, help_text="Vazio quando foi o sistema ou o robô.")

    class Meta:
        model = ExecucaoEvento
        fields = ["de", "de_rotulo", "para", "para_rotulo", "quando", "motivo", "por"]


class ExecucaoCancelarEntrada(serializers.Serializer):
    motivo = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Por que cancelar (fica no histórico)."
    )


_exemplo = [OpenApiExample("Execução", value=EXEMPLO, response_only=True)]
_LINHAS = [
    {"seq": 41, "quando": "2026-11-28T09:00:40-03:00", "nivel": "INFO", "mensagem": "Abrindo o portal da operadora"},
    {"seq": 42, "quando": "2026-11-28T09:00:41-03:00", "nivel": "INFO", "mensagem": "Login aceito"},
]


@extend_schema_view(
    list=extend_schema(
        summary="Listar execuções",
        description="Os trabalhos dos robôs, dos mais novos aos mais antigos, paginados por cursor: siga `proxima` "
        "(novas execuções não deslocam as páginas). Filtros: situação (repetível), tipo, origem, processo, cliente, "
        "operadora (código ou id), competência (AAAA-MM), criação (`criado_de`, `criado_ate`: dia ou instante) e "
        "busca (CNPJ, razão social, conta ou id do trabalho no robô).",
        examples=[OpenApiExample("Página", value=[EXEMPLO], response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Ver uma execução",
        description="Uma execução pelo id, com o canal e o endereço dos seus eventos ao vivo.",
        examples=_exemplo,
    ),
)
class ExecucaoApi(viewsets.ReadOnlyModelViewSet):
    serializer_class = ExecucaoSerializer
    filterset_class = FiltroExecucoes
    pagination_class = PaginacaoDasExecucoes
    permissoes = {
        "list": "processos.view_execucao",
        "retrieve": "processos.view_execucao",
        "logs": "processos.view_execucaolog",
        "historico": "processos.view_execucaoevento",
        "reexecutar": "processos.change_execucao",
        "cancelar": "processos.change_execucao",
    }

    def get_queryset(self):
        return execucoes_lista().select_related("processo__cliente__operadora", "solicitado_por")

    @extend_schema(
        summary="Linhas de log de uma execução",
        description="As linhas do log na ordem do robô, depois da linha `depois` (paginadas pela `seq`). Para "
        "acompanhar um trabalho em andamento, siga `proxima` enquanto houver; quando vier vazio e `em_andamento` "
        "for verdadeiro, pergunte de novo mais tarde com `depois=ultimo_seq` (ou acompanhe o canal ao vivo).",
        parameters=[ExecucaoLogsEntrada],
        responses={200: ExecucaoLogsPagina},
        examples=[
            OpenApiExample(
                "Linhas",
                value={
                    "linhas": _LINHAS,
                    "ultimo_seq": 42,
                    "proxima": f"https://brm.example.com/api/v1/execucoes/{ID}/logs/?depois=42&limite=2",
                    "em_andamento": True,
                    "status": "EM_EXECUCAO",
                },
                response_only=True,
            )
        ],
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def logs(self, request, pk=None):
        execucao = self.get_object()
        entrada = ExecucaoLogsEntrada(data=request.query_params)
        entrada.is_valid(raise_exception=True)
        depois, limite = entrada.validated_data["depois"], entrada.validated_data["limite"]
        niveis = sorted(entrada.validated_data.get("nivel") or ())
        # One more than asked says whether more lines are there now.
        linhas = execucao_log_seguintes(execucao_id=execucao.pk, depois=depois, limite=limite + 1, niveis=niveis)
        ha_mais, linhas = len(linhas) > limite, linhas[:limite]
        ultimo = linhas[-1].seq if linhas else depois
        proxima = None
        if ha_mais:
            parametros = urlencode({"depois": ultimo, "limite": limite, "nivel": niveis}, doseq=True)
            proxima = request.build_absolute_uri(f"{request.path}?{parametros}")
        return Response(
            ExecucaoLogsPagina(
                {
                    "linhas": linhas,
                    "ultimo_seq": ultimo,
                    "proxima": proxima,
                    "em_andamento": execucao.status in Execucao.ATIVOS,
                    "status": execucao.status,
                }
            ).data
        )

    @extend_schema(
        summary="Histórico de uma execução",
        description="Cada mudança de situação da execução, da mais antiga à mais nova: de, para, quando, por quê "
        "e quem pediu (vazio quando foi o sistema ou o robô).",
        responses={200: ExecucaoEventoSerializer(many=True)},
        examples=[
            OpenApiExample(
                "Histórico",
                value=[
                    {
                        "de": "",
                        "de_rotulo": "",
                        "para": "PENDENTE",
                        "para_rotulo": "Pendente",
                        "quando": "2026-11-28T09:00:00-03:00",
                        "motivo": "Pedida por operador@empresa.com.br (manual).",
                        "por": {"id": "2b6c1f0e-9d8a-4e7b-a1c2-3d4e5f6a7b8c", "email": "operador@empresa.com.br"},
                    }
                ],
                response_only=True,
            )
        ],
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def historico(self, request, pk=None):
        execucao = self.get_object()
        return Response(ExecucaoEventoSerializer(execucao_historico(execucao_id=execucao.pk), many=True).data)

    @extend_schema(
        summary="Reexecutar uma execução",
        description="Cria uma nova execução ligada a esta (tentativa + 1), se ela falhou ou foi cancelada. "
        "Responde 409 com o motivo quando a situação da execução ou do processo não permite.",
        request=None,
        responses={201: ExecucaoSerializer},
        examples=[
            OpenApiExample(
                "Nova execução",
                value={**EXEMPLO, "status": "PENDENTE", "status_rotulo": "Pendente", "tentativa": 2, "anterior": ID},
                response_only=True,
                status_codes=["201"],
            ),
            exemplo_de_erro(
                409, "conflito", "Só execuções com falha ou canceladas podem ser reexecutadas; esta está “Sucesso”."
            ),
        ],
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def reexecutar(self, request, pk=None):
        nova = execucao_reexecutar(execucao=self.get_object(), por=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=nova.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cancelar uma execução",
        description="Deixa de acompanhar uma execução que não terminou (pendente, enviando ou em execução). Um "
        "trabalho que o robô já recebeu segue até o fim lá e continua contando no limite (`robo_ocupado`). "
        "Responde 409 quando ela já terminou.",
        request=ExecucaoCancelarEntrada,
        responses={200: ExecucaoSerializer},
        examples=[
            OpenApiExample("Cancelar", value={"motivo": "O cliente pediu para esperar."}, request_only=True),
            *_exemplo,
            exemplo_de_erro(409, "conflito", "Uma execução “Sucesso” não pode ser cancelada."),
        ],
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def cancelar(self, request, pk=None):
        entrada = ExecucaoCancelarEntrada(data=request.data)
        entrada.is_valid(raise_exception=True)
        execucao = execucao_cancelar(
            execucao=self.get_object(), por=request.user, motivo=entrada.validated_data.get("motivo", "")
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=execucao.pk)).data)
