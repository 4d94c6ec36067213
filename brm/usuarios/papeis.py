"""The four roles and their permissions, as group names and permission codenames.

A data migration creates the groups from this table; later migrations that add models extend it and
apply it again. Each entry is `app_label: [codenames]`.
"""

from django.contrib.auth.models import Group

GRUPOS = {
    "ADMIN": "Administradores",
    "OPERADOR": "Operadores",
    "APROVADOR": "Aprovadores",
    "LEITURA": "Leitura",
}


def _crud(modelo: str, *acoes: str) -> list[str]:
    return [f"{acao}_{modelo}" for acao in acoes]


_VER = ("view",)
_TUDO = ("view", "add", "change", "delete")

PERMISSOES = {
    "ADMIN": {
        "usuarios": _crud("usuario", *_TUDO),
        "auth": _crud("group", "view"),
        "operadoras": _crud("operadora", *_TUDO),
        "clientes": _crud("cliente", *_TUDO),
        "processos": _crud("processo", *_TUDO)
        + _crud("processoevento", "view")
        + _crud("execucao", "view", "change")
        + _crud("execucaoevento", "view")
        + _crud("execucaolog", "view")
        + ["aprovar_processo", "enviar_fatura", "criar_processos_mensais"],
        "agendamentos": _crud("agendamento", *_TUDO) + _crud("agendamentoexecucao", "view"),
        "rpa": _crud("configuracaorpa", "view", "change"),
        "api": _crud("tokendeservico", "view", "add", "change"),
        "webhooks": _crud("webhook", *_TUDO) + _crud("entregawebhook", "view") + _crud("tentativaentrega", "view"),
        "alertas": _crud("configuracaodealertas", "view", "change")
        + _crud("destinatariodealerta", *_TUDO)
        + _crud("eventodealerta", "view")
        + _crud("enviodealerta", "view"),
        # Lifting a lockout deletes its attempts; unlinking an SSO account deletes the link.
        "entrada": _crud("tentativadeentrada", "view", "delete")
        + _crud("entradaregistrada", "view")
        + _crud("contaexterna", "view", "delete"),
        "django_celery_beat": _crud("periodictask", "view")
        + _crud("crontabschedule", "view")
        + _crud("intervalschedule", "view")
        + _crud("clockedschedule", "view")
        + _crud("solarschedule", "view"),
    },
    "OPERADOR": {
        "operadoras": _crud("operadora", "view", "add", "change"),
        "clientes": _crud("cliente", "view", "add", "change"),
        "processos": _crud("processo", "view", "change")
        + _crud("processoevento", "view")
        + _crud("execucao", "view", "change")
        + _crud("execucaoevento", "view")
        + _crud("execucaolog", "view")
        + ["enviar_fatura", "criar_processos_mensais"],
        "agendamentos": _crud("agendamento", "view") + _crud("agendamentoexecucao", "view"),
    },
    "APROVADOR": {
        "operadoras": _crud("operadora", "view"),
        "clientes": _crud("cliente", "view"),
        "processos": _crud("processo", "view")
        + _crud("processoevento", "view")
        + _crud("execucao", "view")
        + _crud("execucaoevento", "view")
        + _crud("execucaolog", "view")
        + ["aprovar_processo"],
    },
    "LEITURA": {
        "operadoras": _crud("operadora", "view"),
        "clientes": _crud("cliente", "view"),
        "processos": _crud("processo", "view")
        + _crud("processoevento", "view")
        + _crud("execucao", "view")
        + _crud("execucaoevento", "view")
        + _crud("execucaolog", "view"),
        "agendamentos": _crud("agendamento", "view") + _crud("agendamentoexecucao", "view"),
    },
}


def _de_modelo_ainda_inexistente(codename: str, modelos: set[str]) -> bool:
    acao, _, modelo = codename.partition("_")
    return acao in _TUDO and modelo not in modelos


def grupo_do_papel_aplicar(*, usuario, papel: str) -> None:
    """Make the user's groups exactly the group of `papel`."""
    usuario.groups.set([Group.objects.get(name=GRUPOS[papel])])


def aplicar_papeis(apps, permissoes: dict = PERMISSOES) -> None:
    """Create the role groups and set exactly the permissions of `permissoes` (run from migrations)."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; create them now so the groups can reference them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for papel, nome in GRUPOS.items():
        grupo, _ = Group.objects.get_or_create(name=nome)
        escolhidas = []
        for app_label, codenames in permissoes[papel].items():
            # A model that a later migration adds has no permissions yet here: that migration applies the
            # table again, and the test of the migrated database checks that every role has all of it.
            try:
                app_config = apps.get_app_config(app_label)
            except LookupError:
                # An app whose first migration has not run yet (the order of independent apps is the migration
                # graph's to choose): its own roles migration applies the table again.
                continue
            modelos = {modelo._meta.model_name for modelo in app_config.get_models()}
            codenames = [codename for codename in codenames if not _de_modelo_ainda_inexistente(codename, modelos)]
            encontradas = list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
            faltando = set(codenames) - {p.codename for p in encontradas}
            if faltando:
                raise RuntimeError(f"Permissões inexistentes para o papel {papel}: {app_label}.{sorted(faltando)}")
            escolhidas.extend(encontradas)
        grupo.permissions.set(escolhidas)
