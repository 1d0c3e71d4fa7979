"""Projects: create, edit, archive, restore. Every write goes through here."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.services import activity_record, set_archived
from max_site.stale import refuse_stale
from projects.models import Project, ProjectType

METADATA_KEYS = ("location", "date", "misc")


def _clean_metadata(metadata: dict[str, Any] | None) -> dict[str, str]:
    metadata = metadata or {}
    return {key: str(metadata.get(key) or "").strip() for key in METADATA_KEYS}


def project_create(
    *, user, name: str, project_type: ProjectType, metadata: dict[str, Any] | None = None
) -> Project:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A project needs a name."})
    if project_type.archived:
        raise ValidationError(
            {"project_type": f"The project type “{project_type.name}” is archived."}
        )
    with transaction.atomic():
        project = Project.objects.create(
            name=name,
            project_type=project_type,
            metadata=_clean_metadata(metadata),
            created_by=user,
        )
        activity_record(actor=user, action="project.create", target=project, project_id=project.pk)
    return project


def project_update(
    *,
    project: Project,
    user,
    name: str,
    project_type: ProjectType,
    metadata: dict[str, Any] | None = None,
    based_on: str | None = None,
) -> Project:
    """Rename, retype or change the metadata. `based_on` is the edit token the editor's
    form showed (`max_site.stale`): StaleEdit if someone saved the project since."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A project needs a name."})
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        refuse_stale(current=project, based_on=based_on, what="project")
        if project.archived:
            raise ValidationError("This project is archived; restore it before editing it.")
        if project_type.archived and project_type.pk != project.project_type_id:
            raise ValidationError(
                {"project_type": f"The project type “{project_type.name}” is archived."}
            )
        before = {
            "name": project.name,
            "project_type": project.project_type.slug,
            "metadata": project.metadata,
        }
        project.name = name
        project.project_type = project_type
        project.metadata = {**(project.metadata or {}), **_clean_metadata(metadata)}
        after = {
            "name": project.name,
            "project_type": project_type.slug,
            "metadata": project.metadata,
        }
        if after == before:
            return project  # nothing changed: no write, no audit noise
        project.save()
        activity_record(
            actor=user,
            action="project.update",
            target=project,
            project_id=project.pk,
            details={"before": before, "after": after},
        )
    return project


def project_archive(*, project: Project, user) -> Project:
    return set_archived(obj=project, archived=True, actor=user, project_id=project.pk)


def project_restore(*, project: Project, user) -> Project:
    return set_archived(obj=project, archived=False, actor=user, project_id=project.pk)
