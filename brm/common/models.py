import uuid

from django.db import models


class BaseModel(models.Model):
    """What every table of the project has: a UUID key and when the row was created and last changed."""

    id = models.UUIDField("id", primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField("criado em", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField("atualizado em", auto_now=True)

    class Meta:
        abstract = True
