"""The tables of the process's status machine, read by the services that move it and by the selectors that
say what can be done now."""

from .models import Execucao, Processo

S = Processo.Status

TRANSICOES: dict[str, set[str]] = {
    S.AGUARDANDO_DOWNLOAD: {S.AGUARDANDO_APROVACAO},
    S.AGUARDANDO_APROVACAO: {S.AGUARDANDO_ENVIO_SAT, S.AGUARDANDO_DOWNLOAD},
    S.AGUARDANDO_ENVIO_SAT: {S.UPLOAD_REALIZADO},
    S.UPLOAD_REALIZADO: set(),
}

# The status a process must be in for each kind of robot job to make sense.
STATUS_DO_PROCESSO = {
    Execucao.Tipo.DOWNLOAD_FATURA: S.AGUARDANDO_DOWNLOAD,
    Execucao.Tipo.UPLOAD_SAT: S.AGUARDANDO_ENVIO_SAT,
}
