"""The processes in the API: /api/v1/processos/, their decisions, robot jobs, invoice files and timeline.

Thin shells: each action parses its input, calls one service or selector of `processos` and renders the result.
The checks are the pages' own: approving and rejecting need `aprovar_processo` (as the approval queue), sending
an invoice `enviar_fatura` (as the admin's upload page), asking the robots `change_execucao` (as the admin's
buttons), and reading the invoice PDF `view_processo` (as the admin's download).
"""

import uuid

from django.conf import settings
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from brm.api.esquema import exemplo_de_erro
from brm.api.paginacao import PaginacaoPorCursor
from brm.common.errors import ErroDeNegocio
from brm.common.fields import cnpj_formatar
from brm.common.formatacao import formatar_competencia
from clientes.models import Cliente
from operadoras.models import Operadora

from .filtros import FiltroProcessos
from .models import Execucao, Processo
from .selectors import (
    processo_pode_receber_fatura,
    processo_pode_ser_aprovado,
    processo_pode_ser_rejeitado,
    processo_recusa_execucao,
    processos_lista,
)
from .selectors.faturas import fatura_nome_para_download, processo_arquivo_fatura, processo_arquivos_fatura
from .selectors.paginas import processo_eventos
from .services import execucao_solicitar, processo_aprovar, processo_registrar_fatura, processo_rejeitar

S = Processo.Status
T = Execucao.Tipo

VER = "processos.view_processo"
APROVAR = "processos.aprovar_processo"
ENVIAR_FATURA = "processos.enviar_fatura"
COMANDAR_ROBOS = "processos.change_execucao"
# The columns a process is shown with, read as plain rows (no model instances): the client's secrets (decrypted on
# every read of a Cliente) and its robot data stay out.
COLUNAS = (
    "id",
    "competencia",
    "status",
    "valor_total",
    "vencimento",
    "numero_fatura",
    "fatura_sha256",
    "fatura",
    "aprovado_em",
    "motivo_rejeicao",
    "protocolo_sat",
    "enviado_sat_em",
    "created_at",
    "updated_at",
    "cliente_id",
    "cliente__razao_social",
    "cliente__cnpj",
    "cliente__conta",
    "cliente__ativo",
    "cliente__operadora_id",
    "cliente__operadora__nome",
    "cliente__operadora__codigo",
    "cliente__operadora__possui_rpa",
    "cliente__operadora__ativa",
    "aprovado_por_id",
    "aprovado_por__email",
    "aprovado_por__nome",
)
# What a multipart upload may carry besides the invoice itself (the amount, the due date, the number, the
# boundaries): a body larger than the invoice's limit plus this is refused before it is read.
FOLGA_DO_FORMULARIO = 64 * 1024

EXEMPLO = {
    "id": "3f2b8c1e-9a4d-4f0e-b1c2-7d8e9f0a1b2c",
    "cliente": {
        "id": "5a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        "razao_social": "BEG Telecomunicações Ltda",
        "cnpj": "11.222.333/0001-81",
        "conta": "0012345",
    },
    "operadora": {"id": "0b6f6f0e-5d1c-4b7e-9d43-2f7f1c2a8e11", "nome": "Vivo", "codigo": "vivo"},
    "competencia": "2026-11-01",
    "competencia_texto": "11/2026",
    "status": "AGUARDANDO_APROVACAO",
    "status_texto": "Aguardando aprovação",
    "valor_total": "1234.56",
    "vencimento": "2026-12-10",
    "numero_fatura": "NF-2026-11-0042",
    "fatura_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "tem_fatura": True,
    "fatura_url": "https://brm.example.com/api/v1/processos/3f2b8c1e-9a4d-4f0e-b1c2-7d8e9f0a1b2c/fatura/",
    "aprovado_por": None,
    "aprovado_em": None,
    "motivo_rejeicao": "",
    "protocolo_sat": "",
    "enviado_sat_em": None,
    "pode_receber_fatura": False,
    "pode_aprovar": True,
    "pode_rejeitar": True,
    "pode_baixar": False,
    "pode_enviar_sat": False,
    "created_at": "2026-11-01T03:00:00-03:00",
    "updated_at": "2026-11-12T10:41:07-03:00",
}

