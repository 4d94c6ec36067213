"""What the painel shows: the numbers and short lists the selectors read, each number with the address of the
admin list that shows exactly what it counts.

The admin's lists accept these query parameters: processes by `competencia` (AAAA-MM-DD, the month filter),
`status__exact`, `cliente__operadora__id__exact`, `atrasada=sim` and `vencimento__lte`; jobs by `status__exact`,
`status__in` and `a_reexecutar=sim`; schedules by `ativo__exact`. The filters behind `atrasada` and
`a_reexecutar` call the same selectors as this module.
"""

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from agendamentos.selectors import agendamentos_ativos, agendamentos_proximas_execucoes
from brm.common.admin import badge_status, truncar
from brm.common.formatacao import formatar_competencia, formatar_instante, formatar_moeda
from processos.models import Execucao, Processo
from processos.selectors import (
    execucoes_ativas,
    execucoes_ativas_contagem,
    execucoes_falhas_a_reexecutar,
    processo_data_esperada,
    processos_atrasados,
    processos_contagem_do_mes,
    processos_vencimento_limite,
    processos_vencimento_proximo,
)

S = Processo.Status
E = Execucao.Status

# Rows shown in each short list; the number above it counts them all and links to the whole list.
LIMITE_LINHAS = 10
# A progress bar reads left to right: what is done first.
ORDEM_DA_BARRA = (S.UPLOAD_REALIZADO, S.AGUARDANDO_ENVIO_SAT, S.AGUARDANDO_APROVACAO, S.AGUARDANDO_DOWNLOAD)


@dataclass
class Numero:
    """A count on the painel: `chave` is its `data-contagem`, stable for browser tests."""

    chave: str
    valor: int
    url: str
    rotulo: str
    cor: str = ""

    @property
    def id(self) -> str:
        return "contagem-" + self.chave.replace(":", "-")


@dataclass
class Segmento:
    status: str
    rotulo: str
    valor: int
    cor: str
    largura: str  # a CSS percentage, with a dot whatever the locale


@dataclass
class LinhaOperadora:
    nome: str
    codigo: str
    total: Numero
    numeros: list[Numero]
    segmentos: list[Segmento]
    concluido: int  # percent sent to the SAT


@dataclass
class Painel:
    competencia: dt.date
    hoje: dt.date
    agora: dt.datetime
    dias_vencimento: int
    limite_vencimento: dt.date
    total: Numero
    por_status: list[Numero]
    operadoras: list[LinhaOperadora]
    atrasadas: Numero
    atrasadas_linhas: list[dict] = field(default_factory=list)
    vencimento: Numero | None = None
    vencimento_linhas: list[dict] = field(default_factory=list)
    ativas: Numero | None = None
    ativas_por_status: list[Numero] = field(default_factory=list)
    ativas_linhas: list[dict] = field(default_factory=list)
    falhas: Numero | None = None
    falhas_linhas: list[dict] = field(default_factory=list)
    agendamentos: Numero | None = None
    agendamentos_linhas: list[dict] = field(default_factory=list)

    @property
    def competencia_rotulo(self) -> str:
        return formatar_competencia(self.competencia)


def _lista(nome_da_url: str, **filtros) -> str:
    url = reverse(nome_da_url)
    return f"{url}?{urlencode(filtros)}" if filtros else url


def _processos(**filtros) -> str:
    return _lista("admin:processos_processo_changelist", **filtros)


def _execucoes(**filtros) -> str:
    return _lista("admin:processos_execucao_changelist", **filtros)


def _dias(quantidade: int) -> str:
    return f"{quantidade} dia" if quantidade == 1 else f"{quantidade} dias"


def _prazo_do_vencimento(vencimento: dt.date, hoje: dt.date) -> str:
    faltam = (vencimento - hoje).days
    if faltam == 0:
        return "vence hoje"
    if faltam > 0:
        return f"vence em {_dias(faltam)}"
    return f"venceu há {_dias(-faltam)}"


