"""The demo month: every state a process and a robot job can be in, reached through the real services.

Downloads, approvals, a rejection, SAT uploads and failures go through the same services people and workers
use, against the bundled robot simulator started in this process, so every status change has its history
rows. No worker or broker is needed: queued tasks are kept (`tarefas_retidas`) and run here in order, with
the poll and the dispatch that beat would fire. The simulator's fault switches make the failures
deterministic.
"""

import contextlib
import datetime as dt
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlsplit

from django.core.files.base import ContentFile
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from brm.common.errors import ErroDeNegocio
from brm.common.formatacao import formatar_competencia
from brm.common.tarefas import tarefas_retidas
from brm.rpa.selectors import configuracao_rpa_obter
from brm.rpa.simulador import Simulador, fatura_pdf
from brm.usuarios.models import Usuario
from processos.models import Execucao, Processo
from processos.services import (
    execucao_cancelar,
    execucao_enviar,
    execucao_solicitar,
    execucoes_acompanhar,
    execucoes_despachar,
    execucoes_solicitar_downloads,
    processo_aprovar,
    processo_registrar_fatura,
    processo_rejeitar,
)
from processos.services.filas import TAREFA_ACOMPANHAR, TAREFA_DESPACHAR, TAREFA_ENVIAR

E = Execucao.Status
S = Processo.Status
T = Execucao.Tipo

# Fast robot jobs: a few log lines each, the whole month in a few seconds.
OPCOES_SIMULADOR = {"duracao": 0.25, "intervalo_log": 0.05, "atraso_inicio": 0.02}
# Longest the simulated robot may take to finish one phase before the demo gives up.
PRAZO_FASE = 30.0
# How many processes go where (the rest of the month waits for its download).
BAIXADOS = 9
ENVIADOS_SAT = 3
MOTIVO_REJEICAO = "O valor não confere com o contrato da conta; pedir à operadora a segunda via corrigida."
# Service logs of a run whose failures are on purpose: the demo sums them up in one line instead.
_SILENCIADOS = ("brm.rpa", "processos")


@dataclass
class ResultadoMes:
    competencia: dt.date | None = None
    processos: Counter = field(default_factory=Counter)
    execucoes: Counter = field(default_factory=Counter)
    # Why the month was left as it was, when it was.
    motivo: str = ""

    @property
    def criado(self) -> bool:
        return not self.motivo

    def resumo(self) -> str:
        if self.motivo:
            return self.motivo
        processos = ", ".join(f"{S(s).label} {self.processos[s]}" for s in S.values if self.processos[s])
        execucoes = ", ".join(f"{E(s).label} {self.execucoes[s]}" for s in E.values if self.execucoes[s])
        return (
            f"Mês de demonstração {formatar_competencia(self.competencia)}. Processos: {processos}. "
            f"Trabalhos dos robôs: {execucoes}."
        )


def demo_mes_criar(*, competencia: dt.date, operador: Usuario, aprovador: Usuario) -> ResultadoMes:
    """Bring part of `competencia`'s processes through every state, once: a month that already has robot jobs
    is left alone, and so is a robot API that is not a free local address for the simulator."""
    if Execucao.objects.filter(processo__competencia=competencia).exists():
        return ResultadoMes(motivo="O mês de demonstração já tem trabalhos de robô: nada a refazer.")
    configuracao = configuracao_rpa_obter()
    endereco = urlsplit(configuracao.url_base)
    if endereco.hostname not in ("127.0.0.1", "localhost") or not endereco.port:
        return ResultadoMes(
            motivo=f"A API de robôs configurada ({configuracao.url_base}) não é o simulador local: os trabalhos "
            "de demonstração não foram feitos."
        )
    if not configuracao.token:
        return ResultadoMes(
            motivo="A configuração dos robôs não tem token (RPA_API_TOKEN): os trabalhos de demonstração não foram "
            "feitos."
        )
    if connection.in_atomic_block:
        # Each service commits its steps and queues the next on commit: inside an open transaction nothing moves.
        raise ErroDeNegocio("O mês de demonstração não pode ser criado dentro de uma transação.")
    simulador = Simulador(host="127.0.0.1", porta=endereco.port, token=configuracao.token, **OPCOES_SIMULADOR)
    with _logs_silenciados():
        try:
            simulador.iniciar()
        except OSError:
            return ResultadoMes(
                motivo=f"A porta {endereco.port} do simulador está ocupada (o sistema está no ar?): os trabalhos "
                "de demonstração não foram feitos. Pare o sistema e rode seed_demo de novo."
            )
        try:
            with tarefas_retidas() as retidas:
                _percorrer_o_mes(simulador, retidas, competencia=competencia, operador=operador, aprovador=aprovador)
        finally:
            simulador.parar()
    do_mes = Q(competencia=competencia)
    return ResultadoMes(
        competencia=competencia,
        processos=Counter(Processo.objects.filter(do_mes).values_list("status", flat=True)),
        execucoes=Counter(Execucao.objects.filter(processo__competencia=competencia).values_list("status", flat=True)),
    )


