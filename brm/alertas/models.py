from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from brm.common.models import BaseModel


class TipoDeAlerta(models.TextChoices):
    """What the team is told by e-mail. Each kind goes out in its own e-mail, at most one per hour."""

    EXECUCAO_FALHOU = "EXECUCAO_FALHOU", "Execução que falhou sem nova tentativa automática"
    FATURA_ATRASADA = "FATURA_ATRASADA", "Fatura atrasada (passou do dia de emissão)"
    VENCIMENTO_PROXIMO = "VENCIMENTO_PROXIMO", "Fatura perto do vencimento sem aprovação"
    API_ROBOS_FORA = "API_ROBOS_FORA", "API de robôs fora do ar"


def tipos_de_alerta_validar(tipos) -> None:
    """A non-empty list of known kinds of alert."""
    if not isinstance(tipos, list) or not all(isinstance(tipo, str) for tipo in tipos):
        raise ValidationError("Informe os alertas como uma lista de nomes.")
    desconhecidos = sorted(set(tipos) - set(TipoDeAlerta.values))
    if desconhecidos:
        raise ValidationError(f"Alertas desconhecidos: {', '.join(desconhecidos)}.")
    if not tipos:
        raise ValidationError("Escolha pelo menos um alerta.")


class ConfiguracaoDeAlertas(BaseModel):
    """The thresholds of the alerts (one row, edited by admins), and what the robot API monitor remembers
    between its runs: since when the API has not answered, and whether that outage was already told."""

    CHAVE_UNICA = "padrao"

    chave = models.CharField(max_length=10, default=CHAVE_UNICA, unique=True, editable=False)
    minutos_api_fora = models.PositiveSmallIntegerField(
        "minutos da API de robôs fora do ar",
        default=10,
        validators=[
            MinValueValidator(1, "Informe ao menos 1 minuto."),
            MaxValueValidator(1440, "No máximo 1440 minutos (um dia)."),
        ],
        help_text="O alerta sai quando a API de robôs passa este tempo sem responder (uma vez por queda).",
    )
    dias_vencimento = models.PositiveSmallIntegerField(
        "dias antes do vencimento",
        default=5,
        validators=[MaxValueValidator(60, "No máximo 60 dias.")],
        help_text="Uma fatura aguardando aprovação que vence em até tantos dias (ou já venceu) gera um alerta.",
    )
    # The monitor's memory, written only by `api_robos_verificar` (conditional updates, never the admin's form).
    api_robos_fora_desde = models.DateTimeField("API de robôs fora do ar desde", null=True, blank=True, editable=False)
    api_robos_alertada_em = models.DateTimeField("queda avisada em", null=True, blank=True, editable=False)
    api_robos_erro = models.TextField("último erro da API de robôs", blank=True, editable=False)

    class Meta:
        verbose_name = "configuração dos alertas"
        verbose_name_plural = "configuração dos alertas"
        constraints = [
            models.CheckConstraint(name="configuracaodealertas_linha_unica", condition=models.Q(chave="padrao"))
        ]

    def __str__(self) -> str:
        return "Configuração dos alertas"


class DestinatarioDeAlerta(BaseModel):
    """Who receives which alerts: a user of the system (at the e-mail they sign in with) or any address (a
    shared mailbox, a pager service)."""

    usuario = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="usuário",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Recebe no e-mail com que entra no sistema, enquanto estiver ativo.",
    )
    email = models.EmailField("e-mail", blank=True, help_text="Ou um endereço qualquer, no lugar de um usuário.")
    tipos = models.JSONField(
        "alertas",
        default=list,
        blank=True,
        validators=[tipos_de_alerta_validar],
        help_text="Os alertas que este destinatário recebe.",
    )
    ativo = models.BooleanField("ativo", default=True)

    class Meta:
        verbose_name = "destinatário de alertas"
        verbose_name_plural = "destinatários de alertas"
        ordering = ["email", "usuario__email"]
        constraints = [
            models.CheckConstraint(
                name="destinatariodealerta_usuario_ou_email",
                condition=(models.Q(usuario__isnull=False) & models.Q(email=""))
                | (models.Q(usuario__isnull=True) & ~models.Q(email="")),
                # Checked by the form too (Django validates constraints), after each field's own check.
                violation_error_message="Escolha um usuário ou informe um e-mail, um dos dois.",
            ),
            models.UniqueConstraint(
                fields=["usuario"],
                condition=models.Q(usuario__isnull=False),
                name="destinatariodealerta_usuario_unico",
                violation_error_message="Este usuário já é destinatário de alertas: altere o cadastro dele.",
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="destinatariodealerta_email_unico",
                violation_error_message="Este e-mail já é destinatário de alertas: altere o cadastro dele.",
            ),
        ]

    def __str__(self) -> str:
        return str(self.usuario) if self.usuario_id else self.email

    def clean(self):
        super().clean()
        self.email = (self.email or "").strip().lower()
        if self.usuario_id and not self.usuario.is_active:
            raise ValidationError({"usuario": "Este usuário está inativo e não receberia os alertas."})

    @property
    def endereco(self) -> str:
        return self.usuario.email if self.usuario_id else self.email

    def recebe(self, tipo: str) -> bool:
        return tipo in (self.tipos or [])

    def tipos_rotulos(self) -> list[str]:
        return [TipoDeAlerta(tipo).label for tipo in self.tipos or [] if tipo in TipoDeAlerta.values]


