"""The audit trail: append-only rows, the activity pages and the read-only admin."""

import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from accounts.models import Activity, ActivityChangeRefused
from accounts.services import activity_record, set_archived
from accounts.views import object_activity_url
from projects.models import Project
from tests.factories import DictionaryEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(editor):
    return DictionaryEntryFactory(
        term_original="implane", term_corrected="implant", created_by=editor
    )


def record(actor, action, target, project_id=None, **details):
    return activity_record(
        user=actor, action=action, target=target, project_id=project_id, details=details
    )


# --- append-only -------------------------------------------------------------------------


def test_an_activity_row_cannot_be_changed_through_the_orm(editor, project):
    row = record(editor, "project.create", project, project.pk)
    row.action = "project.nothing_happened"
    with pytest.raises(ActivityChangeRefused):
        row.save()
    with pytest.raises(ActivityChangeRefused):
        Activity.objects.filter(pk=row.pk).update(action="x")
    with pytest.raises(ActivityChangeRefused):
        Activity.objects.bulk_update([row], ["action"])
    with pytest.raises(ActivityChangeRefused):
        Activity.objects.update_or_create(pk=row.pk, defaults={"action": "x"})
    assert Activity.objects.get(pk=row.pk).action == "project.create"


def test_an_activity_row_cannot_be_deleted_through_the_orm(editor, project):
    row = record(editor, "project.create", project, project.pk)
    with pytest.raises(ActivityChangeRefused):
        row.delete()
    with pytest.raises(ActivityChangeRefused):
        Activity.objects.filter(pk=row.pk).delete()
    with pytest.raises(ActivityChangeRefused):
        Activity.objects.all().delete()
    assert Activity.objects.filter(pk=row.pk).exists()


def test_new_rows_with_a_preset_id_are_inserted_never_updated(editor, project):
    row = record(editor, "project.create", project, project.pk)
    copy = Activity(
        id=row.id,
        actor=editor,
        action="project.forged",
        target_type=row.target_type,
        target_id=row.target_id,
    )
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()
    assert Activity.objects.get(pk=row.pk).action == "project.create"


def test_services_leave_a_trail_and_archive_restore_is_recorded(editor, project):
    set_archived(obj=project, archived=True, user=editor, project_id=project.pk)
    set_archived(obj=project, archived=False, user=editor, project_id=project.pk)
    actions = list(
        Activity.objects.filter(project_id=project.pk)
        .order_by("created_at")
        .values_list("action", flat=True)
    )
    assert actions == ["project.archive", "project.restore"]


# --- pages -------------------------------------------------------------------------------


