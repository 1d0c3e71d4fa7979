"""Export one project — every row and every stored file — into a single zip archive.

    manage.py export_project <project_id> <archive.zip>

The archive holds `manifest.json` (format, counts, the rows of every table, the users and
shared rows they refer to) and `media/<storage key>` for each stored file. `import_project`
reads it back losslessly.

Which tables: the project, then every model with a foreign key into rows already taken
(audio files → transcriptions → versions, translations, summaries, feedback, voice-overs,
many-to-many links…), found by walking the models, so a table added later is exported
without touching this file. Plus the audit trail rows of the project and of those objects.
Jobs (operational state, reached only by generic relations) are not exported.

References out of the project are written as natural keys: users by email, content types
by app label and model, project types by slug, prompt versions by template name and
version number.
"""

import base64
import hashlib
import json
import uuid
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import models
from django.db.models import Q
from django.utils import timezone

FORMAT = "max-project-export"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
CHUNK_BYTES = 1024 * 1024

# Shared rows a project points at, identified across databases by these fields.
REFERENCE_KEYS: dict[str, tuple[str, ...]] = {
    "projects.projecttype": ("slug",),
    "summaries.promptversion": ("template__template_name", "version_number"),
}
ACTIVITY = "accounts.activity"
# Shared tables that may point into a project but belong to everyone: a speaker's glossary
# term names a transcript's speaker, yet the glossary is not the project's to export.
SHARED = {"glossary.dictionaryentry"}
# Storage-backed columns; values with a scheme (sonix://…) are not in storage.
FILE_FIELDS = ("file_path",)


def label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def user_model_label() -> str:
    return settings.AUTH_USER_MODEL.lower()


def to_json(value: Any) -> Any:
    """JSON value of a column, exact (full microseconds, Decimal as text)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    return value


def foreign_keys(model: type[models.Model]) -> list[models.ForeignKey]:
    return [f for f in model._meta.concrete_fields if f.is_relation and f.many_to_one]


def is_stored_file(value: Any) -> bool:
    return isinstance(value, str) and bool(value) and "://" not in value


def project_models(project_model: type[models.Model]) -> list[tuple[type[models.Model], list]]:
    """Models in the project's graph, parents first, each with its FKs into the graph."""
    taken: list[type[models.Model]] = [project_model]
    candidates = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m is not project_model
        and label(m) != ACTIVITY
        and label(m) not in SHARED
        and not m._meta.proxy
    ]
    changed = True
    while changed:
        changed = False
        for model in candidates:
            if model not in taken and any(f.related_model in taken for f in foreign_keys(model)):
                taken.append(model)
                changed = True
    # FKs are listed after the walk, so a model's FK to one placed later (a transcription's
    # final_version → its versions) counts too.
    return [(m, [f for f in foreign_keys(m) if f.related_model in taken]) for m in taken]


def _field_names(model) -> list[models.Field]:
    return list(model._meta.concrete_fields)


def collect(project) -> dict[str, Any]:
    """All rows of the project's graph as {label: [row dicts]}, in insertion order."""
    project_model = type(project)
    graph = project_models(project_model)
    ids: dict[type[models.Model], set] = {m: set() for m, _ in graph}
    rows: dict[type[models.Model], dict[Any, models.Model]] = {m: {} for m, _ in graph}
    rows[project_model][project.pk] = project_model._base_manager.get(pk=project.pk)
    ids[project_model].add(project.pk)
    # Grow to a fixed point: a row can join through any of its FKs into the graph.
    grew = True
    while grew:
        grew = False
        for model, links in graph[1:]:
            condition = Q()
            for fk in links:
                if ids[fk.related_model]:
                    condition |= Q(**{f"{fk.attname}__in": ids[fk.related_model]})
            if not condition:
                continue
            for obj in model._base_manager.filter(condition).exclude(pk__in=ids[model]):
                rows[model][obj.pk] = obj
                ids[model].add(obj.pk)
                grew = True

    # The project's own history, and that of its objects (written without project_id).
    object_ids = [pk for model_ids in ids.values() for pk in model_ids if isinstance(pk, uuid.UUID)]
    activity_model = apps.get_model(ACTIVITY)
    activity = list(
        activity_model._base_manager.filter(Q(project_id=project.pk) | Q(target_id__in=object_ids))
        .select_related("target_type")
        .order_by("created_at", "id")
    )
    tables = [(model, list(rows[model].values())) for model, _ in graph]
    tables.append((activity_model, activity))
    return {"tables": tables}


def serialize_row(obj: models.Model) -> dict[str, Any]:
    row = {}
    for field in _field_names(type(obj)):
        # The stored value: an older version's `json_with_timestamps` attribute would rebuild
        # its whole JSON from the delta (documents/fields.py) that is exported beside it.
        loaded = obj.__dict__
        value = loaded[field.attname] if field.attname in loaded else getattr(obj, field.attname)
        if field.is_relation and field.related_model is ContentType and value is not None:
            ct = ContentType.objects.get_for_id(value)
            value = f"{ct.app_label}.{ct.model}"
        row[field.attname] = to_json(value)
    return row


