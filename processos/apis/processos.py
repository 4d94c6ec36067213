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
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from brm.api.esquema import exemplo_de_erro
from brm.api.paginacao import PaginacaoPorCursor
from brm.common.errors import ErroDeNegocio

from ..filtros import FiltroProcessos
from ..models import Execucao, Processo
from ..selectors import (
    processos_lista,
)
from ..selectors.faturas import fatura_nome_para_download, processo_arquivo_fatura, processo_arquivos_fatura
from ..selectors.paginas import processo_eventos
from ..services import execucao_solicitar, processo_aprovar, processo_registrar_fatura, processo_rejeitar
from .saidas import (
    APROVAR,
    COLUNAS,
    COMANDAR_ROBOS,
    ENVIAR_FATURA,
    EXEMPLO,
    EXEMPLO_EXECUCAO,
    FOLGA_DO_FORMULARIO,
    VER,
    ProcessoAprovarEntrada,
    ProcessoArquivoSerializer,
    ProcessoEventoSerializer,
    ProcessoExecucaoPedidaSerializer,
    ProcessoFaturaEntrada,
    ProcessoRejeitarEntrada,
    ProcessoSerializer,
    T,
)


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
