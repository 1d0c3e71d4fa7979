"""The version models' `json_with_timestamps` field: an older version's JSON is rebuilt from
its reverse delta when read (DESIGN.md "Version storage"), so code that reads the attribute
of any version gets that version's timings."""

from __future__ import annotations

from django.db import models
from django.db.models.query_utils import DeferredAttribute


class _RebuiltJSON(DeferredAttribute):
    # A data descriptor (it has __set__), so reads come here even when the row's value is
    # loaded; the value itself stays in the instance's __dict__, as Django keeps it.
    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value

    def __get__(self, instance, cls=None):
        value = super().__get__(instance, cls)
        if instance is None or value is not None or getattr(instance, "json_delta", None) is None:
            return value
        from documents.selectors import version_content

        return version_content(instance)[1]


class VersionJSONField(models.JSONField):
    """A JSONField whose value, on a row that keeps a `json_delta` instead, is rebuilt."""

    descriptor_class = _RebuiltJSON

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs
