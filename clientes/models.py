from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from brm.common.auditoria import HistoricoAuditado
from brm.common.fields import CNPJField, EncryptedTextField, cnpj_formatar
from brm.common.models import BaseModel


class Cliente(BaseModel):
    """One client account at one operator: whose invoice the robot fetches every month.

    The same company (CNPJ) may hold several accounts at one operator, so the business key is
    (operadora, cnpj, conta). The portal password is encrypted at rest. `dia_emissao`, when set, replaces the
    operator's day on which the invoice is expected.
    """

    razao_social = models.CharField("razão social", max_length=200)
    cnpj = CNPJField("CNPJ", help_text="Numérico ou alfanumérico, com ou sem pontuação.")
    operadora = models.ForeignKey(
        "operadoras.Operadora", verbose_name="operadora", on_delete=models.PROTECT, related_name="clientes"
    )
    login_portal = models.CharField("login no portal", max_length=200, blank=True)
    senha_portal = EncryptedTextField("senha do portal", blank=True)
    conta = models.CharField("conta", max_length=100, blank=True, help_text="Número da conta na operadora.")
    unidade = models.CharField("unidade", max_length=100, blank=True)
    dados_rpa = models.JSONField(
        "dados para o robô", default=dict, blank=True, help_text="Campos extras que o robô desta operadora usa."
    )
    codigo_sat = models.CharField("código no SAT", max_length=50, blank=True)
    dia_emissao = models.PositiveSmallIntegerField(
        "dia de emissão",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text="Dia do mês em que a fatura desta conta costuma sair; em branco, vale o da operadora. Num mês "
        "mais curto, vale o último dia.",
    )
    ativo = models.BooleanField("ativo", default=True)

    # The portal password (encrypted) is not copied: a change to it is recorded by name only.
    history = HistoricoAuditado()

    class Meta:
        verbose_name = "cliente"
        verbose_name_plural = "clientes"
        ordering = ["razao_social"]
        constraints = [
            models.UniqueConstraint(
                fields=["operadora", "cnpj", "conta"], name="cliente_unico_por_operadora_cnpj_conta"
            ),
            models.CheckConstraint(
                name="cliente_dia_emissao_valido",
                condition=models.Q(dia_emissao__isnull=True) | models.Q(dia_emissao__gte=1, dia_emissao__lte=31),
            ),
        ]
        indexes = [models.Index(fields=["cnpj"], name="cliente_cnpj_idx")]

    def __str__(self) -> str:
        conta = f" · conta {self.conta}" if self.conta else ""
        return f"{self.razao_social}{conta}"

    def clean(self):
        super().clean()
        # The robot reads named fields from it: a list or a bare value would reach it as nonsense.
        if not isinstance(self.dados_rpa, dict):
            raise ValidationError(
                {"dados_rpa": 'Os dados para o robô devem ser um objeto JSON, por exemplo {"contrato": "123"}.'}
            )

    @property
    def cnpj_formatado(self) -> str:
        return cnpj_formatar(self.cnpj)
