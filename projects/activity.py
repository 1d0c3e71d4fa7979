"""Projects on the activity page (see accounts/activity.py)."""

from django.utils.html import format_html

from accounts.activity import Subject, register_action, register_subjects, simple
from projects.models import Project, ProjectType

_FIELD_NAMES = {"name": "name", "project_type": "type", "location": "location", "date": "date"}


def _projects(ids):
    return {
        p.pk: Subject(p.name, p.get_absolute_url())
        for p in Project.objects.filter(pk__in=ids).only("id", "name")
    }


def _project_types(ids):
    return {
        t.pk: Subject(f"the project type {t.name}") for t in ProjectType.objects.filter(pk__in=ids)
    }


def _updated(entry, subject, cache):
    before, after = entry.details.get("before") or {}, entry.details.get("after") or {}
    flat_before = {**(before.get("metadata") or {}), **before}
    flat_after = {**(after.get("metadata") or {}), **after}
    changed = [
        label
        for key, label in {**_FIELD_NAMES, "misc": "notes"}.items()
        if flat_before.get(key) != flat_after.get(key)
    ]
    if before.get("name") and before.get("name") != after.get("name"):
        return format_html(
            "renamed the project “{}” to {} ({})", before["name"], subject, ", ".join(changed)
        )
    what = ", ".join(changed) or "details"
    return format_html("changed the {} of the project {}", what, subject)


def _imported(entry, subject, cache):
    copy = " as a copy" if entry.details.get("as_copy") else ""
    return format_html("imported the project {} from an export file{}", subject, copy)


register_subjects("projects.Project", _projects)
register_subjects("projects.ProjectType", _project_types)
register_action("project.create", "Created a project", simple("created the project {subject}"))
register_action("project.update", "Changed a project", _updated)
register_action("project.import", "Imported a project", _imported)
register_action("project.archive", "Archived a project", simple("archived the project {subject}"))
register_action("project.restore", "Restored a project", simple("restored the project {subject}"))


def _type_updated(entry, subject, cache):
    before = entry.details.get("before") or {}
    if before.get("name") and before.get("name") != (entry.details.get("after") or {}).get("name"):
        return format_html("renamed the project type “{}” to {}", before["name"], subject)
    return format_html("changed the slug of {}", subject)


register_action("project_type.create", "Created a project type", simple("created {subject}"))
register_action("project_type.update", "Changed a project type", _type_updated)
