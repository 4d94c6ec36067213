from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import models

from brm.common.auditoria import HistoricoAuditado
from brm.common.fields import EncryptedTextField
from brm.common.models import BaseModel


class Evento(models.TextChoices):
    """What BRM tells other systems about. `teste` is sent only by hand, from the admin, to one webhook."""

    PROCESSO_APROVADO = "processo.aprovado", "Processo aprovado"
    PROCESSO_REJEITADO = "processo.rejeitado", "Processo rejeitado"
    PROCESSO_ENVIADO_SAT = "processo.enviado_sat", "Processo enviado ao SAT"
    EXECUCAO_FALHOU = "execucao.falhou", "Execução falhou"
    TESTE = "teste", "Teste"


# The events a webhook may ask for.
EVENTOS_ASSINAVEIS = [(evento.value, evento.label) for evento in Evento if evento != Evento.TESTE]


class Webhook(BaseModel):
    """An address of another system (the finance ERP, a chat bot) that BRM calls when something it cares about
    happens: a process approved, rejected or sent to the SAT, a robot job that failed.

    Every call is signed with `segredo` (HMAC-SHA256), which the other system keeps to check that the call came
    from BRM. The secret is shown once, when the webhook is created or its secret renewed; it is stored
    encrypted, because BRM needs it again to sign each call.
    """

    nome = models.CharField("nome", max_length=100, help_text="Quem recebe (por exemplo: ERP financeiro).")
    url = models.URLField(
        "endereço",
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="Endereço http ou https que recebe um POST com o evento em JSON.",
    )
    eventos = models.JSONField("eventos", default=list, blank=True, help_text="Os eventos que este endereço recebe.")
    segredo = EncryptedTextField("segredo", editable=False)
    ativo = models.BooleanField("ativo", default=True, help_text="Desativado, deixa de receber eventos novos.")
    criado_por = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="criado por",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    # The secret (encrypted) is not copied: renewing it is recorded by name only.
    history = HistoricoAuditado()

    class Meta:
        verbose_name = "webhook"
        verbose_name_plural = "webhooks"
        ordering = ["nome", "-created_at"]

    def __str__(self) -> str:
        return self.nome

    def clean(self):
        super().clean()
        validos = {valor for valor, _ in EVENTOS_ASSINAVEIS}
        if not isinstance(self.eventos, list) or not all(isinstance(evento, str) for evento in self.eventos):
            raise ValidationError({"eventos": "Informe os eventos como uma lista de nomes."})
        desconhecidos = sorted(set(self.eventos) - validos)
        if desconhecidos:
            raise ValidationError({"eventos": f"Eventos desconhecidos: {', '.join(desconhecidos)}."})
        if not self.eventos:
            raise ValidationError({"eventos": "Escolha pelo menos um evento."})

    def quer(self, evento: str) -> bool:
        return evento in (self.eventos or [])

    def eventos_rotulos(self) -> list[str]:
        return [Evento(evento).label for evento in self.eventos or [] if evento in Evento.values]


class EntregaWebhook(BaseModel):
    """One event to be delivered to one webhook, and how that went.

    Written in the same transaction as what caused the event; a Celery worker makes the calls, so a slow or
    broken receiver never holds up the approval or the robot jobs. A delivery that fails for a reason that may
    pass (time-out, no connection, 5xx, 408, 429) is tried again later (`proxima_tentativa_em`), up to a limit;
    every call is kept in `TentativaEntrega`. Its id goes in the payload and in `X-BRM-Entrega`, the same on
    every attempt, so the receiver can ignore one it already handled.
    """

    class Status(models.TextChoices):
        PENDENTE = "PENDENTE", "Pendente"
        ENTREGUE = "ENTREGUE", "Entregue"
        FALHOU = "FALHOU", "Falhou"
        DESISTIU = "DESISTIU", "Desistiu"

    CORES = {
        Status.PENDENTE: "#0d6efd",
        Status.ENTREGUE: "#198754",
        Status.FALHOU: "#dc3545",
        Status.DESISTIU: "#6c757d",
    }

    webhook = models.ForeignKey(Webhook, verbose_name="webhook", on_delete=models.CASCADE, related_name="entregas")
    evento = models.CharField("evento", max_length=40, choices=Evento.choices)
    quando = models.DateTimeField("quando", help_text="Quando o evento aconteceu.")
    dados = models.JSONField("dados", default=dict, encoder=DjangoJSONEncoder)
    status = models.CharField("situação", max_length=10, choices=Status.choices, default=Status.PENDENTE)
    tentativas = models.PositiveSmallIntegerField("tentativas", default=0)
    # Attempts made before the last re-send by hand: the limit counts from there.
    tentativas_antes_do_reenvio = models.PositiveSmallIntegerField(default=0, editable=False)
    proxima_tentativa_em = models.DateTimeField("próxima tentativa em", null=True, blank=True)
    entregue_em = models.DateTimeField("entregue em", null=True, blank=True)
    erro = models.TextField("último erro", blank=True)

    class Meta:
        verbose_name = "entrega de webhook"
        verbose_name_plural = "entregas de webhooks"
        ordering = ["-quando"]
        indexes = [
            models.Index(fields=["status", "proxima_tentativa_em"], name="entregawebhook_pendentes_idx"),
            models.Index(fields=["webhook", "-quando"], name="entregawebhook_webhook_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_evento_display()} → {self.webhook_id and self.webhook}"


class TentativaEntrega(BaseModel):
    """One call made to deliver an event: when, how long it took, what the receiver answered (or why there was
    no answer), and the first bytes of its answer. A row without a result is a call whose worker stopped before
    it ended."""

    entrega = models.ForeignKey(
        EntregaWebhook, verbose_name="entrega", on_delete=models.CASCADE, related_name="tentativas_feitas"
    )
    numero = models.PositiveSmallIntegerField("tentativa")
    iniciada_em = models.DateTimeField("iniciada em")
    duracao_ms = models.PositiveIntegerField("duração (ms)", null=True, blank=True)
    status_http = models.PositiveSmallIntegerField("resposta HTTP", null=True, blank=True)
    erro = models.TextField("erro", blank=True)
    resposta = models.TextField("início da resposta", blank=True)

    class Meta:
        verbose_name = "tentativa de entrega"
        verbose_name_plural = "tentativas de entrega"
        ordering = ["entrega", "numero"]
        constraints = [
            models.UniqueConstraint(fields=["entrega", "numero"], name="tentativaentrega_numero_unico"),
        ]

    def __str__(self) -> str:
        return f"Tentativa {self.numero}"
