"""The filters of processes, one definition for the API and the pages that filter the same things.

`FiltroProcessos` is the API's (`/api/v1/processos/`); `FiltroFilaAprovacao` is the approval queue page's, made
of the same filter fields, so a month or an operator written wrong is refused with the same sentence in both
(the API answers 400 with it, the page shows it and ignores the filter).
"""

import datetime as dt
import re
import uuid

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from brm.common.formatacao import parse_competencia

from .models import Processo
from .selectors import ORDENS_PROCESSOS, processos_buscar

_MES_ANO = re.compile(r"(\d{1,2})/(\d{4})")
_DATA = re.compile(r"\d{4}-\d{2}-\d{2}")
_CODIGO = re.compile(r"[A-Za-z0-9_-]{1,50}")


class CampoCompetencia(forms.CharField):
    """A month as `AAAA-MM`, `MM/AAAA` or any date of it (`AAAA-MM-DD`); the first day of that month."""

    def to_python(self, value):
        texto = (super().to_python(value) or "").strip()
        if not texto:
            return None
        if casamento := _MES_ANO.fullmatch(texto):
            texto = f"{casamento.group(2)}-{int(casamento.group(1)):02d}"
        elif _DATA.fullmatch(texto):
            try:
                data = dt.date.fromisoformat(texto)
            except ValueError:
                pass
            else:
                texto = f"{data:%Y-%m}"
        return parse_competencia(texto)


class CampoOperadora(forms.CharField):
    """An operator by its id (UUID) or by its code (`vivo`)."""

    def to_python(self, value):
        texto = (super().to_python(value) or "").strip()
        if not texto:
            return None
        try:
            return uuid.UUID(texto)
        except ValueError:
            pass
        if _CODIGO.fullmatch(texto):
            return texto.lower()
        raise ValidationError(
            "Operadora inválida: %(valor)s. Informe o id (UUID) ou o código da operadora (por exemplo vivo).",
            code="operadora_invalida",
            params={"valor": repr(texto)},
        )


@extend_schema_field(OpenApiTypes.STR)
class FiltroCompetencia(django_filters.Filter):
    field_class = CampoCompetencia

    def filter(self, qs, value):
        return qs if value is None else qs.filter(competencia=value)


@extend_schema_field(OpenApiTypes.STR)
class FiltroOperadora(django_filters.Filter):
    field_class = CampoOperadora

    def filter(self, qs, value):
        if value is None:
            return qs
        # By code through the join: no query of its own to look the operator up.
        if isinstance(value, uuid.UUID):
            return qs.filter(cliente__operadora_id=value)
        return qs.filter(cliente__operadora__codigo=value)


def _competencia():
    return FiltroCompetencia(label="Competência: AAAA-MM (ou uma data do mês)")


def _operadora():
    return FiltroOperadora(label="Operadora: id ou código")


class FiltroFilaAprovacao(django_filters.FilterSet):
    """The approval queue's filters (processos/views/aprovacao.py)."""

    competencia = _competencia()
    operadora = _operadora()

    class Meta:
        model = Processo
        fields = []


class FiltroProcessos(django_filters.FilterSet):
    """The API's filters of processes; every ordering is one the list indexes serve (`ORDENS_PROCESSOS`)."""

    status = django_filters.MultipleChoiceFilter(
        choices=Processo.Status.choices,
        label="Situação (repita o parâmetro para mais de uma)",
        # One status per row: no DISTINCT needed, and DISTINCT over every column costs more than the page.
        distinct=False,
    )
    competencia = _competencia()
    operadora = _operadora()
    cliente = django_filters.UUIDFilter(field_name="cliente_id", label="Cliente (id)")
    busca = django_filters.CharFilter(
        method="filtrar_busca", label="CNPJ (inteiro ou o começo), parte da razão social, conta ou número da fatura"
    )
    ordem = django_filters.ChoiceFilter(
        choices=[(ordem, ordem) for ordem in ORDENS_PROCESSOS],
        method="ordenar",
        label="Ordem: -competencia (padrão), competencia, status, -status, valor_total, -valor_total",
        empty_label=None,
    )

    class Meta:
        model = Processo
        fields = []

    def filtrar_busca(self, queryset, name, valor):
        return processos_buscar(queryset=queryset, termo=valor)

    def ordenar(self, queryset, name, valor):
        return queryset.order_by(*ORDENS_PROCESSOS[valor])
