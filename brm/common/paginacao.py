"""Paging lists of millions of rows without counting them all on every page."""

import json

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property


class PaginadorEstimado(Paginator):
    """Counts exactly up to `limite_exato` rows; beyond that, on PostgreSQL, takes the planner's estimate.

    A COUNT(*) over a million processes costs more than the page itself, and nobody needs to know it is
    1.000.213 rather than about a million. The bounded count reads at most `limite_exato + 1` index
    entries; the estimate is one EXPLAIN. `estimado` says which one `count` is, for the page to say
    "cerca de". SQLite installations are small and count exactly.

    A page after the first is read in two steps: the ids of its rows, where the offset walks only an index
    (one that carries the id, for PostgreSQL to answer from the index alone), then those rows with their
    joins. In one step the database would join every row it skips.
    """

    limite_exato = 10_000
    estimado = False

    @cached_property
    def count(self) -> int:
        consulta = self.object_list.order_by()
        if connections[consulta.db].vendor != "postgresql":
            return consulta.count()
        limitada = consulta[: self.limite_exato + 1].count()
        if limitada <= self.limite_exato:
            return limitada
        self.estimado = True
        plano = json.loads(consulta.explain(format="json"))
        return max(int(plano[0]["Plan"]["Plan Rows"]), limitada)

    def page(self, number):
        number = self.validate_number(number)
        inicio = (number - 1) * self.per_page
        fim = inicio + self.per_page
        if fim + self.orphans >= self.count:
            fim = self.count
        linhas = self.object_list
        if inicio > 0:
            ids = list(linhas.values_list("pk", flat=True)[inicio:fim])
            return self._get_page(linhas.filter(pk__in=ids), number, self)
        return self._get_page(linhas[inicio:fim], number, self)


class ListaGrandeMixin:
    """An admin list of a table that grows by the million: an estimated count, and no counts per filter option."""

    paginator = PaginadorEstimado
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
