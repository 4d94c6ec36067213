"""The filters of the robot jobs' list in the API (`/api/v1/execucoes/`), read by django-filter.

Every filter is a lookup an index answers on its own or together with the list's order (`criado_em`, `id`):
the status, the process, the client and the month go through the process's keys; the text search is the
admin's own (`execucoes_buscar`).
"""

import datetime as dt
import uuid

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field

from brm.common.formatacao import parse_competencia

from .models import Execucao
from .selectors import execucoes_buscar


class CampoCompetencia(forms.CharField):
    """`AAAA-MM` as the first day of that month."""

    def to_python(self, value):
        texto = super().to_python(value)
        return parse_competencia(texto) if texto else None


class CampoDataOuMomento(forms.CharField):
    """A day (`2026-11-28`, the whole day in the system's time zone) or an instant in ISO 8601
    (`2026-11-28T14:30:00-03:00`; without an offset, in the system's time zone)."""

    def to_python(self, value):
        texto = (super().to_python(value) or "").strip()
        if not texto:
            return None
        try:
            if len(texto) == 10:
                return dt.date.fromisoformat(texto)
            momento = dt.datetime.fromisoformat(texto.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(
                "Data inválida: %(valor)s. Use AAAA-MM-DD ou um instante ISO 8601 (2026-11-28T14:30:00-03:00).",
                code="data_invalida",
                params={"valor": repr(texto)},
            ) from None
        return momento if timezone.is_aware(momento) else timezone.make_aware(momento)


def _inicio_do_dia(dia: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(dia, dt.time.min))


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-11"})
class FiltroCompetencia(django_filters.Filter):
    field_class = CampoCompetencia


@extend_schema_field({"type": "string", "example": "2026-11-28"})
class FiltroDataOuMomento(django_filters.Filter):
    """`criado_de` (from that instant, or from the start of that day) and `criado_ate` (up to that instant, or
    to the end of that day): a range over the column itself, so the index on `criado_em` serves it."""

    field_class = CampoDataOuMomento

    def __init__(self, *args, ate: bool = False, **kwargs):
        self.ate = ate
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        if not isinstance(value, dt.datetime):
            if self.ate:
                return qs.filter(**{f"{self.field_name}__lt": _inicio_do_dia(value + dt.timedelta(days=1))})
            return qs.filter(**{f"{self.field_name}__gte": _inicio_do_dia(value)})
        return qs.filter(**{f"{self.field_name}__{'lte' if self.ate else 'gte'}": value})


class FiltroExecucoes(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Execucao.Status.choices, label="Situação (repita o parâmetro para mais de uma)"
    )
    tipo = django_filters.ChoiceFilter(choices=Execucao.Tipo.choices, label="Tipo")
    origem = django_filters.ChoiceFilter(choices=Execucao.Origem.choices, label="Origem")
    processo = django_filters.UUIDFilter(field_name="processo_id", label="Id do processo")
    cliente = django_filters.UUIDFilter(field_name="processo__cliente_id", label="Id do cliente")
    operadora = django_filters.CharFilter(method="filtrar_operadora", label="Código (ou id) da operadora")
    competencia = FiltroCompetencia(field_name="processo__competencia", label="Competência (AAAA-MM)")
    criado_de = FiltroDataOuMomento(field_name="criado_em", label="Criada a partir de (dia ou instante)")
    criado_ate = FiltroDataOuMomento(field_name="criado_em", ate=True, label="Criada até (dia ou instante)")
    busca = django_filters.CharFilter(
        method="filtrar_busca", label="CNPJ (inteiro ou o começo), parte da razão social, conta ou id do trabalho"
    )

    class Meta:
        model = Execucao
        fields = []

    def filtrar_operadora(self, queryset, name, valor):
        try:
            return queryset.filter(processo__cliente__operadora_id=uuid.UUID(valor))
        except ValueError:
            return queryset.filter(processo__cliente__operadora__codigo=valor)

    def filtrar_busca(self, queryset, name, valor):
        return execucoes_buscar(queryset=queryset, termo=valor)
