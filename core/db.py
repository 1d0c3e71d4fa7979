"""Small model helpers shared by every app."""

import uuid

from django.db import models
from django.utils import timezone


class SqlNow(models.Func):
    """NOW(), the seed's column default (Django's Now() compiles to STATEMENT_TIMESTAMP())."""

    template = "NOW()"
    output_field = models.DateTimeField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return "CURRENT_TIMESTAMP", []


def uuid_pk() -> models.UUIDField:
    return models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)


def created_at() -> models.DateTimeField:
    # Python default for the ORM, database default so raw SQL inserts match the seed.
    return models.DateTimeField(default=timezone.now, db_default=SqlNow(), editable=False)


def updated_at() -> models.DateTimeField:
    return models.DateTimeField(auto_now=True, db_default=SqlNow())


def archived() -> models.BooleanField:
    return models.BooleanField(default=False, db_default=False)


class ArchivableQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived=False)

    def archived(self):
        return self.filter(archived=True)