def _instante(instante: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(instante) if instante else None


def painel_montar(*, competencia: dt.date, agora: dt.datetime, dias_vencimento: int) -> Painel:
    """Everything the painel shows for `competencia`, read with a fixed number of queries."""
    hoje = timezone.localdate(agora)
    mes = f"{competencia:%Y-%m-%d}"

    contagem = processos_contagem_do_mes(competencia=competencia)
    por_status = [
        Numero(
            status.value,
            contagem.por_status[status.value],
            _processos(competencia=mes, status__exact=status.value),
            status.label,
            Processo.CORES[status],
        )
        for status in S
    ]
    total = Numero("TOTAL", contagem.total, _processos(competencia=mes), "Processos do mês")
    operadoras = []
    for linha in contagem.por_operadora:
        filtro = {"competencia": mes, "cliente__operadora__id__exact": str(linha.operadora_id)}
        numeros = [
            Numero(
                f"operadora:{linha.codigo}:{status.value}",
                linha.por_status[status.value],
                _processos(**filtro, status__exact=status.value),
                status.label,
                Processo.CORES[status],
            )
            for status in S
        ]
        segmentos = [
            Segmento(
                status.value,
                status.label,
                linha.por_status[status.value],
                Processo.CORES[status],
                f"{100 * linha.por_status[status.value] / linha.total:.2f}%",
            )
            for status in ORDEM_DA_BARRA
            if linha.por_status[status.value]
        ]
        operadoras.append(
            LinhaOperadora(
                nome=linha.nome,
                codigo=linha.codigo,
                total=Numero(f"operadora:{linha.codigo}:TOTAL", linha.total, _processos(**filtro), "Total"),
                numeros=numeros,
                segmentos=segmentos,
                concluido=round(100 * linha.por_status[S.UPLOAD_REALIZADO] / linha.total),
            )
        )

    atrasadas = processos_atrasados(hoje=hoje).filter(competencia=competencia)
    limite_vencimento = processos_vencimento_limite(hoje=hoje, dias=dias_vencimento)
    vencimento = processos_vencimento_proximo(hoje=hoje, dias=dias_vencimento)
    ativas = execucoes_ativas_contagem()
    falhas = execucoes_falhas_a_reexecutar()
    agendamentos = agendamentos_proximas_execucoes(agora=agora)

    painel = Painel(
        competencia=competencia,
        hoje=hoje,
        agora=agora,
        dias_vencimento=dias_vencimento,
        limite_vencimento=limite_vencimento,
        total=total,
        por_status=por_status,
        operadoras=operadoras,
        atrasadas=Numero(
            "atrasadas", atrasadas.count(), _processos(competencia=mes, atrasada="sim"), "Faturas atrasadas"
        ),
    )
    atrasadas_primeiras = atrasadas.select_related("cliente__operadora").order_by(
        "dia_esperado", "cliente__razao_social"
    )
    painel.atrasadas_linhas = [_linha_atrasada(processo, hoje) for processo in atrasadas_primeiras[:LIMITE_LINHAS]]

    painel.vencimento = Numero(
        "vencimento-proximo",
        vencimento.count(),
        _processos(status__exact=S.AGUARDANDO_APROVACAO, vencimento__lte=limite_vencimento.isoformat()),
        "Aprovações com vencimento próximo",
    )
    painel.vencimento_linhas = [
        {
            "processo": processo,
            "url": reverse("admin:processos_processo_change", args=[processo.pk]),
            "valor": formatar_moeda(processo.valor_total),
            "prazo": _prazo_do_vencimento(processo.vencimento, hoje),
            "vencido": processo.vencimento < hoje,
        }
        for processo in vencimento.select_related("cliente__operadora").order_by("vencimento", "cliente__razao_social")[
            :LIMITE_LINHAS
        ]
    ]

    painel.ativas = Numero(
        "execucoes-ativas", sum(ativas.values()), _execucoes(status__in=",".join(Execucao.ATIVOS)), "Trabalhos agora"
    )
    painel.ativas_por_status = [
        Numero(
            f"execucoes:{status}",
            ativas[status],
            _execucoes(status__exact=status),
            E(status).label,
            Execucao.CORES[status],
        )
        for status in Execucao.ATIVOS
    ]
    painel.ativas_linhas = [
        {
            "execucao": execucao,
            "url": reverse("admin:processos_execucao_change", args=[execucao.pk]),
            "badge": badge_status(execucao),
            "desde": _instante(execucao.iniciado_em or execucao.enviado_em or execucao.criado_em),
        }
        for execucao in execucoes_ativas().select_related("processo__cliente__operadora")[:LIMITE_LINHAS]
    ]

    painel.falhas = Numero(
        "falhas", falhas.count(), _execucoes(status__exact=E.FALHA, a_reexecutar="sim"), "Falhas a reexecutar"
    )
    painel.falhas_linhas = [
        {
            "execucao": execucao,
            "url": reverse("admin:processos_execucao_change", args=[execucao.pk]),
            "quando": _instante(execucao.finalizado_em or execucao.criado_em),
            "erro": truncar(execucao.erro, 160),
        }
        for execucao in falhas.select_related("processo__cliente__operadora").order_by("-criado_em", "-id")[
            :LIMITE_LINHAS
        ]
    ]

    painel.agendamentos = Numero(
        "agendamentos-ativos",
        agendamentos_ativos().count(),
        _lista("admin:agendamentos_agendamento_changelist", ativo__exact="1"),
        "Agendamentos ativos",
    )
    painel.agendamentos_linhas = [
        {
            "agendamento": agendamento,
            "url": reverse("admin:agendamentos_agendamento_change", args=[agendamento.pk]),
            "quando": formatar_instante(instante, com_dia_da_semana=True),
            "instante": instante,
        }
        for agendamento, instante in agendamentos[:LIMITE_LINHAS]
    ]
    return painel


def _linha_atrasada(processo: Processo, hoje: dt.date) -> dict:
    esperada = processo_data_esperada(processo)
    return {
        "processo": processo,
        "url": reverse("admin:processos_processo_change", args=[processo.pk]),
        "esperada": esperada,
        "atraso": _dias((hoje - esperada).days),
        "do_cliente": processo.cliente.dia_emissao is not None,
    }
