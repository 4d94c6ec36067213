"""The painel's summary in the API: /api/v1/painel/?competencia=AAAA-MM."""

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from brm.common.fields import cnpj_formatar
from brm.common.formatacao import formatar_competencia
from processos.filtros import CampoCompetencia
from processos.models import Execucao, Processo
from processos.selectors import painel_resumo, processo_data_esperada
from processos.services import competencia_atual


class PainelEntrada(serializers.Serializer):
    competencia = serializers.CharField(required=False, allow_blank=True)

    def validate_competencia(self, valor):
        # The same field as the lists' filters: the same formats, the same sentence for a wrong month.
        campo = CampoCompetencia(required=False)
        try:
            return campo.clean(valor)
        except Exception as erro:  # Django's ValidationError
            raise serializers.ValidationError(getattr(erro, "messages", [str(erro)])) from erro


def _processo(processo: Processo) -> dict:
    cliente = processo.cliente
    return {
        "id": str(processo.pk),
        "cliente": cliente.razao_social,
        "cnpj": cnpj_formatar(cliente.cnpj),
        "operadora": cliente.operadora.codigo,
        "competencia": processo.competencia.isoformat(),
        "status": processo.status,
    }


def _execucao(execucao: Execucao) -> dict:
    return {
        "id": str(execucao.pk),
        "tipo": execucao.tipo,
        "status": execucao.status,
        "tentativa": execucao.tentativa,
        "processo": _processo(execucao.processo),
    }


class PainelProcessoResumo(serializers.Serializer):
    id = serializers.UUIDField()
    cliente = serializers.CharField()
    cnpj = serializers.CharField()
    operadora = serializers.CharField(help_text="Código da operadora.")
    competencia = serializers.DateField()
    status = serializers.CharField()


class PainelAtrasada(PainelProcessoResumo):
    esperada_em = serializers.DateField(help_text="O dia em que a fatura era esperada.")


class PainelVencimento(PainelProcessoResumo):
    vencimento = serializers.DateField()
    valor_total = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)


class PainelExecucao(serializers.Serializer):
    id = serializers.UUIDField()
    tipo = serializers.CharField()
    status = serializers.CharField()
    tentativa = serializers.IntegerField()
    processo = PainelProcessoResumo()


class PainelFalha(PainelExecucao):
    erro = serializers.CharField()
    finalizado_em = serializers.DateTimeField(allow_null=True)


class PainelOperadora(serializers.Serializer):
    id = serializers.UUIDField()
    nome = serializers.CharField()
    codigo = serializers.CharField()
    total = serializers.IntegerField()
    por_status = serializers.DictField(child=serializers.IntegerField())


class PainelContagemComLista(serializers.Serializer):
    total = serializers.IntegerField()


class PainelAtrasadas(PainelContagemComLista):
    primeiras = PainelAtrasada(many=True)


class PainelVencimentos(PainelContagemComLista):
    limite = serializers.DateField(help_text="Vencimentos até este dia contam (os vencidos inclusive).")
    primeiras = PainelVencimento(many=True)


class PainelAtivas(PainelContagemComLista):
    por_status = serializers.DictField(child=serializers.IntegerField())
    primeiras = PainelExecucao(many=True)


class PainelFalhas(PainelContagemComLista):
    primeiras = PainelFalha(many=True)


class PainelSerializer(serializers.Serializer):
    competencia = serializers.DateField()
    competencia_texto = serializers.CharField()
    hoje = serializers.DateField()
    total = serializers.IntegerField()
    por_status = serializers.DictField(child=serializers.IntegerField())
    por_operadora = PainelOperadora(many=True)
    atrasadas = PainelAtrasadas()
    vencimento_proximo = PainelVencimentos()
    execucoes_ativas = PainelAtivas()
    falhas_a_reexecutar = PainelFalhas()


