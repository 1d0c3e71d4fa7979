"""Projects: create, edit, archive, restore. Every write goes through here."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from accounts.services import activity_record, set_archived
from core.stale import refuse_stale
from projects.models import Project, ProjectType

METADATA_KEYS = ("location", "date", "misc")


def _clean_metadata(metadata: dict[str, Any] | None) -> dict[str, str]:
    metadata = metadata or {}
    cleaned = {key: str(metadata.get(key) or "").strip() for key in METADATA_KEYS}
    # The project's default speaker (segments without a speaker are theirs; DESIGN.md
    # "Speakers and segments"): kept only when given, else SPEAKER_NAME applies.
    speaker = " ".join(str(metadata.get("speaker") or "").split())
    if speaker:
        cleaned["speaker"] = speaker
    return cleaned


def project_validate(*, project: Project | None, name: str, project_type: ProjectType) -> str:
    """The rules of a project's fields, for forms (the admin's among them) to show before
    saving; the services apply them again under the row lock. Returns the cleaned name."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A project needs a name."})
    if project is not None and project.archived:
        raise ValidationError("This project is archived; restore it before editing it.")
    if project_type.archived and (project is None or project_type.pk != project.project_type_id):
        raise ValidationError(
            {"project_type": f"The project type “{project_type.name}” is archived."}
        )
    return name


def project_create(
    *,
    user,
    name: str,
    project_type: ProjectType,
    metadata: dict[str, Any] | None = None,
    requires_approval: bool = False,
) -> Project:
    name = project_validate(project=None, name=name, project_type=project_type)
    with transaction.atomic():
        project = Project.objects.create(
            name=name,
            project_type=project_type,
            metadata=_clean_metadata(metadata),
            created_by=user,
            requires_approval=requires_approval,
        )
        activity_record(user=user, action="project.create", target=project, project_id=project.pk)
    return project


def project_update(
    *,
    project: Project,
    user,
    name: str,
    project_type: ProjectType,
    metadata: dict[str, Any] | None = None,
    based_on: str | None = None,
    requires_approval: bool | None = None,
) -> Project:
    """Rename, retype or change the metadata. `based_on` is the edit token the editor's
    form showed (`core.stale`): StaleEdit if someone saved the project since."""
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        refuse_stale(current=project, based_on=based_on, what="project")
        name = project_validate(project=project, name=name, project_type=project_type)
        before = {
            "name": project.name,
            "project_type": project.project_type.slug,
            "metadata": project.metadata,
            "requires_approval": project.requires_approval,
        }
        project.name = name
        if requires_approval is not None:
            project.requires_approval = requires_approval
        project.project_type = project_type
        project.metadata = {**(project.metadata or {}), **_clean_metadata(metadata)}
        if (
            metadata is not None
            and "speaker" in metadata
            and not _clean_metadata(metadata).get("speaker")
        ):
            project.metadata.pop("speaker", None)  # cleared: the site's default speaker again
        after = {
            "name": project.name,
            "project_type": project_type.slug,
            "metadata": project.metadata,
            "requires_approval": project.requires_approval,
        }
        if after == before:
            return project  # nothing changed: no write, no audit noise
        project.save()
        activity_record(
            user=user,
            action="project.update",
            target=project,
            project_id=project.pk,
            details={"before": before, "after": after},
        )
    return project


def project_archive(*, project: Project, user) -> Project:
    return set_archived(obj=project, archived=True, user=user, project_id=project.pk)


def project_restore(*, project: Project, user) -> Project:
    return set_archived(obj=project, archived=False, user=user, project_id=project.pk)


# -- project types (admin only) ----------------------------------------------------------


def project_type_validate(
    *, project_type: ProjectType | None, name: str, slug: str
) -> tuple[str, str]:
    """Name and slug, cleaned; ValidationError naming the field otherwise. The slug is the
    folder of the type's recordings in storage (`audio/<slug>/…`)."""
    name = (name or "").strip()
    slug = (slug or "").strip().lower()
    if not name:
        raise ValidationError({"name": "A project type needs a name."})
    if not slug or slugify(slug) != slug:
        raise ValidationError(
            {"slug": "Use lowercase letters, digits and hyphens only (e.g. “case-study”)."}
        )
    others = ProjectType.objects.all()
    if project_type is not None:
        others = others.exclude(pk=project_type.pk)
    if others.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"There is already a project type “{name}”."})
    if others.filter(slug=slug).exists():
        raise ValidationError({"slug": f"The slug “{slug}” is taken by another type."})
    return name, slug


def project_type_create(*, user, name: str, slug: str) -> ProjectType:
    name, slug = project_type_validate(project_type=None, name=name, slug=slug)
    with transaction.atomic():
        project_type = ProjectType.objects.create(name=name, slug=slug, created_by=user)
        activity_record(
            user=user,
            action="project_type.create",
            target=project_type,
            details={"name": name, "slug": slug},
        )
    return project_type


def project_type_update(*, project_type: ProjectType, user, name: str, slug: str) -> ProjectType:
    """Rename a type. Recordings already stored keep their keys (each row holds its own)."""
    with transaction.atomic():
        project_type = ProjectType.objects.select_for_update().get(pk=project_type.pk)
        name, slug = project_type_validate(project_type=project_type, name=name, slug=slug)
        before = {"name": project_type.name, "slug": project_type.slug}
        after = {"name": name, "slug": slug}
        if before == after:
            return project_type
        project_type.name, project_type.slug = name, slug
        project_type.save(update_fields=["name", "slug"])
        activity_record(
            user=user,
            action="project_type.update",
            target=project_type,
            details={"before": before, "after": after},
        )
    return project_type


def project_type_archive(*, project_type: ProjectType, user) -> ProjectType:
    """Its projects stay as they are; no new recordings or projects of this type."""
    return set_archived(obj=project_type, archived=True, user=user)


def project_type_restore(*, project_type: ProjectType, user) -> ProjectType:
    return set_archived(obj=project_type, archived=False, user=user)
