"""The audit trail: who changed which record people maintain, when, and what changed (django-simple-history).

A model opts in with `history = HistoricoAuditado()`. Every save and delete then writes one row to its
`Historical<Model>` table: the tracked fields as they became, the user (`history_user`), the moment
(`history_date`) and where the change came from (`history_change_reason`: admin, API, a task, a command).

Secrets never reach the history table, not even encrypted: every `EncryptedTextField` (and whatever the model
names in `segredos`, such as the password hash) is left out of it. A save that changes one records its name in
`segredos_alterados`, found by comparing with the row in the database before the save; the admin shows such a
change only as "alterado".

The user comes, in order, from `instance._history_user`, from the service that made the change (`com_autor`:
its `por` argument) and from the request (simple-history's `HistoryRequestMiddleware`; DRF copies the user it
authenticates onto the request, so calls with a JWT or a service key count too).
"""

import functools
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models.signals import pre_save
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from .fields import EncryptedTextField

_autor: ContextVar = ContextVar("brm_autor_da_alteracao", default=None)

# The origin given to rows made by the migration that started the history of existing records.
ORIGEM_INICIAL = "registro existente quando o histórico começou"


@contextmanager
def em_nome_de(usuario) -> Iterator[None]:
    """Inside this block, changes to audited records are attributed to `usuario` (when it is someone)."""
    if usuario is None or not getattr(usuario, "is_authenticated", False):
        yield
        return
    marca = _autor.set(usuario)
    try:
        yield
    finally:
        _autor.reset(marca)


def com_autor(servico):
    """Decorates a service whose keyword argument `por` is who acts: what it changes is recorded as theirs,
    whatever called it (admin, API, a command)."""

    @functools.wraps(servico)
    def envolto(*args, **kwargs):
        with em_nome_de(kwargs.get("por")):
            return servico(*args, **kwargs)

    return envolto


def origem_da_requisicao(request) -> str:
    """Where a change made during `request` came from, in words for the history page."""
    rota = getattr(request, "resolver_match", None)
    espacos = set(rota.namespaces) if rota is not None else set()
    if "api" in espacos:
        credencial = getattr(request, "brm_credencial", "")
        return f"API · {credencial}" if credencial else "API"
    if "admin" in espacos:
        return "admin"
    return f"página {getattr(request, 'path', '')}"


def origem_sem_requisicao() -> str | None:
    """A Celery task's name, or the management command run, when a change happens outside any request."""
    from celery import current_task

    if current_task and current_task.request.id:
        return f"tarefa {current_task.name}"
    if len(sys.argv) > 1 and Path(sys.argv[0]).name in ("manage.py", "django-admin"):
        return f"comando {sys.argv[1]}"
    return None


class RegistroDeHistorico(models.Model):
    """What every history row has besides the copied fields."""

    segredos_alterados = models.JSONField(
        "segredos alterados",
        default=list,
        blank=True,
        help_text="Os segredos (senhas, tokens) que esta alteração trocou. Só o nome: o valor nunca fica no histórico.",
    )

    class Meta:
        abstract = True