EXEMPLO_EXECUCAO = {
    "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "tipo": "DOWNLOAD_FATURA",
    "tipo_texto": "Download da fatura",
    "status": "PENDENTE",
    "status_texto": "Pendente",
    "origem": "MANUAL",
    "tentativa": 1,
    "criado_em": "2026-11-12T10:41:07-03:00",
}


# What goes out ----------------------------------------------------------------------------------------------------


class ProcessoClienteSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    razao_social = serializers.CharField()
    cnpj = serializers.CharField(help_text="Formatado (00.000.000/0000-00).")
    conta = serializers.CharField()


class ProcessoOperadoraSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    nome = serializers.CharField()
    codigo = serializers.CharField()


class ProcessoPessoaSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    nome = serializers.CharField()


def _pessoa(usuario) -> dict | None:
    return None if usuario is None else {"id": str(usuario.pk), "email": usuario.email, "nome": usuario.nome}


def _instante(valor) -> str | None:
    """An instant in the system's zone, ISO 8601 with its offset, as DRF's DateTimeField writes it."""
    if valor is None:
        return None
    texto = timezone.localtime(valor).isoformat()
    return texto[:-6] + "Z" if texto.endswith("+00:00") else texto


class ProcessoSerializer(serializers.Serializer):
    """A process as other systems read it. `pode_*` say what its situation allows now and whether the caller's
    role may do it; the robot jobs already running are not looked at (the action answers 409 if one is)."""

    id = serializers.UUIDField()
    cliente = ProcessoClienteSerializer()
    operadora = ProcessoOperadoraSerializer()
    competencia = serializers.DateField(help_text="Primeiro dia do mês da fatura.")
    competencia_texto = serializers.CharField(help_text="O mês como as páginas mostram: 11/2026.")
    status = serializers.ChoiceField(choices=S.choices)
    status_texto = serializers.CharField()
    valor_total = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    vencimento = serializers.DateField(allow_null=True)
    numero_fatura = serializers.CharField()
    fatura_sha256 = serializers.CharField()
    tem_fatura = serializers.BooleanField()
    fatura_url = serializers.URLField(allow_null=True, help_text="Onde baixar o PDF (GET, com o mesmo token).")
    aprovado_por = ProcessoPessoaSerializer(allow_null=True)
    aprovado_em = serializers.DateTimeField(allow_null=True)
    motivo_rejeicao = serializers.CharField()
    protocolo_sat = serializers.CharField()
    enviado_sat_em = serializers.DateTimeField(allow_null=True)
    pode_receber_fatura = serializers.BooleanField()
    pode_aprovar = serializers.BooleanField()
    pode_rejeitar = serializers.BooleanField()
    pode_baixar = serializers.BooleanField()
    pode_enviar_sat = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, linha: dict) -> dict:
        # A row of `COLUNAS`, written out rather than field by field and without model instances: a page of 100
        # processes costs a few milliseconds. The fields above describe the same shape for the OpenAPI schema.
        pk = linha["id"]
        competencia = linha["competencia"]
        valor = linha["valor_total"]
        return {
            "id": str(pk),
            "cliente": {
                "id": str(linha["cliente_id"]),
                "razao_social": linha["cliente__razao_social"],
                "cnpj": cnpj_formatar(linha["cliente__cnpj"]),
                "conta": linha["cliente__conta"],
            },
            "operadora": {
                "id": str(linha["cliente__operadora_id"]),
                "nome": linha["cliente__operadora__nome"],
                "codigo": linha["cliente__operadora__codigo"],
            },
            "competencia": competencia.isoformat(),
            "competencia_texto": formatar_competencia(competencia),
            "status": linha["status"],
            "status_texto": S(linha["status"]).label,
            "valor_total": None if valor is None else f"{valor:.2f}",
            "vencimento": linha["vencimento"].isoformat() if linha["vencimento"] else None,
            "numero_fatura": linha["numero_fatura"],
            "fatura_sha256": linha["fatura_sha256"],
            "tem_fatura": bool(linha["fatura"]),
            "fatura_url": f"{self.context['url_processos']}{pk}/fatura/" if linha["fatura"] else None,
            "aprovado_por": None
            if linha["aprovado_por_id"] is None
            else {
                "id": str(linha["aprovado_por_id"]),
                "email": linha["aprovado_por__email"],
                "nome": linha["aprovado_por__nome"],
            },
            "aprovado_em": _instante(linha["aprovado_em"]),
            "motivo_rejeicao": linha["motivo_rejeicao"],
            "protocolo_sat": linha["protocolo_sat"],
            "enviado_sat_em": _instante(linha["enviado_sat_em"]),
            **self._pode(linha),
            "created_at": _instante(linha["created_at"]),
            "updated_at": _instante(linha["updated_at"]),
        }

    def _pode(self, linha: dict) -> dict[str, bool]:
        """What the selectors allow for a process in this row's situation, and the caller's role too. Asked once
        per distinct situation (status, client and operator active, operator with a robot), not once per row."""
        chave = (
            linha["status"],
            linha["cliente__ativo"],
            linha["cliente__operadora__possui_rpa"],
            linha["cliente__operadora__ativa"],
        )
        respostas = self.context.setdefault("_pode", {})
        if chave not in respostas:
            status_, cliente_ativo, possui_rpa, operadora_ativa = chave
            processo = Processo(
                status=status_,
                cliente=Cliente(
                    ativo=cliente_ativo,
                    operadora=Operadora(
                        nome=linha["cliente__operadora__nome"], possui_rpa=possui_rpa, ativa=operadora_ativa
                    ),
                ),
            )
            pode = self.context.get("permissoes") or {}
            respostas[chave] = {
                "pode_receber_fatura": pode.get(ENVIAR_FATURA, False) and processo_pode_receber_fatura(processo),
                "pode_aprovar": pode.get(APROVAR, False) and processo_pode_ser_aprovado(processo),
                "pode_rejeitar": pode.get(APROVAR, False) and processo_pode_ser_rejeitado(processo),
                "pode_baixar": pode.get(COMANDAR_ROBOS, False)
                and processo_recusa_execucao(processo, T.DOWNLOAD_FATURA) is None,
                "pode_enviar_sat": pode.get(COMANDAR_ROBOS, False)
                and processo_recusa_execucao(processo, T.UPLOAD_SAT) is None,
            }
        return respostas[chave]


