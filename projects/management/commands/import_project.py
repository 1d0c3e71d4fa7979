"""Import a project archive written by `export_project`, losslessly, all or nothing.

    manage.py import_project <archive.zip> [--as-copy] [--name "New name"] [--actor email]

Without --as-copy every row keeps its UUID, timestamps and content; the import is refused
if the project (or any of its rows) already exists. With --as-copy every row gets a new UUID
(references inside the archive follow) and media files get new storage keys, so a project
can be duplicated in the database it came from.

Everything happens in one transaction. Media files are written to storage inside it and
removed again if anything fails, so a failed import leaves nothing behind. Users are matched
by email; a user missing here is created inactive (no usable password), keeping the
exported id when it is free.
"""

import base64
import hashlib
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, models, transaction

from projects.management.commands.export_project import (
    ACTIVITY,
    FILE_FIELDS,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    REFERENCE_KEYS,
    is_stored_file,
    label,
    user_model_label,
)


class ImportRefused(CommandError):
    pass


class _Importer:
    def __init__(self, zf: zipfile.ZipFile, manifest: dict[str, Any], *, as_copy: bool, name):
        self.zf = zf
        self.manifest = manifest
        self.as_copy = as_copy
        self.name = name
        self.models = [apps.get_model(t["model"]) for t in manifest["tables"]]
        self.graph = set(self.models)
        # Old primary key (as text) → new primary key, per model label.
        self.ids: dict[str, dict[str, Any]] = {}
        self.users: dict[str, Any] = {}
        self.references: dict[str, dict[str, Any]] = {}
        self.media_keys: dict[str, str] = {}
        self.written: list[str] = []
        self.notes: list[str] = []
        self.created: dict[str, int] = {}

    # -- checks before anything is written ---------------------------------------------

    def check(self) -> None:
        project_model = apps.get_model("projects", "Project")
        pid = self.manifest["project_id"]
        if not self.as_copy and project_model._base_manager.filter(pk=pid).exists():
            raise ImportRefused(
                f"Project {pid} already exists here. Use --as-copy to import it with new ids."
            )
        names = set(self.zf.namelist())
        for item in self.manifest["media"]:
            key = item["key"]
            if key.startswith("/") or ".." in Path(key).parts or "\\" in key:
                raise ImportRefused(f"Unsafe storage key in the archive: {key!r}")
            if item["archive_name"] not in names:
                raise ImportRefused(f"The archive lacks {item['archive_name']}.")
            digest = hashlib.sha256()
            with self.zf.open(item["archive_name"]) as member:
                while chunk := member.read(1024 * 1024):
                    digest.update(chunk)
            if digest.hexdigest() != item["sha256"]:
                raise ImportRefused(f"{item['archive_name']} is damaged (checksum differs).")

    # -- references out of the project ------------------------------------------------

    def resolve_users(self) -> None:
        user_model = apps.get_model(settings.AUTH_USER_MODEL)
        for old_id, info in self.manifest["users"].items():
            user = user_model._base_manager.filter(email__iexact=info["email"]).first()
            if user is None:
                free = not user_model._base_manager.filter(pk=old_id).exists()
                user = user_model(
                    email=info["email"].lower(),
                    full_name=info.get("full_name") or "",
                    is_active=False,
                )
                if free:
                    user.pk = uuid.UUID(old_id)
                user.set_unusable_password()
                user.save(force_insert=True)
                self.notes.append(f"created inactive user {user.email}")
            self.users[old_id] = user.pk

    def resolve_references(self) -> None:
        for model_label, rows in self.manifest["references"].items():
            model = apps.get_model(model_label)
            keys = REFERENCE_KEYS.get(model_label, ())
            mapping = self.references.setdefault(model_label, {})
            for old_id, data in rows.items():
                if model._base_manager.filter(pk=old_id).exists():
                    mapping[old_id] = model._meta.pk.to_python(old_id)
                    continue
                match = None
                if keys and data:
                    match = model._base_manager.filter(**{k: data.get(k) for k in keys}).first()
                if match is None and model_label == "projects.projecttype" and data:
                    match = model._base_manager.create(
                        id=old_id,
                        name=data["name"],
                        slug=data["slug"],
                        archived=bool(data.get("archived")),
                    )
                    self.notes.append(f"created project type {data['slug']}")
                mapping[old_id] = match.pk if match is not None else None
                if match is None:
                    self.notes.append(f"{model_label} {old_id} is not here; reference cleared")

    # -- rows ---------------------------------------------------------------------------

    def plan_ids(self) -> None:
        for table, model in zip(self.manifest["tables"], self.models, strict=True):
            pk = model._meta.pk
            mapping = self.ids.setdefault(table["model"], {})
            for row in table["rows"]:
                old = row[pk.attname]
                if isinstance(pk, models.UUIDField):
                    mapping[str(old)] = uuid.uuid4() if self.as_copy else uuid.UUID(str(old))
                else:
                    mapping[str(old)] = None  # auto ids are assigned by the database
        self.all_ids = {
            old: new for per_model in self.ids.values() for old, new in per_model.items() if new
        }

    def _fk_value(self, fk: models.ForeignKey, value: Any, model_label: str) -> tuple[bool, Any]:
        """(keep_row, value) for one foreign key value."""
        if value is None:
            return True, None
        target = fk.related_model
        if target is ContentType:
            app_label, model_name = value.split(".", 1)
            return True, ContentType.objects.get_by_natural_key(app_label, model_name).pk
        if label(target) == user_model_label():
            return True, self.users[str(value)]
        if target in self.graph:
            new = self.ids.get(label(target), {}).get(str(value))
            if new is not None:
                return True, new
            # A link to a row outside the project (e.g. another project's feedback shown as
            # an example): keep it when that row exists here.
            if target._base_manager.filter(pk=value).exists():
                return True, target._meta.pk.to_python(value)
        else:
            mapped = self.references.get(label(target), {}).get(str(value))
            if mapped is not None:
                return True, mapped
        if fk.model._meta.auto_created:
            return False, None  # a many-to-many link to a missing row: drop the link
        if fk.null:
            self.notes.append(f"{model_label}.{fk.name}: {value} is not here; cleared")
            return True, None
        raise ImportRefused(f"{model_label}.{fk.name} points at {value}, which is not here.")

    def _column(self, field: models.Field, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(field, models.BinaryField):
            return base64.b64decode(value)
        if isinstance(field, models.JSONField):
            return value
        return field.to_python(value)

    def build(self, model: type[models.Model], row: dict[str, Any]) -> models.Model | None:
        model_label = label(model)
        fields = {f.attname: f for f in model._meta.concrete_fields}
        data: dict[str, Any] = {}
        for attname, value in row.items():
            field = fields.get(attname)
            if field is None:
                raise ImportRefused(
                    f"{model_label}.{attname} is in the archive but not in this database's "
                    "schema: import into a Max of the same version."
                )
            if field.primary_key:
                new = self.ids[model_label][str(value)]
                if new is not None:
                    data[attname] = new
            elif field.is_relation:
                keep, data[attname] = self._fk_value(field, value, model_label)
                if not keep:
                    return None
            else:
                data[attname] = self._column(field, value)
        # Plain UUID columns that point into the project (an activity's target, a comment's
        # document, an approval step's version: references by kind, not foreign keys)
        # follow the new ids; ids of rows outside the project stay as they are.
        for field in fields.values():
            if (
                isinstance(field, models.UUIDField)
                and not field.primary_key
                and not field.is_relation
                and data.get(field.attname) is not None
            ):
                value = data[field.attname]
                data[field.attname] = self.all_ids.get(str(value), value)
        if model_label == "projects.project" and self.name:
            data["name"] = self.name
        for name in FILE_FIELDS:
            if is_stored_file(data.get(name)):
                data[name] = self.media_keys.get(data[name], data[name])
        obj = model(**data)
        # bulk_create re-stamps auto_now columns; keep the exported values to put back.
        obj._exported = {
            f.attname: data[f.attname]
            for f in fields.values()
            if getattr(f, "auto_now", False) and data.get(f.attname) is not None
        }
        return obj

    # -- media --------------------------------------------------------------------------

    def write_media(self) -> None:
        for item in self.manifest["media"]:
            key = item["key"]
            desired = key
            if self.as_copy:
                for old, new in self.all_ids.items():
                    if old in key:
                        desired = key.replace(old, str(new))
                        break
                else:
                    folder, _, base = key.rpartition("/")
                    desired = (
                        f"{folder}/{uuid.uuid4()}-{base}" if folder else f"{uuid.uuid4()}-{base}"
                    )
            if not self.as_copy and default_storage.exists(key) and self._same(key, item):
                self.media_keys[key] = key  # already there, byte for byte
                continue
            with self.zf.open(item["archive_name"]) as member:
                try:
                    stored = default_storage.save(desired, File(member, name=desired))
                except SuspiciousFileOperation as exc:
                    raise ImportRefused(f"Unsafe storage key {desired!r}: {exc}") from exc
            self.written.append(stored)
            if stored != desired:
                self.notes.append(f"{key} was taken in storage; stored as {stored}")
            self.media_keys[key] = stored

    def _same(self, key: str, item: dict[str, Any]) -> bool:
        digest = hashlib.sha256()
        with default_storage.open(key, "rb") as handle:
            while chunk := handle.read(1024 * 1024):
                digest.update(chunk)
        return digest.hexdigest() == item["sha256"]

    def remove_written(self) -> None:
        for key in self.written:
            default_storage.delete(key)

    # -- all of it ----------------------------------------------------------------------

    def run(self, actor_email: str | None) -> dict[str, Any]:
        self.check()
        try:
            with transaction.atomic():
                self.resolve_users()
                self.resolve_references()
                self.plan_ids()
                self.write_media()
                for table, model in zip(self.manifest["tables"], self.models, strict=True):
                    objs = [self.build(model, row) for row in table["rows"]]
                    objs = [o for o in objs if o is not None]
                    model._base_manager.bulk_create(objs, batch_size=500)
                    self._restore_auto_now(model, objs)
                    self.created[table["model"]] = len(objs)
                project = self._record(actor_email)
        except IntegrityError as exc:
            self.remove_written()
            raise ImportRefused(
                f"Some rows of this archive already exist here ({exc}). "
                "Use --as-copy to import with new ids."
            ) from exc
        except BaseException:
            self.remove_written()
            raise
        return {"project": project, "created": self.created, "notes": self.notes, "ids": self.ids}

    def _restore_auto_now(self, model, objs) -> None:
        if label(model) == ACTIVITY:
            return
        for obj in objs:
            if obj._exported:
                model._base_manager.filter(pk=obj.pk).update(**obj._exported)

    def _record(self, actor_email):
        from accounts.services import activity_record

        user_model = apps.get_model(settings.AUTH_USER_MODEL)
        actor = (
            user_model._base_manager.get(email__iexact=actor_email)
            if actor_email
            else user_model.objects.system_user()
        )
        project_model = apps.get_model("projects", "Project")
        new_pid = self.ids["projects.project"][self.manifest["project_id"]]
        project = project_model._base_manager.get(pk=new_pid)
        activity_record(
            user=actor,
            action="project.import",
            target=project,
            project_id=project.pk,
            details={
                "source_project_id": self.manifest["project_id"],
                "exported_at": self.manifest["exported_at"],
                "as_copy": self.as_copy,
            },
        )
        return project


def import_project(
    *, archive: Path, as_copy: bool = False, name: str | None = None, actor_email=None
) -> dict[str, Any]:
    """Import the archive; returns {"project", "created": counts, "notes", "ids"}."""
    try:
        zf = zipfile.ZipFile(archive)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ImportRefused(f"{archive} is not a readable zip archive: {exc}") from exc
    with zf:
        try:
            manifest = json.loads(zf.read(MANIFEST))
        except KeyError as exc:
            raise ImportRefused(f"{archive} has no {MANIFEST}; not a Max project export.") from exc
        if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
            raise ImportRefused(
                f"{archive} is not a Max project export of version {FORMAT_VERSION}."
            )
        try:
            importer = _Importer(zf, manifest, as_copy=as_copy, name=name)
        except LookupError as exc:
            raise ImportRefused(f"The archive has a table this database lacks: {exc}") from exc
        return importer.run(actor_email)


class Command(BaseCommand):
    help = "Import a project archive made by export_project (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--as-copy",
            action="store_true",
            help="Give every row a new id (to duplicate a project that exists here).",
        )
        parser.add_argument("--name", help="A new name for the imported project.")
        parser.add_argument(
            "--actor", help="Email of the user the import is recorded as (default: system)."
        )

    def handle(self, *args, archive, as_copy, name, actor, **options):
        if not archive.is_file():
            raise CommandError(f"{archive} does not exist.")
        result = import_project(archive=archive, as_copy=as_copy, name=name, actor_email=actor)
        project = result["project"]
        self.stdout.write(f"Imported “{project.name}” as project {project.pk}")
        for table, n in result["created"].items():
            self.stdout.write(f"  {table:<46} {n:>7}")
        for note in result["notes"]:
            self.stdout.write(f"  note: {note}")
