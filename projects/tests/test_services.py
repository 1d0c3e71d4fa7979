"""projects.services: the rules every caller (pages, admin, commands) shares."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Activity
from projects.models import Project, ProjectType
from projects.services import project_archive, project_create, project_restore, project_update

pytestmark = pytest.mark.django_db


def test_create_cleans_metadata_and_audits(editor, lecture_type):
    project = project_create(
        user=editor,
        name=" Endo ",
        project_type=lecture_type,
        metadata={"location": " Madrid ", "unknown": "dropped", "date": None},
    )
    assert project.name == "Endo"
    assert project.metadata == {"location": "Madrid", "date": "", "misc": ""}
    assert Activity.objects.get(action="project.create").actor == editor


def test_create_refuses_a_blank_name_and_an_archived_type(editor, lecture_type):
    with pytest.raises(ValidationError, match="needs a name"):
        project_create(user=editor, name="  ", project_type=lecture_type)
    lecture_type.archived = True
    lecture_type.save()
    with pytest.raises(ValidationError, match="“Lecture” is archived"):
        project_create(user=editor, name="Endo", project_type=lecture_type)
    assert not Project.objects.exists()


def test_update_cannot_move_a_project_to_an_archived_type(editor, project):
    isa = ProjectType.objects.get(slug="isa")
    isa.archived = True
    isa.save()
    with pytest.raises(ValidationError, match="“ISA” is archived"):
        project_update(project=project, user=editor, name="x", project_type=isa)
    project.refresh_from_db()
    assert project.project_type.slug == "lecture"


def test_update_of_an_archived_project_is_refused(editor, project):
    project_archive(project=project, user=editor)
    with pytest.raises(ValidationError, match="restore it before editing"):
        project_update(project=project, user=editor, name="New", project_type=project.project_type)


def test_archive_and_restore_keep_the_row(editor, project):
    project_archive(project=project, user=editor)
    project_archive(project=project, user=editor)  # twice is harmless, audited once
    assert Project.objects.get(pk=project.pk).archived
    project_restore(project=project, user=editor)
    assert not Project.objects.get(pk=project.pk).archived
    actions = list(
        Activity.objects.filter(target_id=project.pk)
        .order_by("created_at")
        .values_list("action", flat=True)
    )
    assert actions == ["project.create", "project.archive", "project.restore"]