class ProcessoExecucaoPedidaSerializer(serializers.ModelSerializer):
    tipo_texto = serializers.CharField(source="get_tipo_display")
    status_texto = serializers.CharField(source="get_status_display")

    class Meta:
        model = Execucao
        fields = ["id", "tipo", "tipo_texto", "status", "status_texto", "origem", "tentativa", "criado_em"]


class ProcessoArquivoSerializer(serializers.Serializer):
    """One invoice file the process has had (`FaturaArquivo`), rejected ones included."""

    id = serializers.UUIDField(source="arquivo.pk")
    nome = serializers.CharField(help_text="O nome com que o arquivo é baixado.")
    status = serializers.CharField(source="arquivo.status")
    status_texto = serializers.CharField(source="arquivo.get_status_display")
    origem = serializers.CharField(source="arquivo.origem")
    sha256 = serializers.CharField(source="arquivo.sha256")
    valor_total = serializers.DecimalField(
        source="arquivo.valor_total", max_digits=14, decimal_places=2, allow_null=True
    )
    vencimento = serializers.DateField(source="arquivo.vencimento", allow_null=True)
    numero_fatura = serializers.CharField(source="arquivo.numero_fatura")
    recebido_em = serializers.DateTimeField(source="arquivo.criado_em")
    enviado_por = serializers.SerializerMethodField()
    decidido_por = serializers.SerializerMethodField()
    decidido_em = serializers.DateTimeField(source="arquivo.decidido_em", allow_null=True)
    motivo_rejeicao = serializers.CharField(source="arquivo.motivo_rejeicao")
    url = serializers.SerializerMethodField()

    @extend_schema_field(ProcessoPessoaSerializer(allow_null=True))
    def get_enviado_por(self, item) -> dict | None:
        return _pessoa(item.arquivo.enviado_por)

    @extend_schema_field(ProcessoPessoaSerializer(allow_null=True))
    def get_decidido_por(self, item) -> dict | None:
        return _pessoa(item.arquivo.decidido_por)

    def get_url(self, item) -> str:
        return self.context["url_processos"] + f"{item.arquivo.processo_id}/arquivos/{item.arquivo.pk}/"


