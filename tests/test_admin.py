"""The Django admin: every model is there, nothing is hard-deleted, archived rows come back."""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import Activity
from projects.models import Project, ProjectType
from translations.models import Language

pytestmark = pytest.mark.django_db


def test_every_model_of_ours_is_registered_and_its_list_opens(admin_client_):
    ours = {
        "accounts", "projects", "media_files", "transcripts", "glossary",
        "translations", "summaries", "jobs",
    }  # fmt: skip
    from django.apps import apps

    for model in apps.get_models():
        if model._meta.app_label not in ours or model._meta.auto_created:
            continue
        assert admin.site.is_registered(model), model
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert admin_client_.get(url).status_code == 200, url


def test_no_model_can_be_deleted_from_the_admin(admin_client_, rf, staff_admin):
    request = rf.get("/admin/")
    request.user = staff_admin
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in ("auth",):
            continue
        assert not model_admin.has_delete_permission(request), model


def test_archive_filter_and_restore_a_project_from_the_admin(admin_client_, editor, staff_admin):
    project = Project.objects.create(
        name="Implants 2025",
        project_type=ProjectType.objects.get(slug="lecture"),
        created_by=editor,
    )
    changelist = reverse("admin:projects_project_changelist")
    response = admin_client_.post(
        changelist, {"action": "archive_selected", "_selected_action": [str(project.pk)]}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.archived

    archived_list = admin_client_.get(changelist, {"archived__exact": "1"}).content.decode()
    assert "Implants 2025" in archived_list
    live_list = admin_client_.get(changelist, {"archived__exact": "0"}).content.decode()
    assert "Implants 2025" not in live_list

    admin_client_.post(
        changelist, {"action": "restore_selected", "_selected_action": [str(project.pk)]}
    )
    project.refresh_from_db()
    assert not project.archived
    actions = list(
        Activity.objects.filter(target_id=project.pk)
        .order_by("created_at")
        .values_list("action", "actor")
    )
    assert actions[-2:] == [
        ("project.archive", staff_admin.pk),
        ("project.restore", staff_admin.pk),
    ]


def test_admins_add_project_types_and_languages(admin_client_):
    response = admin_client_.post(
        reverse("admin:projects_projecttype_add"), {"name": "Workshop", "slug": "workshop"}
    )
    assert response.status_code == 302
    assert ProjectType.objects.get(slug="workshop").created_by is not None
    response = admin_client_.post(
        reverse("admin:translations_language_add"),
        {"code": "ja", "name": "Japanese", "direction": "ltr", "active": "on"},
    )
    assert response.status_code == 302
    assert Language.objects.get(code="ja").active


def test_editors_cannot_reach_the_admin(editor_client):
    for url in (
        reverse("admin:index"),
        reverse("admin:projects_projecttype_changelist"),
        reverse("admin:translations_language_changelist"),
    ):
        response = editor_client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url
