"""Reads of the clientes app: the list, its search, and an operator named by id or code."""

import uuid
from functools import reduce
from operator import and_, or_

from django.db.models import Q, QuerySet

from brm.common.busca import termo_interpretar
from operadoras.models import Operadora

from .models import Cliente

# What the client search compares each typed word with (the admin's `search_fields` too).
CAMPOS_DE_BUSCA = ("razao_social", "cnpj", "conta", "unidade", "codigo_sat")


def clientes_lista() -> QuerySet[Cliente]:
    """Every client with its operator, in name order (ties broken by id, so pages never overlap)."""
    return Cliente.objects.select_related("operadora").order_by("razao_social", "id")


def clientes_buscar(*, queryset: QuerySet[Cliente], termo: str) -> QuerySet[Cliente]:
    """The clients of `queryset` matching `termo`, read as the admin's search reads it.

    A whole CNPJ, with or without punctuation, is one exact match. Otherwise every word must appear in one
    of `CAMPOS_DE_BUSCA`; the start of a CNPJ typed with its punctuation (`12.345.678`) also finds the
    company's accounts by prefix.
    """
    busca = termo_interpretar(termo)
    if not busca.texto:
        return queryset
    if busca.cnpj:
        return queryset.filter(cnpj=busca.cnpj)
    palavras = [
        reduce(or_, (Q(**{f"{campo}__icontains": palavra}) for campo in CAMPOS_DE_BUSCA))
        for palavra in busca.texto.split()
    ]
    condicao = reduce(and_, palavras)
    if busca.prefixo_cnpj:
        condicao |= Q(cnpj__startswith=busca.prefixo_cnpj)
    return queryset.filter(condicao)


def operadora_pela_referencia(referencia: str) -> Operadora | None:
    """The operator with this id, or else with this code; None when neither matches."""
    referencia = str(referencia or "").strip()
    if not referencia:
        return None
    try:
        pk = uuid.UUID(referencia)
    except ValueError:
        return Operadora.objects.filter(codigo=referencia).first()
    return Operadora.objects.filter(pk=pk).first()