def _reference(model: type[models.Model], pk: Any) -> dict[str, Any]:
    keys = REFERENCE_KEYS.get(label(model), ())
    columns = dict.fromkeys([*keys, *_plain_fields(model)])
    values = model._base_manager.filter(pk=pk).values(*columns).first()
    return {k: to_json(v) for k, v in (values or {}).items()}


def _plain_fields(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if not f.is_relation]


def build_manifest(project) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The manifest dict, and the media files to copy: [{key, archive_name, row}]."""
    collected = collect(project)
    user_label = user_model_label()
    graph_models = {model for model, _ in collected["tables"]}
    users: dict[str, dict[str, Any]] = {}
    references: dict[str, dict[str, dict[str, Any]]] = {}
    tables = []
    media = []
    counts = {}
    for model, objs in collected["tables"]:
        fks = foreign_keys(model)
        serialized = []
        for obj in objs:
            row = serialize_row(obj)
            for fk in fks:
                value = getattr(obj, fk.attname)
                if value is None or fk.related_model in graph_models:
                    continue
                if label(fk.related_model) == user_label:
                    users.setdefault(str(value), {})
                elif fk.related_model is not ContentType:
                    refs = references.setdefault(label(fk.related_model), {})
                    if str(value) not in refs:
                        refs[str(value)] = _reference(fk.related_model, value)
            for name in FILE_FIELDS:
                value = row.get(name)
                if name in row and is_stored_file(value):
                    media.append({"key": value, "archive_name": MEDIA_PREFIX + value})
            serialized.append(row)
        tables.append({"model": label(model), "rows": serialized})
        counts[label(model)] = len(serialized)
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    for user in user_model._base_manager.filter(pk__in=list(users)):
        users[str(user.pk)] = {
            "email": user.email,
            "full_name": getattr(user, "full_name", "") or "",
            "is_active": user.is_active,
        }
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "project_id": str(project.pk),
        "project_name": project.name,
        "counts": counts,
        "users": users,
        "references": references,
        "tables": tables,
        "media": [],
    }
    # One entry per storage key, even when two rows share a file.
    unique_media = list({m["key"]: m for m in media}.values())
    return manifest, unique_media


def _chunks(handle) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK_BYTES):
        yield chunk


def export_project(*, project_id, archive: Path) -> dict[str, Any]:
    """Write the archive; returns the manifest (without rows) for reporting."""
    project_model = apps.get_model("projects", "Project")
    project = project_model._base_manager.filter(pk=project_id).first()
    if project is None:
        raise CommandError(f"No project with id {project_id}.")
    manifest, media = build_manifest(project)
    archive = Path(archive)
    partial = archive.with_name(archive.name + ".partial")
    missing = []
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            for item in media:
                if not default_storage.exists(item["key"]):
                    missing.append(item["key"])
                    continue
                digest = hashlib.sha256()
                size = 0
                # Audio is already compressed: store it, don't deflate it again.
                with (
                    default_storage.open(item["key"], "rb") as source,
                    zf.open(
                        zipfile.ZipInfo(item["archive_name"], date_time=(1980, 1, 1, 0, 0, 0)),
                        "w",
                        force_zip64=True,
                    ) as target,
                ):
                    for chunk in _chunks(source):
                        digest.update(chunk)
                        size += len(chunk)
                        target.write(chunk)
                manifest["media"].append({**item, "sha256": digest.hexdigest(), "size": size})
            manifest["missing_media"] = missing
            zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        partial.replace(archive)
    finally:
        partial.unlink(missing_ok=True)
    return {k: v for k, v in manifest.items() if k != "tables"}


class Command(BaseCommand):
    help = "Export a project (all rows, all versions, media files) into one zip archive."

    def add_arguments(self, parser):
        parser.add_argument("project_id", type=uuid.UUID)
        parser.add_argument("archive", type=Path)

    def handle(self, *args, project_id, archive, **options):
        if archive.exists():
            raise CommandError(f"{archive} already exists; choose another name.")
        if not archive.parent.is_dir():
            raise CommandError(f"Folder {archive.parent} does not exist.")
        summary = export_project(project_id=project_id, archive=archive)
        self.stdout.write(f"Exported “{summary['project_name']}” ({project_id}) to {archive}")
        for table, n in summary["counts"].items():
            self.stdout.write(f"  {table:<46} {n:>7}")
        size = sum(m["size"] for m in summary["media"])
        self.stdout.write(f"  {'media files':<46} {len(summary['media']):>7}  ({size} bytes)")
        for key in summary["missing_media"]:
            self.stderr.write(self.style.WARNING(f"  missing from storage, not exported: {key}"))
