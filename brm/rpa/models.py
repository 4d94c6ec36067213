from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from brm.common.auditoria import HistoricoAuditado
from brm.common.fields import EncryptedTextField
from brm.common.models import BaseModel


class ConfiguracaoRPA(BaseModel):
    """How this system talks to the robot API: one row, edited by admins.

    The first values come from the environment (`RPA_*` settings); after that this row is the truth.
    """

    CHAVE_UNICA = "padrao"

    chave = models.CharField(max_length=10, default=CHAVE_UNICA, unique=True, editable=False)
    url_base = models.URLField("endereço da API de robôs", help_text="Por exemplo http://191.252.218.230:8000")
    token = EncryptedTextField(
        "token global", blank=True, help_text="JWT enviado como Bearer. Deixe em branco para manter o atual."
    )
    robo_sat = models.SlugField("robô do SAT", max_length=50, default="sat")
    intervalo_polling_ms = models.PositiveIntegerField(
        "intervalo de acompanhamento (ms)",
        default=2000,
        validators=[MinValueValidator(100)],
        help_text="De quanto em quanto tempo a situação e os logs dos trabalhos em execução são lidos.",
    )
    timeout_execucao_segundos = models.PositiveIntegerField(
        "tempo máximo de um trabalho (s)",
        default=1800,
        validators=[MinValueValidator(10)],
        help_text="Depois disso o trabalho é dado como falho.",
    )
    timeout_http_segundos = models.PositiveSmallIntegerField(
        "tempo máximo de cada chamada HTTP (s)", default=15, validators=[MinValueValidator(1)]
    )
    limite_global = models.PositiveSmallIntegerField(
        "trabalhos simultâneos (máx. global)", default=5, validators=[MinValueValidator(1)]
    )
    max_tentativas_envio = models.PositiveSmallIntegerField(
        "tentativas em erros temporários",
        default=6,
        validators=[MinValueValidator(1)],
        help_text="Quantas vezes um trabalho é reenviado após erro temporário (API fora do ar, 5xx, 429).",
    )
    backoff_base_segundos = models.PositiveSmallIntegerField("espera inicial entre tentativas (s)", default=5)
    backoff_max_segundos = models.PositiveIntegerField("espera máxima entre tentativas (s)", default=300)
    reexecucoes_automaticas = models.PositiveSmallIntegerField(
        "reexecuções automáticas",
        default=2,
        help_text="Quantas vezes um trabalho que falhou por motivo passageiro (portal fora do ar, fatura "
        "ainda indisponível, tempo esgotado) é refeito sozinho.",
    )
    intervalo_reexecucao_minutos = models.PositiveIntegerField("espera antes de reexecutar (min)", default=30)
    teto_ocupacao_minutos = models.PositiveIntegerField(
        "teto de ocupação sem resposta (min)",
        default=120,
        validators=[MinValueValidator(1)],
        help_text="Um trabalho que o BRM deixou de acompanhar (tempo esgotado, cancelado, envio sem resposta) "
        "continua ocupando vaga enquanto o robô não diz que terminou; passado este tempo, a vaga é liberada "
        "e a execução diz que alguém precisa conferir no robô.",
    )
    endpoint_cancelamento = models.CharField(
        "endereço para cancelar um trabalho",
        max_length=200,
        blank=True,
        help_text="Só se o robô oferecer cancelamento (não faz parte do contrato): o caminho do POST, com "
        "{job_id}, por exemplo /jobs/{job_id}/cancelar. Em branco, cancelar só para o acompanhamento no BRM.",
    )

    # The token (encrypted) is not copied: a change to it is recorded by name only.
    history = HistoricoAuditado()

    class Meta:
        verbose_name = "configuração dos robôs"
        verbose_name_plural = "configuração dos robôs"
        constraints = [models.CheckConstraint(name="configuracaorpa_linha_unica", condition=models.Q(chave="padrao"))]

    def __str__(self) -> str:
        return f"API de robôs em {self.url_base}"

    def clean(self):
        super().clean()
        caminho = self.endpoint_cancelamento.strip()
        if caminho and (not caminho.startswith("/") or "{job_id}" not in caminho):
            raise ValidationError({"endpoint_cancelamento": "Informe um caminho que comece com / e contenha {job_id}."})
        self.endpoint_cancelamento = caminho
        if self.backoff_base_segundos > self.backoff_max_segundos:
            raise ValidationError(
                {"backoff_base_segundos": "A espera inicial não pode ser maior que a espera máxima entre tentativas."}
            )
