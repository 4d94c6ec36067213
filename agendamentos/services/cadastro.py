"""Creating, changing and deleting schedules, and keeping their django-celery-beat task in step.

The Agendamento row is the source of truth. `agendamento_sincronizar` writes its `PeriodicTask` and
`CrontabSchedule` one way, called by every service here, never by signals: beat only ever sees what a
service has validated.
"""

import datetime as dt
import json
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from brm.common.auditoria import com_autor
from brm.common.errors import ErroDeNegocio
from brm.usuarios.models import Usuario

from ..cron import cron_campos, cron_validar, fuso_validar, proxima_execucao
from ..fila import TAREFA_BEAT
from ..models import Agendamento
from ..tipos import tipo_obter

CAMPOS_EDITAVEIS = ("nome", "tipo", "expressao_cron", "fuso_horario", "parametros", "ativo")


def nome_tarefa_beat(agendamento: Agendamento) -> str:
    return f"agendamento:{agendamento.pk}"


def _invalido(mensagem: str, campo: str) -> ErroDeNegocio:
    return ErroDeNegocio(mensagem, codigo=ErroDeNegocio.INVALIDO, dados={"campo": campo})


def _exigir_permissao(por: Usuario | None, permissao: str, acao: str) -> None:
    if por is not None and not por.has_perm(permissao):
        raise ErroDeNegocio(f"Você não tem permissão para {acao}.", codigo=ErroDeNegocio.PERMISSAO)


# Validation, field by field, so forms can show each message beside its field ------------------------------


def nome_validar(nome: Any, *, pk=None) -> str:
    nome = (nome or "").strip() if isinstance(nome, str) or nome is None else str(nome)
    if not nome:
        raise _invalido("Informe um nome para o agendamento.", "nome")
    tamanho = Agendamento._meta.get_field("nome").max_length
    if len(nome) > tamanho:
        raise _invalido(f"O nome pode ter até {tamanho} caracteres.", "nome")
    if Agendamento.objects.filter(nome__iexact=nome).exclude(pk=pk).exists():
        raise _invalido(f"Já existe um agendamento chamado “{nome}”.", "nome")
    return nome


def tipo_validar(tipo: Any) -> str:
    if tipo not in Agendamento.Tipo.values:
        raise _invalido(f"Tipo de agendamento desconhecido: “{tipo}”.", "tipo")
    return tipo


def parametros_validar(tipo: str, parametros: Any, *, ativo: bool) -> dict:
    """The type's cleaned parameters; an inactive schedule may keep incomplete ones until it is activated.

    A weekly report with no recipients yet is a sensible thing to keep switched off; switching it on is
    where its parameters have to be complete.
    """
    if parametros is None:
        parametros = {}
    if not isinstance(parametros, dict):
        raise _invalido("Os parâmetros devem ser um objeto JSON, por exemplo {}.", "parametros")
    definicao = tipo_obter(tipo)
    try:
        return definicao.validar(parametros)
    except ErroDeNegocio as erro:
        if ativo:
            # Whatever parameter the type names, the form has one place for them all.
            raise ErroDeNegocio(
                erro.mensagem, codigo=ErroDeNegocio.INVALIDO, dados={**erro.dados, "campo": "parametros"}
            ) from erro
        return {**definicao.padrao, **parametros}


def agendamento_validar(
    *,
    nome: Any,
    tipo: Any,
    expressao_cron: Any,
    fuso_horario: Any,
    parametros: Any,
    ativo: bool,
    pk=None,
) -> dict:
    """Every field checked and cleaned; the first problem raises `ErroDeNegocio(INVALIDO, campo=...)`."""
    tipo = tipo_validar(tipo)
    return {
        "nome": nome_validar(nome, pk=pk),
        "tipo": tipo,
        "expressao_cron": cron_validar(expressao_cron),
        "fuso_horario": fuso_validar(fuso_horario),
        "parametros": parametros_validar(tipo, parametros, ativo=bool(ativo)),
        "ativo": bool(ativo),
    }


# Writes -----------------------------------------------------------------------------------------------------


@com_autor
@transaction.atomic
def agendamento_criar(
    *,
    por: Usuario | None,
    nome: str,
    tipo: str,
    expressao_cron: str,
    fuso_horario: str = "America/Sao_Paulo",
    parametros: dict | None = None,
    ativo: bool = True,
) -> Agendamento:
    _exigir_permissao(por, "agendamentos.add_agendamento", "criar agendamentos")
    dados = agendamento_validar(
        nome=nome,
        tipo=tipo,
        expressao_cron=expressao_cron,
        fuso_horario=fuso_horario,
        parametros=parametros,
        ativo=ativo,
    )
    agendamento = Agendamento.objects.create(**dados)
    return agendamento_sincronizar(agendamento=agendamento)


