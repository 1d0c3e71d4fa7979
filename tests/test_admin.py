"""The Django admin: every model is there, nothing is hard-deleted, archived rows come back,
and every save and action goes through the same services (rules, audit trail) as the pages."""

import json

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import Activity
from languages.models import Language
from projects.models import Project, ProjectType

pytestmark = pytest.mark.django_db


def test_every_model_of_ours_is_registered_and_its_list_opens(admin_client_):
    ours = {
        "accounts", "projects", "media_files", "transcripts", "glossary",
        "translations", "summaries", "jobs", "collaboration",
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
        # Deleting an axes access attempt is how an admin lifts a sign-in lockout.
        if model._meta.app_label in ("auth", "axes"):
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
        reverse("admin:languages_language_add"),
        {
            "code": "ja",
            "name": "Japanese",
            "direction": "ltr",
            "active": "on",
            # The caption profile as the add form offers it (the model's defaults).
            **{
                field.name: field.default
                for field in Language._meta.get_fields()
                if field.name.startswith("caption_")
            },
        },
    )
    assert response.status_code == 302
    assert Language.objects.get(code="ja").active


def test_editors_cannot_reach_the_admin(editor_client):
    for url in (
        reverse("admin:index"),
        reverse("admin:projects_projecttype_changelist"),
        reverse("admin:languages_language_changelist"),
    ):
        response = editor_client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url


# --- every admin save and action goes through the services (rules + audit) -------------------


def _actions_on(obj):
    return list(
        Activity.objects.filter(target_id=obj.pk)
        .order_by("created_at")
        .values_list("action", "actor")
    )


@pytest.fixture
def implants(editor):
    return Project.objects.create(
        name="Implants 2025",
        project_type=ProjectType.objects.get(slug="lecture"),
        created_by=editor,
        metadata={"location": "Madrid", "date": "", "misc": ""},
    )


def _project_form(project, **changes):
    data = {
        "name": project.name,
        "project_type": str(project.project_type_id),
        "metadata": json.dumps(project.metadata),
    }
    return {**data, **changes}


def test_renaming_a_project_in_the_admin_is_audited(admin_client_, staff_admin, implants):
    url = reverse("admin:projects_project_change", args=[implants.pk])
    response = admin_client_.post(url, _project_form(implants, name="Implants 2026"))
    assert response.status_code == 302
    implants.refresh_from_db()
    assert implants.name == "Implants 2026"
    entry = Activity.objects.get(target_id=implants.pk, action="project.update")
    assert entry.actor == staff_admin
    assert entry.details["before"]["name"] == "Implants 2025"


def test_moving_a_project_to_an_archived_type_is_refused_in_the_admin(admin_client_, implants):
    retired = ProjectType.objects.create(name="Retired", slug="retired", archived=True)
    url = reverse("admin:projects_project_change", args=[implants.pk])
    response = admin_client_.post(url, _project_form(implants, project_type=str(retired.pk)))
    assert response.status_code == 200
    assert "The project type “Retired” is archived." in response.content.decode()
    implants.refresh_from_db()
    assert implants.project_type.slug == "lecture"
    assert not Activity.objects.filter(target_id=implants.pk).exists()


def test_archived_is_read_only_in_admin_forms(admin_client_, implants):
    url = reverse("admin:projects_project_change", args=[implants.pk])
    assert 'name="archived"' not in admin_client_.get(url).content.decode()
    admin_client_.post(url, _project_form(implants, archived="on"))
    implants.refresh_from_db()
    assert not implants.archived  # only the archive action (audited) archives


def test_projects_added_in_the_admin_are_audited(admin_client_, staff_admin):
    response = admin_client_.post(
        reverse("admin:projects_project_add"),
        {
            "name": "Perio day",
            "project_type": str(ProjectType.objects.get(slug="lecture").pk),
            "metadata": "{}",
        },
    )
    assert response.status_code == 302
    project = Project.objects.get(name="Perio day")
    assert project.created_by == staff_admin
    assert _actions_on(project) == [("project.create", staff_admin.pk)]


