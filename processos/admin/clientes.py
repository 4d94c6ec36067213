"""The processos action on the clients' list: "Criar processos deste mês para os clientes selecionados".

It lives here, not in clientes/admin.py: clientes sits below processos, so processos extends the clients'
admin and never the reverse.
"""

from django.contrib import admin, messages

from brm.common.formatacao import formatar_competencia
from clientes.admin import ClienteAdmin

from ..services import processos_criar_mensais


def has_criar_processos_mensais_permission(modeladmin, request):
    return request.user.has_perm("processos.criar_processos_mensais")


@admin.action(
    description="Criar processos deste mês para os clientes selecionados", permissions=["criar_processos_mensais"]
)
def criar_processos_do_mes(modeladmin, request, queryset):
    ids = list(queryset.values_list("pk", flat=True))
    resultado = processos_criar_mensais(cliente_ids=ids)
    modeladmin.message_user(
        request,
        f"Competência {formatar_competencia(resultado.competencia)}: {resultado.criados} processos criados, "
        f"{resultado.existentes} já existiam.",
        messages.SUCCESS,
    )
    ignorados = len(ids) - resultado.elegiveis
    if ignorados:
        modeladmin.message_user(
            request,
            f"{ignorados} cliente(s) selecionado(s) ficaram de fora por estarem inativos ou em operadora inativa.",
            messages.WARNING,
        )


ClienteAdmin.has_criar_processos_mensais_permission = has_criar_processos_mensais_permission
ClienteAdmin.actions = [*ClienteAdmin.actions, criar_processos_do_mes]