@com_autor
@transaction.atomic
def agendamento_atualizar(*, agendamento: Agendamento, por: Usuario | None, **campos: Any) -> Agendamento:
    """Change some of `nome`, `tipo`, `expressao_cron`, `fuso_horario`, `parametros`, `ativo`, then sync beat."""
    desconhecidos = set(campos) - set(CAMPOS_EDITAVEIS)
    if desconhecidos:
        raise TypeError(f"campos que não se editam assim: {sorted(desconhecidos)}")
    _exigir_permissao(por, "agendamentos.change_agendamento", "alterar agendamentos")
    atuais = {campo: getattr(agendamento, campo) for campo in CAMPOS_EDITAVEIS}
    dados = agendamento_validar(**{**atuais, **campos}, pk=agendamento.pk)
    alterados = [campo for campo, valor in dados.items() if valor != atuais[campo]]
    for campo in alterados:
        setattr(agendamento, campo, dados[campo])
    if alterados:
        # Only these columns: the counters are written meanwhile by running tasks, with F() expressions.
        agendamento.save(update_fields=[*alterados, "updated_at"])
    return agendamento_sincronizar(agendamento=agendamento)


def agendamento_ativar(*, agendamento: Agendamento, por: Usuario | None) -> Agendamento:
    """Switch a schedule on; its parameters must now be complete."""
    return agendamento_atualizar(agendamento=agendamento, por=por, ativo=True)


def agendamento_desativar(*, agendamento: Agendamento, por: Usuario | None) -> Agendamento:
    """Switch a schedule off: beat stops firing it; a run already going finishes."""
    return agendamento_atualizar(agendamento=agendamento, por=por, ativo=False)


@com_autor
@transaction.atomic
def agendamento_excluir(*, agendamento: Agendamento, por: Usuario | None) -> None:
    """Delete the schedule, its run history and its beat task."""
    _exigir_permissao(por, "agendamentos.delete_agendamento", "excluir agendamentos")
    tarefa = agendamento.periodic_task or PeriodicTask.objects.filter(name=nome_tarefa_beat(agendamento)).first()
    agendamento.delete()
    if tarefa is not None:
        crontab_id = tarefa.crontab_id
        # A model delete, not a queryset one: it bumps PeriodicTasks.last_update, which is how beat notices.
        tarefa.delete()
        _apagar_crontab_sem_uso(crontab_id)


@transaction.atomic
def agendamento_sincronizar(*, agendamento: Agendamento) -> Agendamento:
    """Make the schedule's `PeriodicTask` (and its `CrontabSchedule`) say exactly what the row says."""
    campos = cron_campos(agendamento.expressao_cron)
    crontab = _crontab_obter(campos, agendamento.fuso_horario)
    tarefa = agendamento.periodic_task or PeriodicTask.objects.filter(name=nome_tarefa_beat(agendamento)).first()
    if tarefa is None:
        tarefa = PeriodicTask(name=nome_tarefa_beat(agendamento))
    crontab_anterior = tarefa.crontab_id
    if tarefa.pk is not None and crontab_anterior != crontab.pk:
        # Beat computes the next run from last_run_at: one left from the old timing would look overdue
        # and fire at once. Without it, beat counts from now (the task's date_changed).
        tarefa.last_run_at = None
    tarefa.task = TAREFA_BEAT
    tarefa.args = "[]"
    tarefa.kwargs = json.dumps({"agendamento_id": str(agendamento.pk)})
    tarefa.crontab = crontab
    tarefa.interval = tarefa.solar = tarefa.clocked = None
    tarefa.one_off = False
    tarefa.enabled = agendamento.ativo
    tarefa.description = agendamento.nome
    # A model save, never a queryset update: the save bumps PeriodicTasks.last_update so beat reloads.
    tarefa.save()
    if crontab_anterior and crontab_anterior != crontab.pk:
        _apagar_crontab_sem_uso(crontab_anterior)

    agendamento.periodic_task = tarefa
    agendamento.proxima_execucao = _proxima_utc(agendamento)
    Agendamento.objects.filter(pk=agendamento.pk).update(
        periodic_task=tarefa, proxima_execucao=agendamento.proxima_execucao
    )
    return agendamento


def _proxima_utc(agendamento: Agendamento):
    if not agendamento.ativo:
        return None
    proxima = proxima_execucao(agendamento.expressao_cron, agendamento.fuso_horario, timezone.now())
    return proxima.astimezone(dt.UTC) if proxima else None


def _crontab_obter(campos: dict[str, str], fuso: str) -> CrontabSchedule:
    # Identical timings share one row, as beat's own admin does.
    existente = CrontabSchedule.objects.filter(**campos, timezone=fuso).order_by("pk").first()
    return existente or CrontabSchedule.objects.create(**campos, timezone=fuso)


def _apagar_crontab_sem_uso(crontab_id) -> None:
    if crontab_id and not PeriodicTask.objects.filter(crontab_id=crontab_id).exists():
        CrontabSchedule.objects.filter(pk=crontab_id).delete()