def test_global_activity_lists_everything_newest_first(editor_client, editor, project, entry):
    record(editor, "project.create", project, project.pk)
    record(editor, "dictionary.create", entry, term_original="implane")
    response = editor_client.get(reverse("accounts:activity"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("dictionary.create") < body.index("project.create")
    assert "Erin Editor" in body and "implane" in body
    assert reverse("accounts:project_activity", args=[project.pk]) in body
    assert object_activity_url(entry) in body


def test_project_activity_shows_only_that_projects_history(
    editor_client, editor, other_editor, project, entry
):
    other = Project.objects.create(
        name="Other", project_type=project.project_type, created_by=editor
    )
    record(editor, "project.create", project, project.pk)
    record(other_editor, "project.update", project, project.pk, before={"name": "Old name"})
    record(editor, "project.create", other, other.pk)
    record(editor, "dictionary.create", entry)
    response = editor_client.get(reverse("accounts:project_activity", args=[project.pk]))
    assert response.status_code == 200
    entries = list(response.context["entries"])
    assert [e.action for e in entries] == ["project.update", "project.create"]
    assert "Activity in Endo week" in response.content.decode()
    assert "Old name" in response.content.decode()


def test_activity_is_filterable_by_user_and_action(
    editor_client, editor, other_editor, project, entry
):
    record(editor, "project.create", project, project.pk)
    record(other_editor, "project.update", project, project.pk)
    record(editor, "project.update", project, project.pk)
    url = reverse("accounts:project_activity", args=[project.pk])

    by_user = editor_client.get(url, {"user": other_editor.pk})
    assert [(e.actor, e.action) for e in by_user.context["entries"]] == [
        (other_editor, "project.update")
    ]
    by_action = editor_client.get(url, {"action": "project.update"})
    assert {e.actor for e in by_action.context["entries"]} == {editor, other_editor}
    both = editor_client.get(url, {"action": "project.update", "user": editor.pk})
    assert len(both.context["entries"]) == 1
    # The choices offered are the ones in this history only, in words.
    assert by_user.context["form"].fields["action"].choices == [
        ("", "All actions"),
        ("project.update", "Changed a project"),
        ("project.create", "Created a project"),
    ]
    bad = editor_client.get(url, {"user": "not-a-user", "action": "bogus"})
    assert bad.status_code == 200 and len(bad.context["entries"]) == 3
    assert b"That filter is not valid here" in bad.content


def test_object_activity_shows_one_objects_history(editor_client, editor, project, entry):
    record(editor, "dictionary.create", entry)
    record(editor, "dictionary.update", entry, before={"term_corrected": "implnt"})
    record(editor, "project.create", project, project.pk)
    response = editor_client.get(object_activity_url(entry))
    assert response.status_code == 200
    assert [e.action for e in response.context["entries"]] == [
        "dictionary.update",
        "dictionary.create",
    ]
    assert "History: “implane” → “implant” (en) (dictionary entry)" in response.content.decode()


def test_object_activity_of_unknown_objects_is_404(editor_client, entry):
    content_type = ContentType.objects.get_for_model(entry)
    missing = reverse("accounts:object_activity", args=[content_type.pk, uuid.uuid4()])
    assert editor_client.get(missing).status_code == 404
    no_type = reverse("accounts:object_activity", args=[999999, entry.pk])
    assert editor_client.get(no_type).status_code == 404
    no_project = reverse("accounts:project_activity", args=[uuid.uuid4()])
    assert editor_client.get(no_project).status_code == 404


def test_system_actions_are_said_to_be_maxs(editor_client, project):
    record(None, "project.create", project, project.pk)
    response = editor_client.get(reverse("accounts:activity"))
    assert "<strong>Max</strong> created the project" in response.content.decode()


def test_activity_pages_are_paginated_with_pinned_query_counts(
    editor_client, editor, other_editor, project, entry, django_assert_max_num_queries
):
    for n in range(120):
        actor = editor if n % 2 else other_editor
        record(actor, f"project.step{n % 4}", project, project.pk, n=n)
        record(actor, "dictionary.update", entry, n=n)
    # the editor did half of the 240 entries: 120 overall, 60 in the project, 60 on the entry
    pages = [
        (reverse("accounts:activity"), 50),
        (reverse("accounts:project_activity", args=[project.pk]), 10),
        (object_activity_url(entry), 10),
    ]
    for url, on_page_two in pages:
        # session, user, (project | content type + object + exists + its name), count, rows,
        # distinct actions, distinct actors, and the names of the objects on the page
        with django_assert_max_num_queries(10):
            response = editor_client.get(url, {"page": 2, "user": editor.pk})
        assert response.status_code == 200
        assert len(response.context["entries"]) == on_page_two
    last = editor_client.get(reverse("accounts:activity"), {"page": 5})
    assert len(last.context["entries"]) == 40
    assert b"Page 5 of 5" in last.content


# --- admin -------------------------------------------------------------------------------


def test_admin_shows_activity_read_only(admin_client_, editor, project):
    row = record(editor, "project.create", project, project.pk)
    changelist = admin_client_.get(reverse("admin:accounts_activity_changelist"))
    assert changelist.status_code == 200 and b"project.create" in changelist.content
    change = admin_client_.get(reverse("admin:accounts_activity_change", args=[row.pk]))
    assert change.status_code == 200
    assert b'name="action"' not in change.content  # read-only display, no inputs
    assert b'name="_save"' not in change.content
    post = admin_client_.post(
        reverse("admin:accounts_activity_change", args=[row.pk]), {"action": "forged"}
    )
    assert post.status_code == 403
    assert admin_client_.get(reverse("admin:accounts_activity_add")).status_code == 403
    delete = admin_client_.post(
        reverse("admin:accounts_activity_delete", args=[row.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    bulk = admin_client_.post(
        reverse("admin:accounts_activity_changelist"),
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert Activity.objects.get(pk=row.pk).action == "project.create"
