from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models, transaction
from django.utils import timezone

from brm.common.auditoria import HistoricoAuditado
from brm.common.fields import EncryptedTextField
from brm.common.models import BaseModel

from .papeis import grupo_do_papel_aplicar

ORIGEM_RECODIFICACAO = "senha recodificada ao entrar (a mesma senha, com o algoritmo atual)"


class UsuarioManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        """A validated user in the group of their `papel` (LEITURA unless given); no password means none usable."""
        with transaction.atomic(using=self._db):
            usuario = self.model(email=self.normalize_email(email).lower(), **extra)
            if password:
                usuario.set_password(password)
            else:
                usuario.set_unusable_password()
            usuario.full_clean(exclude=["password"])
            usuario.save(using=self._db)
            grupo_do_papel_aplicar(usuario=usuario, papel=usuario.papel)
        return usuario

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("papel", Usuario.Papel.ADMIN)
        return self.create_user(email, password, is_superuser=True, **extra)


class Usuario(BaseModel, AbstractBaseUser, PermissionsMixin):
    """A person who works in the back office (or a system account), signing in with an e-mail.

    `papel` is the role; each role is a Django group whose permissions say what the person may see and
    do. `api_externa_token` is an optional personal robot-API token, used instead of the global one for
    jobs this person starts by hand.
    """

    class Papel(models.TextChoices):
        ADMIN = "ADMIN", "Administrador"
        OPERADOR = "OPERADOR", "Operador"
        APROVADOR = "APROVADOR", "Aprovador"
        LEITURA = "LEITURA", "Leitura"

    email = models.EmailField("e-mail", unique=True)
    nome = models.CharField("nome", max_length=150, blank=True)
    papel = models.CharField("papel", max_length=12, choices=Papel.choices, default=Papel.LEITURA)
    is_active = models.BooleanField("ativo", default=True)
    is_staff = models.BooleanField(
        "acesso ao admin", default=True, help_text="Permite entrar no painel administrativo."
    )
    date_joined = models.DateTimeField("cadastrado em", default=timezone.now)
    api_externa_token = EncryptedTextField(
        "token pessoal da API de robôs",
        blank=True,
        help_text="Opcional. Usado no lugar do token global nos trabalhos iniciados por esta pessoa.",
    )

    objects = UsuarioManager()
    # The role (`papel`) is recorded here; the group follows it. The password hash and the personal token are
    # secrets: a change to them is recorded by name only. A sign-in writes only `last_login`: no history row.
    # Django saves the password alone only when it re-hashes it at sign-in (a newer hasher or more iterations).
    history = HistoricoAuditado(
        segredos=("password",),
        fora_do_historico=("last_login",),
        origem_quando_so={"password": ORIGEM_RECODIFICACAO},
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["nome"]

    class Meta:
        verbose_name = "usuário"
        verbose_name_plural = "usuários"
        ordering = ["nome", "email"]

    def __str__(self) -> str:
        return self.nome or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.nome or self.email

    def get_short_name(self) -> str:
        return (self.nome or self.email).split()[0]