class ProcessoEventoSerializer(serializers.Serializer):
    """One status change of the process: from, to, who (none when the system), when, why."""

    id = serializers.UUIDField()
    de = serializers.CharField(help_text="Vazio no evento que criou o processo.")
    de_texto = serializers.CharField(source="get_de_display")
    para = serializers.CharField()
    para_texto = serializers.CharField(source="get_para_display")
    por = ProcessoPessoaSerializer(allow_null=True)
    quando = serializers.DateTimeField()
    motivo = serializers.CharField()


# What comes in ----------------------------------------------------------------------------------------------------


class ProcessoAprovarEntrada(serializers.Serializer):
    justificativa = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Obrigatória quando a fatura está sinalizada (variação grande ou arquivo repetido).",
    )


class ProcessoRejeitarEntrada(serializers.Serializer):
    motivo = serializers.CharField(help_text="O que está errado na fatura: fica no histórico do processo.")


class ProcessoFaturaEntrada(serializers.Serializer):
    arquivo = serializers.FileField(help_text="O PDF da fatura.")
    valor_total = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Em reais: 1234.56.")
    vencimento = serializers.DateField(help_text="AAAA-MM-DD.")
    numero_fatura = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


# How files go out -------------------------------------------------------------------------------------------------


class NegociacaoDeArquivo(DefaultContentNegotiation):
    """A file answer is the file whatever `Accept` says (`application/pdf`, `*/*`); its refusals are JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _pdf(arquivo, nome: str) -> FileResponse:
    try:
        aberto = arquivo.storage.open(arquivo.name, "rb")
    except FileNotFoundError as exc:
        raise ErroDeNegocio(
            "O arquivo da fatura não foi encontrado no armazenamento.", codigo=ErroDeNegocio.NAO_ENCONTRADO
        ) from exc
    # Inline, under a name the system chose, never the uploaded one; as the admin's download.
    resposta = FileResponse(aberto, content_type="application/pdf", as_attachment=False, filename=nome)
    resposta["Cache-Control"] = "private, no-store"
    resposta["X-Content-Type-Options"] = "nosniff"
    return resposta


def _exigir_tamanho_do_envio(request) -> None:
    """A body that cannot hold an invoice within the limit is refused before Django reads it into a file."""
    try:
        tamanho = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        tamanho = 0
    if tamanho > settings.BRM_FATURA_TAMANHO_MAXIMO + FOLGA_DO_FORMULARIO:
        raise ErroDeNegocio(
            "O arquivo passa do tamanho máximo de uma fatura.",
            codigo=ErroDeNegocio.ARQUIVO_GRANDE,
            dados={"tamanho_maximo": settings.BRM_FATURA_TAMANHO_MAXIMO},
        )


class PaginacaoDoHistorico(PaginacaoPorCursor):
    ordering = ("quando", "id")


# The endpoints ----------------------------------------------------------------------------------------------------

_BINARIO_PDF = {
    (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="O PDF, para abrir no navegador.")
}
_exemplo = [OpenApiExample("Processo", value=EXEMPLO, response_only=True)]
_exemplo_execucao = [
    OpenApiExample("Trabalho pedido", value=EXEMPLO_EXECUCAO, response_only=True, status_codes=["202"])
]


@extend_schema_view(
    list=extend_schema(
        summary="Listar processos",
        description="Os processos, do mês mais recente para o mais antigo, com filtros por situação (repita "
        "`status` para mais de uma), competência (`AAAA-MM`), operadora (id ou código), cliente (id) e `busca` "
        "(CNPJ, razão social, conta ou número da fatura). `ordem` escolhe outra ordem servida por índice. "
        "Um filtro inválido responde 400 com o erro do campo.",
        examples=[OpenApiExample("Página", value=EXEMPLO, response_only=True)],
    ),
    retrieve=extend_schema(summary="Ver um processo", description="Um processo pelo id.", examples=_exemplo),
)
class ProcessoApi(viewsets.ReadOnlyModelViewSet):
    serializer_class = ProcessoSerializer
    filterset_class = FiltroProcessos
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"
    permissoes = {
        "list": VER,
        "retrieve": VER,
        "aprovar": APROVAR,
        "rejeitar": APROVAR,
        "baixar": COMANDAR_ROBOS,
        "enviar_sat": COMANDAR_ROBOS,
        "fatura": VER,
        "enviar_fatura": ENVIAR_FATURA,
        "arquivos": VER,
        "arquivo": VER,
        "historico": VER,
    }

    def get_queryset(self):
        # Lists and reads render plain rows; the actions hand the process to services, which get it whole.
        if self.action in ("list", "retrieve"):
            return processos_lista().values(*COLUNAS)
        return processos_lista()

    def get_serializer_context(self):
        contexto = super().get_serializer_context()
        usuario = self.request.user
        # Once per request, not once per row: `pode_*` of every process read the same answers.
        contexto["permissoes"] = {
            permissao: usuario.has_perm(permissao) for permissao in (APROVAR, ENVIAR_FATURA, COMANDAR_ROBOS)
        }
        contexto["url_processos"] = self.request.build_absolute_uri(reverse("api:processo-list"))
        return contexto

    def _processo(self) -> Processo:
        return self.get_object()

    def _responder(self, processo: Processo, status_http: int = status.HTTP_200_OK) -> Response:
        linha = processos_lista().values(*COLUNAS).get(pk=processo.pk)
        return Response(self.get_serializer(linha).data, status=status_http)

    # Decisions

    @extend_schema(
        summary="Aprovar a fatura",
        description="Aprova a fatura que aguarda aprovação; o envio ao SAT é pedido na hora. Uma fatura sinalizada "
        "(variação grande contra o mês anterior, arquivo igual ao de outro processo) pede `justificativa` (400 sem "
        "ela); quem enviou a fatura à mão não a aprova (403); um processo em outra situação, ou alterado por outra "
        "pessoa antes, responde 409 e nada muda.",
        request=ProcessoAprovarEntrada,
        responses={200: ProcessoSerializer},
        examples=[
            OpenApiExample("Aprovar", value={"justificativa": "Reajuste contratual de novembro."}, request_only=True),
            *_exemplo,
            exemplo_de_erro(409, "conflito", "Um processo em “Enviado ao SAT” não pode ser aprovado."),
        ],
    )
    @action(detail=True, methods=["post"])
    def aprovar(self, request, pk=None):
        entrada = ProcessoAprovarEntrada(data=request.data)
        entrada.is_valid(raise_exception=True)
        processo = processo_aprovar(
            processo=self._processo(), por=request.user, justificativa=entrada.validated_data["justificativa"]
        )
        return self._responder(processo)

    @extend_schema(
        summary="Rejeitar a fatura",
        description="Rejeita a fatura que aguarda aprovação, com o motivo (obrigatório): o processo volta a "
        "aguardar download e o arquivo fica guardado entre os arquivos do processo. Em outra situação, 409.",
        request=ProcessoRejeitarEntrada,
        responses={200: ProcessoSerializer},
        examples=[
            OpenApiExample("Rejeitar", value={"motivo": "Valor de outro cliente."}, request_only=True),
            *_exemplo,
        ],
    )
    @action(detail=True, methods=["post"])
    def rejeitar(self, request, pk=None):
        entrada = ProcessoRejeitarEntrada(data=request.data)
        entrada.is_valid(raise_exception=True)
        processo = processo_rejeitar(
            processo=self._processo(), por=request.user, motivo=entrada.validated_data["motivo"]
        )
        return self._responder(processo)

    # Robot jobs

    @extend_schema(
        summary="Pedir o download da fatura ao robô",
        description="Enfileira o download da fatura (o robô começa quando houver vaga) e responde com o trabalho "
        "pedido. Recusado com 409 quando o processo não aguarda download, a operadora não tem robô, o cliente ou "
        "a operadora estão inativos, ou já há um download em andamento.",
        request=None,
        responses={202: ProcessoExecucaoPedidaSerializer},
        examples=[
            *_exemplo_execucao,
            exemplo_de_erro(409, "conflito", "Já existe um trabalho de “Download da fatura” em andamento para X."),
        ],
    )
    @action(detail=True, methods=["post"])
    def baixar(self, request, pk=None):
        execucao = execucao_solicitar(
            processo=self._processo(), tipo=T.DOWNLOAD_FATURA, por=request.user, origem=Execucao.Origem.MANUAL
        )
        return Response(ProcessoExecucaoPedidaSerializer(execucao).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Pedir o envio ao SAT",
        description="Enfileira o envio da fatura aprovada ao SAT pelo robô (como o botão “Enviar ao SAT” do admin). "
        "Recusado com 409 quando o processo não aguarda envio ao SAT ou já há um envio em andamento.",
        request=None,
        responses={202: ProcessoExecucaoPedidaSerializer},
        examples=[
            *_exemplo_execucao,
            exemplo_de_erro(409, "conflito", "Um processo em “Aguardando aprovação” não pode ser enviado ao SAT."),
        ],
    )
    @action(detail=True, methods=["post"], url_path="enviar-sat", url_name="enviar-sat")
    def enviar_sat(self, request, pk=None):
        execucao = execucao_solicitar(
            processo=self._processo(), tipo=T.UPLOAD_SAT, por=request.user, origem=Execucao.Origem.MANUAL
        )
        return Response(ProcessoExecucaoPedidaSerializer(execucao).data, status=status.HTTP_202_ACCEPTED)

    # The invoice file

    @extend_schema(
        summary="Baixar o PDF da fatura",
        description="O PDF da fatura atual, servido inline com um nome escolhido pelo sistema "
        "(`fatura-<operadora>-<CNPJ>-<AAAA-MM>.pdf`). 404 quando o processo não tem fatura.",
        responses=_BINARIO_PDF,
        examples=[exemplo_de_erro(404, "nao_encontrado", "Este processo não tem fatura.")],
    )
    @action(
        detail=True,
        methods=["get"],
        content_negotiation_class=NegociacaoDeArquivo,
        # The upload below shares this address: it takes multipart/form-data only.
        parser_classes=[MultiPartParser, FormParser],
    )
    def fatura(self, request, pk=None):
        processo = self._processo()
        if not processo.fatura:
            raise ErroDeNegocio("Este processo não tem fatura.", codigo=ErroDeNegocio.NAO_ENCONTRADO)
        return _pdf(processo.fatura, fatura_nome_para_download(processo))

    @extend_schema(
        summary="Enviar a fatura (PDF)",
        description="Envia a fatura à mão, em multipart/form-data: `arquivo` (o PDF), `valor_total`, `vencimento` "
        "e `numero_fatura`. O processo passa a aguardar aprovação e um download em andamento é cancelado. Um "
        "arquivo que não é PDF responde 415; um grande demais, 413; um processo que não recebe fatura, 409.",
        request={"multipart/form-data": ProcessoFaturaEntrada},
        responses={200: ProcessoSerializer},
        examples=[
            OpenApiExample(
                "Enviar",
                value={
                    "arquivo": "(o PDF)",
                    "valor_total": "1234.56",
                    "vencimento": "2026-12-10",
                    "numero_fatura": "42",
                },
                request_only=True,
            ),
            *_exemplo,
            exemplo_de_erro(
                415,
                "tipo_nao_suportado",
                "O arquivo enviado não é um PDF (o conteúdo não começa com a assinatura de PDF).",
            ),
        ],
    )
    @fatura.mapping.post
    def enviar_fatura(self, request, pk=None):
        _exigir_tamanho_do_envio(request)
        processo = self._processo()
        entrada = ProcessoFaturaEntrada(data=request.data)
        entrada.is_valid(raise_exception=True)
        dados = entrada.validated_data
        processo = processo_registrar_fatura(
            processo=processo,
            arquivo=dados["arquivo"],
            por=request.user,
            nome_original=dados["arquivo"].name,
            valor_total=dados["valor_total"],
            vencimento=dados["vencimento"],
            numero_fatura=dados["numero_fatura"],
        )
        return self._responder(processo)

    @extend_schema(
        summary="Arquivos de fatura do processo",
        description="Todos os arquivos de fatura que o processo recebeu, os rejeitados inclusive, do mais novo ao "
        "mais antigo, cada um com o endereço para baixá-lo.",
        responses={200: ProcessoArquivoSerializer(many=True)},
        examples=[
            OpenApiExample(
                "Arquivos",
                value={
                    "id": "1e6e1a4c-2f7b-4c0a-9d55-3b1f0c2d4e5f",
                    "nome": "fatura-vivo-11222333000181-2026-11-rejeitada-1.pdf",
                    "status": "REJEITADA",
                    "status_texto": "Rejeitada",
                    "origem": "ROBO",
                    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                    "valor_total": "998.10",
                    "vencimento": "2026-12-10",
                    "numero_fatura": "NF-41",
                    "recebido_em": "2026-11-10T08:02:11-03:00",
                    "enviado_por": None,
                    "decidido_por": {
                        "id": "c0ffee00-0000-4000-8000-000000000001",
                        "email": "ana@empresa.com.br",
                        "nome": "Ana",
                    },
                    "decidido_em": "2026-11-11T09:15:00-03:00",
                    "motivo_rejeicao": "Valor de outro cliente.",
                    "url": "https://brm.example.com/api/v1/processos/3f2b8c1e-9a4d-4f0e-b1c2-7d8e9f0a1b2c/"
                    "arquivos/1e6e1a4c-2f7b-4c0a-9d55-3b1f0c2d4e5f/",
                },
                response_only=True,
            )
        ],
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def arquivos(self, request, pk=None):
        itens = processo_arquivos_fatura(self._processo())
        return Response(ProcessoArquivoSerializer(itens, many=True, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Baixar um arquivo de fatura",
        description="Um dos arquivos de fatura do processo (os rejeitados inclusive), como PDF inline com o nome "
        "escolhido pelo sistema. 404 quando o processo não tem esse arquivo.",
        responses=_BINARIO_PDF,
        examples=[exemplo_de_erro(404, "nao_encontrado", "Este processo não tem esse arquivo de fatura.")],
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"arquivos/(?P<arquivo_id>[0-9a-fA-F-]{32,36})",
        url_name="arquivo",
        content_negotiation_class=NegociacaoDeArquivo,
    )
    def arquivo(self, request, pk=None, arquivo_id=None):
        processo = self._processo()
        try:
            item = processo_arquivo_fatura(processo, uuid.UUID(arquivo_id))
        except ValueError:
            item = None
        if item is None:
            raise ErroDeNegocio("Este processo não tem esse arquivo de fatura.", codigo=ErroDeNegocio.NAO_ENCONTRADO)
        return _pdf(item.arquivo.arquivo, item.nome)

    @extend_schema(
        summary="Histórico do processo",
        description="As mudanças de situação do processo, da mais antiga à mais nova: de, para, quem (vazio "
        "quando foi o sistema), quando e por quê. Paginado por cursor (`proxima`).",
        responses={200: ProcessoEventoSerializer(many=True)},
        examples=[
            OpenApiExample(
                "Histórico",
                value={
                    "id": "a3c1f0e2-7b6d-4c5a-9e8f-1d2c3b4a5e6f",
                    "de": "AGUARDANDO_APROVACAO",
                    "de_texto": "Aguardando aprovação",
                    "para": "AGUARDANDO_DOWNLOAD",
                    "para_texto": "Aguardando download",
                    "por": {
                        "id": "c0ffee00-0000-4000-8000-000000000001",
                        "email": "ana@empresa.com.br",
                        "nome": "Ana",
                    },
                    "quando": "2026-11-11T09:15:00-03:00",
                    "motivo": "Valor de outro cliente.",
                },
                response_only=True,
            )
        ],
    )
    @action(detail=True, methods=["get"], pagination_class=PaginacaoDoHistorico, filterset_class=None)
    def historico(self, request, pk=None):
        pagina = self.paginate_queryset(processo_eventos(self._processo()))
        return self.get_paginated_response(ProcessoEventoSerializer(pagina, many=True).data)