EXEMPLO = {
    "competencia": "2026-11-01",
    "competencia_texto": "11/2026",
    "hoje": "2026-11-28",
    "total": 3,
    "por_status": {
        "AGUARDANDO_DOWNLOAD": 1,
        "AGUARDANDO_APROVACAO": 1,
        "AGUARDANDO_ENVIO_SAT": 0,
        "UPLOAD_REALIZADO": 1,
    },
    "por_operadora": [
        {
            "id": "0b6f6f0e-5d1c-4b7e-9d43-2f7f1c2a8e11",
            "nome": "Vivo",
            "codigo": "vivo",
            "total": 3,
            "por_status": {
                "AGUARDANDO_DOWNLOAD": 1,
                "AGUARDANDO_APROVACAO": 1,
                "AGUARDANDO_ENVIO_SAT": 0,
                "UPLOAD_REALIZADO": 1,
            },
        }
    ],
    "atrasadas": {"total": 0, "primeiras": []},
    "vencimento_proximo": {"total": 0, "limite": "2026-12-03", "primeiras": []},
    "execucoes_ativas": {"total": 0, "por_status": {"PENDENTE": 0, "ENVIANDO": 0, "EM_EXECUCAO": 0}, "primeiras": []},
    "falhas_a_reexecutar": {"total": 0, "primeiras": []},
}


class PainelApi(APIView):
    """The painel's numbers for a month and the first rows of its short lists, as the painel page shows them."""

    permissoes = {"get": "processos.view_processo"}

    @extend_schema(
        operation_id="painel",
        summary="Resumo do painel",
        description="Os números do painel para a competência (padrão: o mês atual): processos por situação e por "
        "operadora, faturas atrasadas, aprovações com vencimento próximo (de qualquer mês), trabalhos do robô "
        "agora e falhas a reexecutar; cada lista traz só as primeiras linhas (`primeiras`), o `total` conta todas.",
        parameters=[OpenApiParameter("competencia", str, description="AAAA-MM (padrão: o mês atual).", required=False)],
        responses={200: PainelSerializer},
        examples=[OpenApiExample("Painel", value=EXEMPLO, response_only=True)],
        tags=["painel"],
    )
    def get(self, request):
        entrada = PainelEntrada(data=request.query_params)
        entrada.is_valid(raise_exception=True)
        competencia = entrada.validated_data.get("competencia") or competencia_atual()
        resumo = painel_resumo(
            competencia=competencia, hoje=timezone.localdate(), dias_vencimento=settings.BRM_PAINEL_VENCIMENTO_DIAS
        )
        instante = serializers.DateTimeField()
        contagem = resumo.contagem
        return Response(
            {
                "competencia": competencia.isoformat(),
                "competencia_texto": formatar_competencia(competencia),
                "hoje": resumo.hoje.isoformat(),
                "total": contagem.total,
                "por_status": contagem.por_status,
                "por_operadora": [
                    {
                        "id": str(linha.operadora_id),
                        "nome": linha.nome,
                        "codigo": linha.codigo,
                        "total": linha.total,
                        "por_status": linha.por_status,
                    }
                    for linha in contagem.por_operadora
                ],
                "atrasadas": {
                    "total": resumo.atrasadas_total,
                    "primeiras": [
                        {**_processo(processo), "esperada_em": processo_data_esperada(processo).isoformat()}
                        for processo in resumo.atrasadas
                    ],
                },
                "vencimento_proximo": {
                    "total": resumo.vencimento_total,
                    "limite": resumo.vencimento_limite.isoformat(),
                    "primeiras": [
                        {
                            **_processo(processo),
                            "vencimento": processo.vencimento.isoformat(),
                            "valor_total": None if processo.valor_total is None else f"{processo.valor_total:.2f}",
                        }
                        for processo in resumo.vencimento
                    ],
                },
                "execucoes_ativas": {
                    "total": sum(resumo.ativas_por_status.values()),
                    "por_status": resumo.ativas_por_status,
                    "primeiras": [_execucao(execucao) for execucao in resumo.ativas],
                },
                "falhas_a_reexecutar": {
                    "total": resumo.falhas_total,
                    "primeiras": [
                        {
                            **_execucao(execucao),
                            "erro": execucao.erro,
                            "finalizado_em": instante.to_representation(execucao.finalizado_em)
                            if execucao.finalizado_em
                            else None,
                        }
                        for execucao in resumo.falhas
                    ],
                },
            }
        )
