from django.apps import apps
from django.db import connection, transaction

from . import crypto
from .fields import EncryptedTextField


@transaction.atomic
def segredos_recifrar() -> dict[str, int]:
    """Re-encrypt every encrypted column with the newest key (after a new key is put first in FERNET_KEYS).

    Works on the raw column values so no plaintext is ever held in model instances or logged.
    """
    resultado = {}
    for modelo in apps.get_models():
        campos = [f for f in modelo._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if not campos:
            continue
        tabela = connection.ops.quote_name(modelo._meta.db_table)
        pk = connection.ops.quote_name(modelo._meta.pk.column)
        total = 0
        with connection.cursor() as cursor:
            for campo in campos:
                coluna = connection.ops.quote_name(campo.column)
                cursor.execute(f"SELECT {pk}, {coluna} FROM {tabela} WHERE {coluna} <> ''")
                linhas = cursor.fetchall()
                for chave, token in linhas:
                    cursor.execute(
                        f"UPDATE {tabela} SET {coluna} = %s WHERE {pk} = %s", [crypto.recifrar(token), chave]
                    )
                total += len(linhas)
        resultado[modelo._meta.label] = total
    return resultado