def _percorrer_o_mes(simulador: Simulador, retidas: list, *, competencia, operador, aprovador) -> None:
    processos = list(
        Processo.objects.filter(
            competencia=competencia, status=S.AGUARDANDO_DOWNLOAD, cliente__operadora__possui_rpa=True
        ).order_by("cliente__razao_social", "cliente__cnpj")
    )
    if len(processos) < BAIXADOS + 6:
        raise ErroDeNegocio("O mês de demonstração precisa de pelo menos 15 processos aguardando download.")
    baixar, com_falha, manual, na_fila = (
        processos[:BAIXADOS],
        processos[BAIXADOS],
        processos[BAIXADOS + 1],
        processos[BAIXADOS + 2 : BAIXADOS + 5],
    )

    # Downloads that the robot completes: invoices waiting approval.
    execucoes_solicitar_downloads(por=operador, processo_ids=[p.pk for p in baixar])
    _trabalhar(retidas)
    # As the robot left them (services compare the status they are given with the one stored).
    baixados = list(
        Processo.objects.filter(pk__in=[p.pk for p in baixar]).order_by("cliente__razao_social", "cliente__cnpj")
    )
    if any(processo.status != S.AGUARDANDO_APROVACAO for processo in baixados):
        raise ErroDeNegocio("Os downloads de demonstração não terminaram como esperado: veja as execuções do mês.")

    # A download whose portal login the robot refuses: FALHA, for a person to fix and run again.
    simulador.configurar(logins_invalidos=[com_falha.cliente.login_portal])
    execucao_solicitar(processo=com_falha, tipo=T.DOWNLOAD_FATURA, por=operador)
    _trabalhar(retidas)
    simulador.configurar(logins_invalidos=[])

    # Approved and sent to the SAT.
    for processo in baixados[:ENVIADOS_SAT]:
        processo_aprovar(processo=processo, por=aprovador)
    _trabalhar(retidas)

    # Approved while the SAT is out of the air: the upload fails and its automatic re-run waits its turn.
    simulador.configurar(taxa_falha=1.0)
    processo_aprovar(processo=baixados[ENVIADOS_SAT], por=aprovador)
    _trabalhar(retidas)
    simulador.configurar(taxa_falha=0.0)

    # Rejected: back to waiting for its download, the rejected PDF kept as evidence.
    processo_rejeitar(processo=baixados[ENVIADOS_SAT + 1], por=aprovador, motivo=MOTIVO_REJEICAO)

    # An invoice sent by hand, as for an operator whose robot is down.
    processo_registrar_fatura(
        processo=manual,
        arquivo=ContentFile(_pdf_manual(manual), name="fatura.pdf"),
        por=operador,
        nome_original=f"fatura-{competencia:%Y-%m}.pdf",
        valor_total=Decimal("1873.40"),
        vencimento=(competencia + dt.timedelta(days=40)).replace(day=15),
        numero_fatura=f"MAN-{competencia:%Y%m}-0001",
    )

    # Downloads still in the queue (the workers of `make run` take them as soon as they start), one cancelled.
    execucoes_solicitar_downloads(por=operador, processo_ids=[p.pk for p in na_fila])
    cancelar = Execucao.objects.filter(processo=na_fila[-1], status=E.PENDENTE).first()
    if cancelar is not None:
        execucao_cancelar(
            execucao=cancelar, por=operador, motivo="Cancelada na demonstração: o cliente pediu para esperar."
        )
    retidas.clear()


def _trabalhar(retidas: list) -> None:
    """Do what the workers and beat would, in order, until no job is at the robot or due in the queue."""
    tarefas = {
        TAREFA_DESPACHAR: execucoes_despachar,
        TAREFA_ENVIAR: lambda execucao_id: execucao_enviar(execucao_id=execucao_id),
        # Polled below, at the pace of the loop.
        TAREFA_ACOMPANHAR: lambda: None,
    }
    limite = time.monotonic() + PRAZO_FASE
    while True:
        while retidas:
            nome, argumentos = retidas.pop(0)
            tarefas[nome](*argumentos)
        agora = timezone.now()
        ocupadas = Execucao.objects.filter(status__in=Execucao.NO_ROBO).exists()
        devidas = (
            Execucao.objects.filter(status=E.PENDENTE)
            .filter(Q(proxima_tentativa_em__isnull=True) | Q(proxima_tentativa_em__lte=agora))
            .exists()
        )
        if not ocupadas and not devidas:
            return
        if time.monotonic() > limite:
            raise ErroDeNegocio(f"O simulador não terminou os trabalhos da demonstração em {PRAZO_FASE:.0f} s.")
        time.sleep(OPCOES_SIMULADOR["intervalo_log"])
        # What beat fires every few seconds: the poll, and the dispatch as a safety net.
        execucoes_acompanhar()
        execucoes_despachar()


def _pdf_manual(processo: Processo) -> bytes:
    cliente = processo.cliente
    return fatura_pdf(
        f"Fatura {cliente.operadora.nome}",
        [
            f"Razão social: {cliente.razao_social}",
            f"CNPJ: {cliente.cnpj_formatado}",
            f"Competência: {formatar_competencia(processo.competencia)}",
            "Enviada à mão pela equipe de operação.",
        ],
    )


@contextlib.contextmanager
def _logs_silenciados():
    niveis = {nome: logging.getLogger(nome).level for nome in _SILENCIADOS}
    for nome in _SILENCIADOS:
        logging.getLogger(nome).setLevel(logging.WARNING)
    try:
        yield
    finally:
        for nome, nivel in niveis.items():
            logging.getLogger(nome).setLevel(nivel)