class EnvioDeAlerta(BaseModel):
    """One e-mail of one kind of alert, with every event of that kind that waited for it.

    A sender claims the kind by writing this row ENVIANDO (at most one per kind, by a constraint), sends, and
    then marks it and its events ENVIADO in one transaction. A sender that died between the two leaves the row
    ENVIANDO until `reservado_ate`; the next run then takes the events over and sends them again (at least once).
    """

    class Status(models.TextChoices):
        ENVIANDO = "ENVIANDO", "Enviando"
        ENVIADO = "ENVIADO", "Enviado"
        FALHOU = "FALHOU", "Falhou"

    CORES = {Status.ENVIANDO: "#0d6efd", Status.ENVIADO: "#198754", Status.FALHOU: "#dc3545"}

    tipo = models.CharField("alerta", max_length=24, choices=TipoDeAlerta.choices)
    status = models.CharField("situação", max_length=10, choices=Status.choices, default=Status.ENVIANDO)
    iniciado_em = models.DateTimeField("iniciado em", default=timezone.now)
    reservado_ate = models.DateTimeField("reservado até", editable=False)
    enviado_em = models.DateTimeField("enviado em", null=True, blank=True)
    destinatarios = models.TextField("destinatários", blank=True)
    total_eventos = models.PositiveIntegerField("eventos", default=0)
    erro = models.TextField("erro", blank=True)

    class Meta:
        verbose_name = "e-mail de alerta"
        verbose_name_plural = "e-mails de alerta"
        ordering = ["-iniciado_em"]
        constraints = [
            # One sender per kind at a time: a second one finds the claim and leaves the kind alone.
            models.UniqueConstraint(
                fields=["tipo"], condition=models.Q(status="ENVIANDO"), name="envioalerta_um_enviando_por_tipo"
            ),
        ]
        indexes = [models.Index(fields=["tipo", "status", "enviado_em"], name="envioalerta_tipo_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_tipo_display()} · {self.iniciado_em:%d/%m/%Y %H:%M}"


class EventoDeAlerta(BaseModel):
    """Something the team must hear about, waiting for the next e-mail of its kind.

    `chave` says which thing it is about (an execution, a process and its due date, an outage): (tipo, chave) is
    unique, so a detector that runs every few minutes reports each thing once.
    """

    class Status(models.TextChoices):
        PENDENTE = "PENDENTE", "Pendente"
        ENVIADO = "ENVIADO", "Enviado"
        DESCARTADO = "DESCARTADO", "Descartado (sem destinatário)"

    CORES = {Status.PENDENTE: "#0d6efd", Status.ENVIADO: "#198754", Status.DESCARTADO: "#6c757d"}

    tipo = models.CharField("alerta", max_length=24, choices=TipoDeAlerta.choices)
    chave = models.CharField("chave", max_length=200)
    titulo = models.CharField("título", max_length=300)
    detalhe = models.TextField("detalhe", blank=True)
    caminho = models.CharField("endereço", max_length=300, blank=True, help_text="A página que mostra o caso.")
    criado_em = models.DateTimeField("quando", default=timezone.now)
    status = models.CharField("situação", max_length=10, choices=Status.choices, default=Status.PENDENTE)
    envio = models.ForeignKey(
        EnvioDeAlerta,
        verbose_name="e-mail",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="eventos",
        help_text="O último e-mail que o levou (ou tentou levar).",
    )
    enviado_em = models.DateTimeField("enviado em", null=True, blank=True)

    class Meta:
        verbose_name = "evento de alerta"
        verbose_name_plural = "eventos de alerta"
        ordering = ["-criado_em"]
        constraints = [models.UniqueConstraint(fields=["tipo", "chave"], name="eventoalerta_unico_por_chave")]
        indexes = [models.Index(fields=["tipo", "status", "criado_em"], name="eventoalerta_pendentes_idx")]

    def __str__(self) -> str:
        return self.titulo
