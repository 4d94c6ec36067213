"""What the processes API reads and answers: its serializers, examples and the permissions it names."""

from django.utils import timezone
from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import serializers

from brm.common.fields import cnpj_formatar
from brm.common.formatacao import formatar_competencia
from clientes.models import Cliente
from operadoras.models import Operadora

from ..models import Execucao, Processo
from ..selectors import (
    processo_pode_receber_fatura,
    processo_pode_ser_aprovado,
    processo_pode_ser_rejeitado,
    processo_recusa_execucao,
)

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