class HistoricoAuditado(HistoricalRecords):
    """simple-history's records, for the audit trail.

    `segredos`: fields that are secrets without being encrypted (the password hash). `fora_do_historico`:
    fields that change by themselves and say nothing about who changed the record (counters, last login); a
    save that writes only those (`update_fields`) records nothing. `updated_at` is always left out: the
    history row's own moment says when. A save that changes nothing tracked records nothing either.
    `origem_quando_so`: the origin to record for a save that writes only that field (and `updated_at`).
    """

    def __init__(
        self,
        *,
        segredos: tuple[str, ...] = (),
        fora_do_historico: tuple[str, ...] = (),
        origem_quando_so: dict[str, str] | None = None,
        **kwargs,
    ):
        self.segredos_extras = tuple(segredos)
        self.origem_quando_so = dict(origem_quando_so or {})
        self.fora_do_historico = ("updated_at", *fora_do_historico)
        self.segredos: tuple[str, ...] = ()
        super().__init__(
            bases=[RegistroDeHistorico],
            history_id_field=models.BigAutoField(primary_key=True),
            history_change_reason_field=models.TextField("origem", null=True),
            excluded_fields=list(self.fora_do_historico),
            **kwargs,
        )

    def finalize(self, sender, **kwargs):
        if self.cls is sender:
            # Known only now that the model has all its fields.
            cifrados = [campo.name for campo in sender._meta.concrete_fields if isinstance(campo, EncryptedTextField)]
            self.segredos = tuple(dict.fromkeys([*cifrados, *self.segredos_extras]))
            self.excluded_fields = [*self.fora_do_historico, *self.segredos]
        super().finalize(sender, **kwargs)
        if self.cls is sender:
            modelo_historico = getattr(sender, self.manager_name).model
            if self.segredos:
                pre_save.connect(self._anotar_segredos, sender=sender, weak=False)
            pre_create_historical_record.connect(self._gravar_segredos, sender=modelo_historico, weak=False)

    def create_history_model(self, model, inherited):
        modelo = super().create_history_model(model, inherited)
        # For an app inside a package (brm.webhooks) the library names the package, where the class is not found
        # (`manage.py shell` warns on every start); the models module is where finalize() puts it.
        if not inherited:
            modelo.__module__ = self.module
        return modelo

    def get_meta_options(self, model):
        opcoes = super().get_meta_options(model)
        opcoes["verbose_name"] = f"histórico de {model._meta.verbose_name}"
        opcoes["verbose_name_plural"] = f"históricos de {model._meta.verbose_name_plural}"
        return opcoes

    # Who and where from

    def _get_history_user_fields(self):
        campos = super()._get_history_user_fields()
        # PROTECT rather than the library's SET_NULL: deleting a person must not erase who made a change. People
        # are deactivated, not deleted (docs/api-cadastros.md).
        campos["history_user"] = models.ForeignKey(
            settings.AUTH_USER_MODEL,
            verbose_name="alterado por",
            null=True,
            related_name="+",
            on_delete=models.PROTECT,
        )
        return campos

    def get_history_user(self, instance):
        if hasattr(instance, "_history_user"):
            return instance._history_user
        autor = _autor.get()
        if autor is not None:
            return autor
        return super().get_history_user(instance)

    def get_change_reason_for_object(self, instance, history_type, using):
        explicita = super().get_change_reason_for_object(instance, history_type, using)
        if explicita:
            return explicita
        request = getattr(self.context, "request", None)
        if request is not None:
            return origem_da_requisicao(request)
        return origem_sem_requisicao()

    # What is recorded

    def post_save(self, instance, created, using=None, **kwargs):
        campos = kwargs.get("update_fields")
        if not created and campos is not None and set(campos) <= set(self.fora_do_historico):
            # Last login, counters: not a change anybody made to the record.
            return
        origem = None
        if not created and campos is not None and "_change_reason" not in instance.__dict__:
            escritos = set(campos) - {"updated_at"}
            origem = self.origem_quando_so.get(next(iter(escritos))) if len(escritos) == 1 else None
        if origem is None:
            super().post_save(instance, created, using=using, **kwargs)
            return
        instance._change_reason = origem
        try:
            super().post_save(instance, created, using=using, **kwargs)
        finally:
            del instance._change_reason

    def create_historical_record(self, instance, history_type, using=None):
        if (
            history_type == "~"
            and not instance.__dict__.get("_brm_segredos_alterados")
            and self._igual_ao_ultimo(instance)
        ):
            instance.__dict__.pop("_brm_segredos_alterados", None)
            return
        super().create_historical_record(instance, history_type, using=using)

    def _igual_ao_ultimo(self, instance) -> bool:
        ultimo = getattr(instance, self.manager_name).first()
        if ultimo is None:
            return False
        return all(
            getattr(ultimo, campo.attname) == getattr(instance, campo.attname)
            for campo in self.fields_included(instance)
        )

    def _anotar_segredos(self, sender, instance, raw=False, update_fields=None, **kwargs):
        """Before the save: which secrets this save changes, read against the row still in the database."""
        if raw:
            return
        campos = [campo for campo in self.segredos if update_fields is None or campo in update_fields]
        anteriores = None
        if campos and not instance._state.adding:
            colunas = [sender._meta.get_field(campo).attname for campo in campos]
            anteriores = sender._base_manager.using(kwargs.get("using")).filter(pk=instance.pk).values(*colunas).first()
        if anteriores is None:
            # A new row: the secrets it starts with.
            alterados = [campo for campo in campos if getattr(instance, sender._meta.get_field(campo).attname)]
        else:
            alterados = [
                campo
                for campo in campos
                if (anteriores[sender._meta.get_field(campo).attname] or "")
                != (getattr(instance, sender._meta.get_field(campo).attname) or "")
            ]
        instance.__dict__["_brm_segredos_alterados"] = alterados

    def _gravar_segredos(self, sender, instance, history_instance, **kwargs):
        alterados = instance.__dict__.pop("_brm_segredos_alterados", [])
        history_instance.segredos_alterados = alterados if history_instance.history_type != "-" else []


def historico_iniciar(apps, modelo: str) -> None:
    """One history row per existing record, for a migration that starts a model's history: the first change
    made afterwards then shows what it changed. `modelo` is "app_label.Model"."""
    from django.utils import timezone

    app_label, nome = modelo.split(".")
    Modelo = apps.get_model(app_label, nome)
    Historico = apps.get_model(app_label, f"Historical{nome}")
    nomes = {campo.attname for campo in Modelo._meta.concrete_fields}
    colunas = [
        campo.attname
        for campo in Historico._meta.concrete_fields
        if campo.attname in nomes and not campo.attname.startswith("history_")
    ]
    agora = timezone.now()
    lote = []
    for valores in Modelo._base_manager.values(*colunas).iterator(chunk_size=1000):
        lote.append(Historico(**valores, history_date=agora, history_type="~", history_change_reason=ORIGEM_INICIAL))
        if len(lote) >= 1000:
            Historico.objects.bulk_create(lote)
            lote = []
    if lote:
        Historico.objects.bulk_create(lote)
