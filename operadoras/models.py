from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from brm.common.auditoria import HistoricoAuditado
from brm.common.models import BaseModel


class Operadora(BaseModel):
    """A telecom operator whose portal issues the invoices (Vivo, Claro, TIM, ...).

    `codigo` is also the robot's name in `POST /executar/{codigo}`. A third-party robot runs at its own
    address (`url_endpoint_rpa`), which overrides the global robot API address for this operator.
    `max_execucoes_simultaneas` exists because portals block too many parallel logins. `dia_emissao` is the day
    of the month its invoices usually come out; a client account may have its own (`Cliente.dia_emissao`).
    """

    nome = models.CharField("nome", max_length=100, unique=True)
    codigo = models.SlugField(
        "código", max_length=50, unique=True, help_text="Nome do robô na API (por exemplo: vivo, claro)."
    )
    possui_rpa = models.BooleanField(
        "possui robô", default=True, help_text="Existe robô para o portal desta operadora."
    )
    rpa_terceirizado = models.BooleanField(
        "robô terceirizado", default=False, help_text="O robô é operado por terceiros, no endereço abaixo."
    )
    url_endpoint_rpa = models.URLField(
        "endereço do robô",
        blank=True,
        help_text="Substitui o endereço global da API de robôs para esta operadora.",
    )
    max_execucoes_simultaneas = models.PositiveSmallIntegerField(
        "execuções simultâneas (máx.)",
        default=3,
        validators=[MinValueValidator(1)],
        help_text="Quantos robôs podem acessar o portal ao mesmo tempo.",
    )
    # Up to 28, so the day exists in every month.
    dia_emissao = models.PositiveSmallIntegerField(
        "dia de emissão",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text="Dia do mês (1 a 28) em que as faturas desta operadora costumam sair. Depois dele, o painel "
        "aponta como atrasada a fatura que ainda aguarda download. Cada cliente pode ter o seu dia.",
    )
    ativa = models.BooleanField("ativa", default=True)

    history = HistoricoAuditado()

    class Meta:
        verbose_name = "operadora"
        verbose_name_plural = "operadoras"
        ordering = ["nome"]
        constraints = [
            models.CheckConstraint(
                name="operadora_max_execucoes_positivo", condition=models.Q(max_execucoes_simultaneas__gte=1)
            ),
            models.CheckConstraint(
                name="operadora_terceirizado_tem_endereco",
                condition=models.Q(rpa_terceirizado=False) | ~models.Q(url_endpoint_rpa=""),
            ),
            models.CheckConstraint(
                name="operadora_dia_emissao_valido",
                condition=models.Q(dia_emissao__isnull=True) | models.Q(dia_emissao__gte=1, dia_emissao__lte=28),
            ),
        ]

    def __str__(self) -> str:
        return self.nome

    def clean(self):
        super().clean()
        if self.rpa_terceirizado and not self.url_endpoint_rpa:
            raise ValidationError({"url_endpoint_rpa": "Informe o endereço do robô terceirizado."})
        if self.rpa_terceirizado and not self.possui_rpa:
            raise ValidationError({"possui_rpa": "Um robô terceirizado é um robô: marque “possui robô”."})
