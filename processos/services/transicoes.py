"""The process status machine: one table of allowed transitions, one service per transition.

Every transition checks the user's permission and the table, claims the row with a conditional
`UPDATE ... WHERE status = <expected>` (so two people cannot both win), and writes a `ProcessoEvento`
in the same transaction. Approving has rules of its own (who may approve, when a justification is needed),
read from `processos.selectors.aprovacao` so the queue page shows the same rule it enforces.
"""

import datetime as dt
import hashlib
from decimal import Decimal
from typing import IO

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import get_valid_filename

from brm.common.errors import ErroDeNegocio
from brm.usuarios.models import Usuario

from ..models import Execucao, FaturaArquivo, Processo, ProcessoEvento
from ..regras import TRANSICOES
from ..selectors.aprovacao import processo_alertas, processo_enviado_por
from .ao_vivo import processo_publicar
from .faturas import fatura_arquivo_decidir, fatura_arquivo_registrar
from .notificacoes import processo_notificar
from .pedido import execucao_cancelar_pelo_envio_manual, execucao_download_ativo_travar, execucao_solicitar

S = Processo.Status

PDF_ASSINATURA = b"%PDF-"
_BLOCO = 1024 * 1024


def _exigir_permissao(por: Usuario | None, permissao: str, acao: str) -> None:
    if por is not None and not por.has_perm(permissao):
        raise ErroDeNegocio(f"Você não tem permissão para {acao}.", codigo=ErroDeNegocio.PERMISSAO)


def _exigir_transicao(processo: Processo, para: str, acao: str) -> None:
    de = processo.status
    if para not in TRANSICOES.get(de, ()):
        raise ErroDeNegocio(
            f"Um processo em “{S(de).label}” não pode ser {acao}.",
            dados={"status": de, "para": para},
        )


def _alterado_por_outra_pessoa(de: str, para: str) -> ErroDeNegocio:
    return ErroDeNegocio(
        "Este processo acabou de ser alterado por outra pessoa. Recarregue a página e confira a situação atual.",
        dados={"status": de, "para": para, "alterado": True},
    )


def _transicionar(
    *, processo: Processo, para: str, por: Usuario | None, acao: str, motivo: str = "", campos: dict | None = None
) -> Processo:
    """Move `processo` to `para` if the table allows it and nobody changed it meanwhile."""
    de = processo.status
    _exigir_transicao(processo, para, acao)
    alterados = Processo.objects.filter(pk=processo.pk, status=de).update(
        status=para, updated_at=timezone.now(), **(campos or {})
    )
    if not alterados:
        # Someone else moved it between our read and this update: nothing is written.
        raise _alterado_por_outra_pessoa(de, para)
    ProcessoEvento.objects.create(processo=processo, de=de, para=para, por=por, motivo=motivo)
    processo.refresh_from_db()
    processo_publicar(processo=processo, de=de)
    processo_notificar(processo=processo, de=de, por=por, motivo=motivo)
    return processo


@transaction.atomic
def processo_aprovar(*, processo: Processo, por: Usuario, justificativa: str = "") -> Processo:
    """The invoice is right: the process waits for the SAT upload, which is queued at once.

    `processo` is the process as the person saw it. Refused, with nothing changed, when it has moved since
    (someone else decided first), when `por` put this invoice in by hand (another person must look at it),
    and when the invoice is flagged (`processo_alertas`: a large change against last month, a file another
    process has) and no `justificativa` is given. The justification is the approval's reason in the timeline.
    """
    _exigir_permissao(por, "processos.aprovar_processo", "aprovar faturas")
    para = S.AGUARDANDO_ENVIO_SAT
    _exigir_transicao(processo, para, "aprovado")
    # The checks below read what the person saw; if it is stale, that is the one thing worth saying.
    if not Processo.objects.filter(pk=processo.pk, status=processo.status).exists():
        raise _alterado_por_outra_pessoa(processo.status, para)
    enviado_por = processo_enviado_por(processo)
    if por is not None and enviado_por is not None and enviado_por.pk == por.pk:
        raise ErroDeNegocio(
            "Você enviou esta fatura manualmente, então não pode aprová-la: outra pessoa precisa conferi-la.",
            codigo=ErroDeNegocio.PERMISSAO,
            dados={"enviado_por": enviado_por.pk},
        )
    justificativa = (justificativa or "").strip()
    alertas = processo_alertas(processo)
    if alertas.sinalizada and not justificativa:
        raise ErroDeNegocio(
            f"Para aprovar esta fatura, informe uma justificativa: {'; '.join(alertas.motivos)}.",
            codigo=ErroDeNegocio.INVALIDO,
            dados={"justificativa_obrigatoria": True, "alertas": alertas.motivos},
        )
    processo = _transicionar(
        processo=processo,
        para=para,
        por=por,
        acao="aprovado",
        motivo=justificativa,
        campos={"aprovado_por": por, "aprovado_em": timezone.now(), "motivo_rejeicao": ""},
    )
    # The SAT upload is queued in the same transaction: an approved invoice never waits for someone to remember.
    execucao_solicitar(processo=processo, tipo=Execucao.Tipo.UPLOAD_SAT, por=None, origem=Execucao.Origem.AUTOMATICA)
    fatura_arquivo_decidir(processo=processo, status=FaturaArquivo.Status.APROVADA, por=por)
    return processo


