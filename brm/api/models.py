from django.conf import settings
from django.db import models

from brm.common.models import BaseModel


class TokenDeServico(BaseModel):
    """A long-lived key with which another system (the finance ERP, the robot team's tools) calls the API.

    It acts as `usuario`, a system account whose role says what it may do, exactly as a person of that role.
    Only the SHA-256 of the key is kept: the key itself is shown once, when an admin creates it. `prefixo` (the
    first characters) tells keys apart in lists and logs. A revoked key is refused at once and for good.
    """

    nome = models.CharField("sistema", max_length=100, help_text="Quem usa esta chave (por exemplo: ERP financeiro).")
    usuario = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="conta",
        on_delete=models.PROTECT,
        related_name="tokens_de_servico",
        help_text="A conta com que o sistema age: o papel dela diz o que a chave pode fazer.",
    )
    prefixo = models.CharField("início da chave", max_length=16, editable=False)
    hash = models.CharField("SHA-256 da chave", max_length=64, unique=True, editable=False)
    criado_por = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="criada por",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    ultimo_uso_em = models.DateTimeField("último uso", null=True, blank=True, editable=False)
    revogado_em = models.DateTimeField("revogada em", null=True, blank=True, editable=False)
    revogado_por = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="revogada por",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = "token de serviço"
        verbose_name_plural = "tokens de serviço"
        ordering = ["nome", "-created_at"]

    def __str__(self) -> str:
        return f"{self.nome} ({self.prefixo}…)"

    @property
    def ativo(self) -> bool:
        return self.revogado_em is None


class SessaoEncerrada(models.Model):
    """A JWT sign-in that was signed out: its access and refresh tokens are refused until they would expire.

    The blacklist of SimpleJWT holds refresh tokens only; this holds the sign-in (`sessao`, a claim every
    token of one sign-in carries), so the access tokens already given die with it. Rows past `expira_em`
    protect nothing and may be deleted.
    """

    sessao = models.CharField("sessão", max_length=32, primary_key=True)
    expira_em = models.DateTimeField("expira em", db_index=True)

    class Meta:
        verbose_name = "sessão encerrada"
        verbose_name_plural = "sessões encerradas"

    def __str__(self) -> str:
        return self.sessao