def test_project_types_are_changed_and_archived_through_the_services(admin_client_, staff_admin):
    admin_client_.post(
        reverse("admin:projects_projecttype_add"), {"name": "Workshop", "slug": "workshop"}
    )
    workshop = ProjectType.objects.get(slug="workshop")
    admin_client_.post(
        reverse("admin:projects_projecttype_change", args=[workshop.pk]),
        {"name": "Hands-on workshop", "slug": "workshop"},
    )
    admin_client_.post(
        reverse("admin:projects_projecttype_changelist"),
        {"action": "archive_selected", "_selected_action": [str(workshop.pk)]},
    )
    workshop.refresh_from_db()
    assert workshop.name == "Hands-on workshop" and workshop.archived
    assert _actions_on(workshop) == [
        ("project_type.create", staff_admin.pk),
        ("project_type.update", staff_admin.pk),
        ("projecttype.archive", staff_admin.pk),
    ]
    duplicate = admin_client_.post(
        reverse("admin:projects_projecttype_add"), {"name": "hands-on WORKSHOP", "slug": "w2"}
    )
    assert "There is already a project type “hands-on WORKSHOP”." in duplicate.content.decode()


def test_language_list_edits_go_through_the_service(admin_client_, staff_admin):
    german = Language.objects.get(code="de")
    english = Language.objects.get(code="en")
    changelist = reverse("admin:languages_language_changelist")

    def toggle(language, active: bool):
        data = {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": str(language.pk),
            "_save": "Save",
        }
        if active:
            data["form-0-active"] = "on"
        return admin_client_.post(changelist, data)

    assert toggle(german, False).status_code == 302
    german.refresh_from_db()
    assert not german.active
    entry = Activity.objects.get(target_id=german.pk)
    assert (entry.action, entry.actor, entry.details["after"]) == (
        "language.update",
        staff_admin,
        {"active": False},
    )

    refused = toggle(english, False)
    assert refused.status_code == 200
    assert "English is the language every transcript is in" in refused.content.decode()
    english.refresh_from_db()
    assert english.active


def test_a_recording_renamed_in_the_admin_is_audited_and_checked(
    admin_client_, staff_admin, implants, editor
):
    from media_files.models import AudioFile

    audio = AudioFile.objects.create(
        project=implants,
        file_name="take1.wav",
        file_path="audio/lecture/x-take1.wav",
        uploaded_by=editor,
    )
    url = reverse("admin:media_files_audiofile_change", args=[audio.pk])
    refused = admin_client_.post(url, {"file_name": "invoice\u202egnp.exe"})
    assert refused.status_code == 200
    assert "invisible control characters" in refused.content.decode()
    assert admin_client_.post(url, {"file_name": "Implants, part 1.wav"}).status_code == 302
    audio.refresh_from_db()
    assert audio.file_name == "Implants, part 1.wav"
    assert _actions_on(audio) == [("audio_file.rename", staff_admin.pk)]


def test_restoring_an_old_transcription_beside_a_live_one_is_refused_not_a_500(
    admin_client_, staff_admin, implants, editor
):
    from media_files.models import AudioFile
    from transcripts.models import Transcription

    audio = AudioFile.objects.create(
        project=implants, file_name="t.wav", file_path="audio/lecture/t.wav", uploaded_by=editor
    )
    seed = {"segments": [], "metadata": {}}
    old = Transcription.objects.create(
        audio_file=audio,
        raw_text="old",
        json_with_timestamps=seed,
        created_by=editor,
        archived=True,
    )
    live = Transcription.objects.create(
        audio_file=audio, raw_text="new", json_with_timestamps=seed, created_by=editor
    )
    # Un-ticking "archived" on the change form was an IntegrityError; the field is read-only.
    change = admin_client_.post(
        reverse("admin:transcripts_transcription_change", args=[old.pk]),
        {"versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0"},
    )
    assert change.status_code == 302
    old.refresh_from_db()
    assert old.archived

    changelist = reverse("admin:transcripts_transcription_changelist")
    response = admin_client_.post(
        changelist,
        {"action": "restore_selected", "_selected_action": [str(old.pk)]},
        follow=True,
    )
    assert "already has a live transcript" in response.content.decode()
    old.refresh_from_db()
    assert old.archived

    admin_client_.post(
        changelist, {"action": "archive_selected", "_selected_action": [str(live.pk)]}
    )
    admin_client_.post(
        changelist, {"action": "restore_selected", "_selected_action": [str(old.pk)]}
    )
    old.refresh_from_db()
    live.refresh_from_db()
    assert not old.archived and live.archived
    assert _actions_on(old) == [("transcription.restore", staff_admin.pk)]
    assert Activity.objects.get(target_id=old.pk).project_id == implants.pk


