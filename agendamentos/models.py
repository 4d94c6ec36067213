from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from brm.common.auditoria import HistoricoAuditado
from brm.common.errors import ErroDeNegocio
from brm.common.models import BaseModel

from .cron import cron_validar, fuso_validar


class Agendamento(BaseModel):
    """A recurring task of the business (monthly processes, nightly downloads, reports, cleanup, backups).

    This row is the source of truth: a service writes the django-celery-beat `PeriodicTask` that fires
    it. The cron expression always travels with its time zone. The counters are written by the task when
    it really runs, not by beat.
    """

    class Tipo(models.TextChoices):
        CRIAR_PROCESSOS_MENSAIS = "CRIAR_PROCESSOS_MENSAIS", "Criar processos do mês"
        EXECUTAR_DOWNLOADS = "EXECUTAR_DOWNLOADS", "Executar downloads"
        ENVIAR_RELATORIOS = "ENVIAR_RELATORIOS", "Enviar relatórios"
        LIMPEZA_LOGS = "LIMPEZA_LOGS", "Limpeza de logs"
        BACKUP_DADOS = "BACKUP_DADOS", "Backup dos dados"

    nome = models.CharField("nome", max_length=100, unique=True)
    tipo = models.CharField("tipo", max_length=30, choices=Tipo.choices)
    expressao_cron = models.CharField(
        "expressão cron", max_length=100, help_text="Cinco campos: minuto hora dia-do-mês mês dia-da-semana."
    )
    fuso_horario = models.CharField("fuso horário", max_length=64, default="America/Sao_Paulo")
    parametros = models.JSONField("parâmetros", default=dict, blank=True)
    ativo = models.BooleanField("ativo", default=True)
    proxima_execucao = models.DateTimeField("próxima execução", null=True, blank=True)
    ultima_execucao = models.DateTimeField("última execução", null=True, blank=True)
    total_execucoes = models.PositiveIntegerField("execuções", default=0)
    total_sucessos = models.PositiveIntegerField("sucessos", default=0)
    total_falhas = models.PositiveIntegerField("falhas", default=0)
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        verbose_name="tarefa periódica",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="agendamento",
    )

    # What people set; the run counters and dates are written by the task (with queryset updates) and the beat
    # link by the sync service: those are not changes anybody made.
    history = HistoricoAuditado(
        fora_do_historico=(
            "proxima_execucao",
            "ultima_execucao",
            "total_execucoes",
            "total_sucessos",
            "total_falhas",
            "periodic_task",
        )
    )

    class Meta:
        verbose_name = "agendamento"
        verbose_name_plural = "agendamentos"
        ordering = ["nome"]

    def __str__(self) -> str:
        return self.nome

    def clean(self):
        """The timing as beat will read it: the same checks as the services, so a row made by hand is refused too."""
        super().clean()
        erros = {}
        for campo, validar in (("expressao_cron", cron_validar), ("fuso_horario", fuso_validar)):
            valor = getattr(self, campo)
            # An empty value is left to clean_fields()'s blank check. It is also what a new schedule's form
            # leaves here after refusing the field itself: the person then sees that one message, not two.
            if not valor:
                continue
            try:
                setattr(self, campo, validar(valor))
            except ErroDeNegocio as erro:
                erros[campo] = ValidationError(erro.mensagem, code=erro.codigo)
        if erros:
            raise ValidationError(erros)


class AgendamentoExecucao(BaseModel):
    """One run of a schedule: when it started and ended, how it went, what it did, who started it."""

    class Status(models.TextChoices):
        EM_EXECUCAO = "EM_EXECUCAO", "Em execução"
        SUCESSO = "SUCESSO", "Sucesso"
        FALHA = "FALHA", "Falha"

    CORES = {Status.EM_EXECUCAO: "#0d6efd", Status.SUCESSO: "#198754", Status.FALHA: "#dc3545"}

    agendamento = models.ForeignKey(
        Agendamento, verbose_name="agendamento", on_delete=models.CASCADE, related_name="execucoes"
    )
    inicio = models.DateTimeField("início", db_index=True)
    fim = models.DateTimeField("fim", null=True, blank=True)
    status = models.CharField("situação", max_length=12, choices=Status.choices, default=Status.EM_EXECUCAO)
    resultado = models.JSONField("resultado", default=dict, blank=True, help_text="O que a execução fez (contadores).")
    erro = models.TextField("erro", blank=True)
    solicitado_por = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="solicitado por",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Vazio quando disparado pelo agendador.",
    )

    class Meta:
        verbose_name = "execução do agendamento"
        verbose_name_plural = "execuções dos agendamentos"
        ordering = ["-inicio"]

    def __str__(self) -> str:
        return f"{self.agendamento} · {self.inicio:%d/%m/%Y %H:%M}"
