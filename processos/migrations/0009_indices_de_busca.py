"""Indexes for the searches of `processos.selectors.listas` that a model's Meta cannot describe.

On PostgreSQL: trigram (pg_trgm) GIN indexes on the very expression Django's `icontains` writes,
UPPER(column::text), for the client's name and the timeline's reason; and the CNPJ with
varchar_pattern_ops, so a prefix LIKE uses an index whatever the database's collation. On every database:
the client's account, compared exactly. They live here, next to the searches that need them.
"""

from django.db import migrations

EM_TODOS = [
    ("CREATE INDEX IF NOT EXISTS cliente_conta_idx ON clientes_cliente (conta)", "cliente_conta_idx"),
]
SO_POSTGRESQL = [
    (
        "CREATE INDEX IF NOT EXISTS cliente_razao_social_trgm_idx ON clientes_cliente "
        "USING gin (UPPER(razao_social::text) gin_trgm_ops)",
        "cliente_razao_social_trgm_idx",
    ),
    (
        "CREATE INDEX IF NOT EXISTS cliente_cnpj_prefixo_idx ON clientes_cliente (cnpj varchar_pattern_ops)",
        "cliente_cnpj_prefixo_idx",
    ),
    (
        "CREATE INDEX IF NOT EXISTS processoevento_motivo_trgm_idx ON processos_processoevento "
        "USING gin (UPPER(motivo::text) gin_trgm_ops)",
        "processoevento_motivo_trgm_idx",
    ),
]


def _indices(schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        return EM_TODOS + SO_POSTGRESQL
    return EM_TODOS


def criar(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for sql, _ in _indices(schema_editor):
        schema_editor.execute(sql)


def apagar(apps, schema_editor):
    # The extension stays: something else may use it.
    for _, nome in _indices(schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {nome}")


class Migration(migrations.Migration):
    dependencies = [
        ("clientes", "0001_initial"),
        ("processos", "0008_indices_das_listas"),
    ]

    operations = [migrations.RunPython(criar, apagar, elidable=False)]