@transaction.atomic
def processo_rejeitar(*, processo: Processo, por: Usuario, motivo: str) -> Processo:
    """The invoice is wrong: it is set aside and the process waits for a new download."""
    _exigir_permissao(por, "processos.aprovar_processo", "rejeitar faturas")
    motivo = (motivo or "").strip()
    if not motivo:
        raise ErroDeNegocio("Informe o motivo da rejeição.", codigo=ErroDeNegocio.INVALIDO)
    # The rejected file stays in storage (it is evidence) and in the process's files; the process forgets it
    # so a new one can come.
    processo = _transicionar(
        processo=processo,
        para=S.AGUARDANDO_DOWNLOAD,
        por=por,
        acao="rejeitado",
        motivo=motivo,
        campos={
            "motivo_rejeicao": motivo,
            "fatura": "",
            "fatura_sha256": "",
            "fatura_nome_original": "",
            "valor_total": None,
            "vencimento": None,
            "numero_fatura": "",
        },
    )
    fatura_arquivo_decidir(processo=processo, status=FaturaArquivo.Status.REJEITADA, por=por, motivo=motivo)
    return processo


def _ler_pdf(arquivo: IO[bytes], tamanho_maximo: int) -> tuple[bytes, str]:
    """The first bytes and the sha256 of an upload, refusing what is not a PDF or is too large."""
    arquivo.seek(0)
    inicio = arquivo.read(len(PDF_ASSINATURA))
    if inicio != PDF_ASSINATURA:
        raise ErroDeNegocio(
            "O arquivo enviado não é um PDF (o conteúdo não começa com a assinatura de PDF).",
            codigo=ErroDeNegocio.TIPO_NAO_SUPORTADO,
        )
    resumo = hashlib.sha256(inicio)
    tamanho = len(inicio)
    while bloco := arquivo.read(_BLOCO):
        tamanho += len(bloco)
        if tamanho > tamanho_maximo:
            raise ErroDeNegocio(
                f"O arquivo passa do limite de {filesizeformat(tamanho_maximo)}.", codigo=ErroDeNegocio.ARQUIVO_GRANDE
            )
        resumo.update(bloco)
    arquivo.seek(0)
    return inicio, resumo.hexdigest()


def _nome_original_seguro(nome: str) -> str:
    """The uploaded name, kept only for display, without any path; `fatura.pdf` when nothing of it is usable."""
    try:
        return get_valid_filename(nome or "fatura.pdf")[:255]
    except SuspiciousFileOperation:
        # Names such as "..", "???" or "<>|" leave nothing behind; they must not fail an otherwise valid upload.
        return "fatura.pdf"


def processo_registrar_fatura(
    *,
    processo: Processo,
    arquivo: IO[bytes],
    por: Usuario | None,
    nome_original: str = "",
    valor_total: Decimal | None = None,
    vencimento: dt.date | None = None,
    numero_fatura: str = "",
    execucao: Execucao | None = None,
) -> Processo:
    """Store the month's invoice (a manual upload, or the robot's download `execucao` when `por` is None).

    The file must be a PDF (checked by its first bytes, not its name) within
    `BRM_FATURA_TAMANHO_MAXIMO`; it is stored under a name we choose. On any refusal nothing is stored.
    Every file received is kept in the process's files (`FaturaArquivo`). A person's upload cancels the
    download the robot may still be running for it, in the same transaction, saying why.
    """
    _exigir_permissao(por, "processos.enviar_fatura", "enviar faturas")
    if S.AGUARDANDO_APROVACAO not in TRANSICOES.get(processo.status, ()):
        raise ErroDeNegocio(f"Um processo em “{processo.get_status_display()}” não pode receber uma fatura.")
    tamanho_maximo = settings.BRM_FATURA_TAMANHO_MAXIMO
    tamanho = getattr(arquivo, "size", None)
    if tamanho is not None and tamanho > tamanho_maximo:
        raise ErroDeNegocio(
            f"O arquivo tem {filesizeformat(tamanho)} e passa do limite de {filesizeformat(tamanho_maximo)}.",
            codigo=ErroDeNegocio.ARQUIVO_GRANDE,
        )
    _, sha256 = _ler_pdf(arquivo, tamanho_maximo)

    nome = f"faturas/{processo.competencia:%Y-%m}/{processo.pk}-{sha256[:16]}.pdf"
    armazenado = default_storage.save(nome, File(arquivo))
    try:
        with transaction.atomic():
            download = execucao_download_ativo_travar(processo) if por else None
            processo = _transicionar(
                processo=processo,
                para=S.AGUARDANDO_APROVACAO,
                por=por,
                acao="preenchido com uma fatura",
                motivo="Fatura enviada manualmente." if por else "Fatura baixada pelo robô.",
                campos={
                    "fatura": armazenado,
                    "fatura_sha256": sha256,
                    "fatura_nome_original": _nome_original_seguro(nome_original),
                    "valor_total": valor_total,
                    "vencimento": vencimento,
                    "numero_fatura": (numero_fatura or "").strip()[:100],
                    "motivo_rejeicao": "",
                },
            )
            fatura_arquivo_registrar(processo=processo, por=por, execucao=execucao)
            if download is not None:
                execucao_cancelar_pelo_envio_manual(execucao=download, por=por)
            return processo
    except BaseException:
        # The status change was refused or rolled back: the file must not stay behind.
        default_storage.delete(armazenado)
        raise


@transaction.atomic
def processo_registrar_envio_sat(*, processo: Processo, protocolo: str, por: Usuario | None = None) -> Processo:
    """The SAT accepted the invoice: record its protocol and finish the process."""
    _exigir_permissao(por, "processos.enviar_fatura", "registrar o envio ao SAT")
    protocolo = (protocolo or "").strip()
    if not protocolo:
        raise ErroDeNegocio("Informe o protocolo do SAT.", codigo=ErroDeNegocio.INVALIDO)
    return _transicionar(
        processo=processo,
        para=S.UPLOAD_REALIZADO,
        por=por,
        acao="marcado como enviado ao SAT",
        campos={"protocolo_sat": protocolo[:100], "enviado_sat_em": timezone.now()},
    )
