"""The month's work: creating the processes and queuing their downloads."""

import datetime as dt

from brm.common.errors import ErroDeNegocio
from brm.rpa.selectors import configuracao_rpa_obter
from brm.usuarios.models import Usuario
from operadoras.selectors import operadoras_codigos_desconhecidos
from processos.models import Execucao
from processos.services import execucoes_solicitar_downloads, processos_criar_mensais

from .base import Campo, Tipo, invalido, mes_local, padrao, validar_campos

# Creation ------------------------------------------------------------------------------------------------

CAMPOS_CRIACAO: list[Campo] = []


def criacao_validar(parametros: dict) -> dict:
    return validar_campos(parametros, CAMPOS_CRIACAO)


def criacao_executar(*, parametros: dict, agora: dt.datetime, fuso: str, por: Usuario | None) -> dict:
    criacao_validar(parametros)
    if por is not None and not por.has_perm("processos.criar_processos_mensais"):
        raise ErroDeNegocio("Você não tem permissão para criar os processos do mês.", codigo=ErroDeNegocio.PERMISSAO)
    # A run at 00:00 on the 1st in São Paulo is still the 31st in some zones and already the 1st in UTC:
    # the month is the schedule's, whatever the server's clock says.
    resultado = processos_criar_mensais(competencia=mes_local(agora, fuso))
    return {
        "competencia": f"{resultado.competencia:%Y-%m}",
        "criados": resultado.criados,
        "existentes": resultado.existentes,
    }


CRIAR_PROCESSOS_MENSAIS = Tipo(
    validar=criacao_validar,
    executar=criacao_executar,
    descricao="Cria o processo do mês para cada cliente ativo de operadora ativa (o mês no fuso do agendamento).",
    padrao=padrao(CAMPOS_CRIACAO),
)

# Downloads -----------------------------------------------------------------------------------------------

CAMPOS_DOWNLOADS = [
    Campo("apenas_processos_pendentes", bool, True),
    Campo("limite_execucoes_simultaneas", int, 5, minimo=1, maximo=100),
    Campo("operadoras", list, []),
]


def downloads_validar(parametros: dict) -> dict:
    limpos = validar_campos(parametros, CAMPOS_DOWNLOADS)
    if limpos["operadoras"]:
        desconhecidas = operadoras_codigos_desconhecidos(codigos=limpos["operadoras"])
        if desconhecidas:
            raise invalido(
                f"Operadora desconhecida: {', '.join(desconhecidas)}. Use o código da operadora (por exemplo vivo).",
                "operadoras",
                desconhecidas=desconhecidas,
            )
    return limpos


def downloads_executar(*, parametros: dict, agora: dt.datetime, fuso: str, por: Usuario | None) -> dict:
    limpos = downloads_validar(parametros)
    competencia = mes_local(agora, fuso)
    resultado = execucoes_solicitar_downloads(
        por=por,
        competencia=competencia,
        operadoras=limpos["operadoras"] or None,
        limite=None,
        todos=not limpos["apenas_processos_pendentes"],
        origem=Execucao.Origem.AGENDAMENTO,
        limite_simultaneas=limpos["limite_execucoes_simultaneas"],
    )
    # The run's downloads form one batch: the dispatcher starts at most `limite_execucoes_simultaneas` of
    # them at once, within the global and per-operator limits reported beside it.
    dados = {
        "competencia": f"{competencia:%Y-%m}",
        "enfileiradas": resultado.enfileiradas,
        "ignoradas": resultado.ignoradas,
        "limite_execucoes_simultaneas": limpos["limite_execucoes_simultaneas"],
        "limite_global": configuracao_rpa_obter().limite_global,
    }
    if resultado.despacho_adiado:
        dados["aviso"] = resultado.aviso_despacho
    return dados


EXECUTAR_DOWNLOADS = Tipo(
    validar=downloads_validar,
    executar=downloads_executar,
    descricao="Enfileira o download das faturas do mês que ainda aguardam download, de todas ou de algumas operadoras.",
    padrao=padrao(CAMPOS_DOWNLOADS),
)
