"""Reads of the operadoras app."""

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet

from .models import Operadora


def operadoras_com_clientes_ativos(queryset: QuerySet[Operadora] | None = None) -> QuerySet[Operadora]:
    """The operators with `clientes_ativos`: how many of their clients are active."""
    queryset = Operadora.objects.all() if queryset is None else queryset
    return queryset.annotate(clientes_ativos=Count("clientes", filter=Q(clientes__ativo=True)))


def operadoras_codigos_desconhecidos(*, codigos: Iterable[str]) -> list[str]:
    """The codes in `codigos` that name no operator, in the order given."""
    codigos = list(codigos)
    conhecidos = set(Operadora.objects.filter(codigo__in=codigos).values_list("codigo", flat=True))
    return [codigo for codigo in codigos if codigo not in conhecidos]
