"""The usual schedules of a BRM installation, created once by `criar_agendamentos_padrao` and `seed_demo`."""

from django.db import transaction

from ..models import Agendamento
from .cadastro import agendamento_criar

T = Agendamento.Tipo
FUSO_PADRAO = "America/Sao_Paulo"

# (nome, cron, tipo, parâmetros, ativo). The weekly report starts switched off: it has no recipients yet,
# and switching it on is where its parameters are checked.
AGENDAMENTOS_PADRAO = [
    ("Criar processos do mês", "0 0 1 * *", T.CRIAR_PROCESSOS_MENSAIS, {}, True),
    (
        "Downloads diários",
        "0 2 * * *",
        T.EXECUTAR_DOWNLOADS,
        {"apenas_processos_pendentes": True, "limite_execucoes_simultaneas": 5},
        True,
    ),
    ("Relatório semanal", "0 9 * * 1", T.ENVIAR_RELATORIOS, {}, False),
    ("Limpeza de logs", "30 3 * * *", T.LIMPEZA_LOGS, {"dias_retencao": 90}, True),
    ("Backup diário", "0 4 * * *", T.BACKUP_DADOS, {"manter": 7}, True),
]


@transaction.atomic
def agendamentos_criar_padrao() -> list[Agendamento]:
    """Create the usual schedules that do not exist yet (by name); returns the ones created now.

    A schedule an admin renamed, changed or switched off is left as it is.
    """
    existentes = {nome.casefold() for nome in Agendamento.objects.values_list("nome", flat=True)}
    criados = []
    for nome, cron, tipo, parametros, ativo in AGENDAMENTOS_PADRAO:
        if nome.casefold() in existentes:
            continue
        criados.append(
            agendamento_criar(
                por=None,
                nome=nome,
                tipo=tipo,
                expressao_cron=cron,
                fuso_horario=FUSO_PADRAO,
                parametros=dict(parametros),
                ativo=ativo,
            )
        )
    return criados
