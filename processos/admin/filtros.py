"""Filters of the admin's lists for the sets the painel counts, so each number there links to exactly its rows.

Each asks the same selector as the painel. The month and the status come from the lists' other filters
(`competencia`, `status__exact`), the due date from a plain field lookup (`vencimento__lte`).
"""

from django.contrib import admin
from django.utils import timezone

from ..selectors import execucoes_falhas_a_reexecutar, processos_atrasados

SIM = "sim"


class AtrasadaFilter(admin.SimpleListFilter):
    title = "fatura atrasada"
    parameter_name = "atrasada"

    def lookups(self, request, model_admin):
        return [(SIM, "Passou do dia de emissão e ainda aguarda download")]

    def queryset(self, request, queryset):
        if self.value() != SIM:
            return queryset
        # The date in America/Sao_Paulo, as on the painel.
        return processos_atrasados(hoje=timezone.localdate(), queryset=queryset)


class FalhaAReexecutarFilter(admin.SimpleListFilter):
    title = "falha a reexecutar"
    parameter_name = "a_reexecutar"

    def lookups(self, request, model_admin):
        return [(SIM, "Falhas que ainda esperam alguém")]

    def queryset(self, request, queryset):
        if self.value() != SIM:
            return queryset
        return execucoes_falhas_a_reexecutar(queryset)