def test_retry_and_cancel_from_the_admin_record_who_did_it(admin_client_, staff_admin, implants):
    from jobs.models import Job

    failed = Job.objects.create(
        kind="transcribe",
        task_name="transcripts.tasks.transcribe",
        target=implants,
        status=Job.Status.FAILED,
    )
    queued = Job.objects.create(
        kind="translate", task_name="translations.tasks.translate", target=implants
    )
    changelist = reverse("admin:jobs_job_changelist")
    admin_client_.post(
        changelist, {"action": "retry_selected", "_selected_action": [str(failed.pk)]}
    )
    admin_client_.post(
        changelist, {"action": "cancel_selected", "_selected_action": [str(queued.pk)]}
    )
    assert _actions_on(failed) == [("job.retry", staff_admin.pk)]
    assert _actions_on(queued) == [("job.cancel", staff_admin.pk)]


# --- a stale save in an admin change form is refused, as on the pages ------------------------


def _stale_cases(editor):
    from glossary.services import entry_create, entry_update
    from projects import services as project_services
    from summaries.models import PromptTemplate
    from summaries.services.templates import prompt_template_update

    project = Project.objects.create(
        name="Implants 2025",
        project_type=ProjectType.objects.get(slug="lecture"),
        created_by=editor,
        metadata={"location": "Madrid", "date": "", "misc": ""},
    )
    entry = entry_create(user=editor, term_original="implane", term_corrected="implant")
    template = PromptTemplate.objects.order_by("template_name").first()
    return [
        (
            reverse("admin:projects_project_change", args=[project.pk]),
            _project_form(project, name="Implants (admin)"),
            lambda: project_services.project_update(
                project=project,
                user=editor,
                name="Implants (page)",
                project_type=project.project_type,
                metadata=project.metadata,
            ),
            lambda: Project.objects.get(pk=project.pk).name,
            "Implants (page)",
        ),
        (
            reverse("admin:glossary_dictionaryentry_change", args=[entry.pk]),
            {
                "term_original": "implane",
                "term_corrected": "implant (admin)",
                "language_code": "en",
                "context": "",
            },
            lambda: entry_update(
                entry=entry,
                user=editor,
                term_original="implane",
                term_corrected="implant (page)",
                language_code="en",
                context="",
            ),
            lambda: type(entry).objects.get(pk=entry.pk).term_corrected,
            "implant (page)",
        ),
        (
            reverse("admin:summaries_prompttemplate_change", args=[template.pk]),
            {
                "template_content": "Admin: summarise {transcription_text}",
                "change_notes": "",
                "promptversion_set-TOTAL_FORMS": "0",
                "promptversion_set-INITIAL_FORMS": "0",
            },
            lambda: prompt_template_update(
                template=template, content="Page: summarise {transcription_text}", user=editor
            ),
            lambda: PromptTemplate.objects.get(pk=template.pk).template_content,
            "Page: summarise {transcription_text}",
        ),
    ]


@pytest.mark.parametrize("case", [0, 1, 2], ids=["project", "glossary entry", "prompt template"])
def test_a_stale_admin_save_is_refused_showing_the_newer_values(admin_client_, editor, case):
    # Two people edit the same row, one in the admin: the admin's save used to put the old
    # values back silently over the other's change.
    url, form, other_saves, current, theirs = _stale_cases(editor)[case]
    page = admin_client_.get(url)
    shown = page.context["adminform"].form.initial["based_on"]
    assert f'name="based_on" value="{shown}"' in page.content.decode()
    inline_prefix = [k for k in form if k.endswith("-TOTAL_FORMS")]
    if inline_prefix:  # the inline's management form, as the page has it
        formset = page.context["inline_admin_formsets"][0].formset
        form = {
            **form,
            f"{formset.prefix}-TOTAL_FORMS": str(formset.total_form_count()),
            f"{formset.prefix}-INITIAL_FORMS": str(formset.initial_form_count()),
        }
        for key in inline_prefix:
            if not key.startswith(formset.prefix):
                form.pop(key)
    other_saves()

    response = admin_client_.post(url, {**form, "based_on": shown})

    assert response.status_code == 200, response.status_code
    assert "while you were editing it" in response.content.decode()
    assert current() == theirs
