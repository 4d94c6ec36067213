"""The audit trail in the admin: the "Histórico" page of a record lists each change, who made it, when, from
where, and what changed (field: before → after), secrets only as "alterado"."""

import datetime as dt
import json

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from .formatacao import formatar_instante

VAZIO = "—"
ALTERADO = "alterado"


class MudancasDoRegistro(HistoricalRecordContextHelper):
    """What changed in one history row, as people read it: labels of choices, Sim/Não, dates on the system's
    clock, "—" for nothing."""

    def prepare_delta_change_value(self, change, value):
        campo = self.model._meta.get_field(change.field)
        if value is None or value == "" or value == [] or value == {}:
            return VAZIO
        if isinstance(value, DeletedObject):
            return f"{value.model._meta.verbose_name} excluído(a)"
        if campo.choices:
            return str(dict(campo.flatchoices).get(value, value))
        if isinstance(value, bool):
            return "Sim" if value else "Não"
        if isinstance(value, dt.datetime):
            return formatar_instante(value)
        if isinstance(value, dt.date):
            return value.strftime("%d/%m/%Y")
        if isinstance(campo, models.JSONField):
            return json.dumps(value, ensure_ascii=False, sort_keys=True)
        return super().prepare_delta_change_value(change, value)


class AuditoriaAdminMixin(SimpleHistoryAdmin):
    """Puts the audit trail on a model admin's "Histórico" page (the model has `history = HistoricoAuditado()`).

    Whoever may see the record may see its history. No page shows or restores an old version as a form:
    simple-history's would save whatever is posted to it, outside the services and the change permission.
    """

    object_history_template = "admin/auditoria/historico.html"
    history_list_per_page = 50

    def get_urls(self):
        # Skips SimpleHistoryAdmin's own URL (one old version as a form); keeps every other admin's.
        return super(SimpleHistoryAdmin, self).get_urls()

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        raise PermissionDenied

    def history_view_title(self, request, obj):
        return f"Histórico de alterações: {obj}"

    def get_historical_record_context_helper(self, request, historical_record):
        return MudancasDoRegistro(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        registros = list(historical_records)
        if not registros:
            return
        # The oldest row of a page is compared with the one before it, on the next page.
        ultimo = registros[-1]
        anteriores = [*registros[1:], ultimo.prev_record if ultimo.history_type != "+" else None]
        ordem = {campo.name: posicao for posicao, campo in enumerate(self.model._meta.fields)}
        for registro, anterior in zip(registros, anteriores, strict=True):
            mudancas = []
            if registro.history_type == "~" and anterior is not None:
                delta = registro.diff_against(anterior, foreign_keys_are_objs=foreign_keys_are_objs)
                delta.changes.sort(key=lambda mudanca: ordem.get(mudanca.field, len(ordem)))
                mudancas = self.get_historical_record_context_helper(request, registro).context_for_delta_changes(delta)
            for campo in registro.segredos_alterados or []:
                rotulo = capfirst(self.model._meta.get_field(campo).verbose_name)
                mudancas.append({"field": rotulo, "segredo": True, "new": ALTERADO})
            registro.history_delta_changes = mudancas
