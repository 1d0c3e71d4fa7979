"""Project pages: list, create, edit, archive/restore, detail with its recordings."""

import datetime
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from accounts.models import Activity
from core.stale import edit_token
from jobs.models import Job
from media_files.models import AudioFile
from projects.models import Project, ProjectType
from projects.services import project_archive, project_create
from transcripts.models import Transcription

pytestmark = pytest.mark.django_db

LIST = reverse("projects:list")


def make(user, name, type_slug="lecture", days_ago=0, **metadata):
    project = project_create(
        user=user,
        name=name,
        project_type=ProjectType.objects.get(slug=type_slug),
        metadata=metadata,
    )
    if days_ago:
        Project.objects.filter(pk=project.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=days_ago)
        )
    return project


def names(response):
    return [p.name for p in response.context["projects"]]


# -- list -----------------------------------------------------------------------------


def test_list_is_newest_first_with_a_new_project_button(editor_client, editor):
    make(editor, "Old lecture", days_ago=30)
    make(editor, "Recent webinar", "webinar", days_ago=1)
    make(editor, "Today podcast", "podcast")
    response = editor_client.get(LIST)
    assert names(response) == ["Today podcast", "Recent webinar", "Old lecture"]
    html = response.content.decode()
    assert f'href="{reverse("projects:create")}">New project</a>' in html


def test_list_filters_by_type(editor_client, editor):
    make(editor, "A lecture")
    make(editor, "A webinar", "webinar")
    assert names(editor_client.get(LIST, {"type": "webinar"})) == ["A webinar"]


def test_list_searches_name_and_metadata(editor_client, editor):
    make(editor, "Implants basics", location="Madrid")
    make(editor, "Endo day", location="Lisbon", misc="Guest: Dr. Implant")
    make(editor, "Crowns", date="2025-06-01")
    assert sorted(names(editor_client.get(LIST, {"q": "implant"}))) == [
        "Endo day",
        "Implants basics",
    ]
    assert names(editor_client.get(LIST, {"q": "lisbon"})) == ["Endo day"]
    assert names(editor_client.get(LIST, {"q": "2025-06"})) == ["Crowns"]


def test_archived_projects_are_hidden_unless_asked_for(editor_client, editor):
    make(editor, "Live")
    gone = make(editor, "Gone")
    project_archive(project=gone, user=editor)
    assert names(editor_client.get(LIST)) == ["Live"]
    response = editor_client.get(LIST, {"archived": "1"})
    assert sorted(names(response)) == ["Gone", "Live"]
    assert "badge--archived" in response.content.decode()


def test_list_is_paginated(editor_client, editor):
    for n in range(30):
        make(editor, f"Project {n:02d}", days_ago=30 - n)
    first = editor_client.get(LIST)
    assert len(first.context["projects"]) == 25
    assert "Page 1 of 2" in first.content.decode()
    second = editor_client.get(LIST, {"page": 2})
    assert names(second) == [f"Project {n:02d}" for n in range(4, -1, -1)]


def test_list_query_count_does_not_grow_with_projects(
    editor_client, editor, django_assert_max_num_queries
):
    for n in range(25):
        make(editor, f"Project {n}")
    with django_assert_max_num_queries(6):
        editor_client.get(LIST)


# -- create and edit ----------------------------------------------------------------


def test_create_form_offers_only_live_types(editor_client):
    ProjectType.objects.filter(slug="isa").update(archived=True)
    html = editor_client.get(reverse("projects:create")).content.decode()
    options = re.findall(r'<option value="[0-9a-f-]+"[^>]*>([^<]+)</option>', html)
    assert "Lecture" in options and "Webinar" in options
    assert "ISA" not in options


def test_create_a_project_with_metadata(editor_client, editor):
    lecture = ProjectType.objects.get(slug="lecture")
    response = editor_client.post(
        reverse("projects:create"),
        {
            "name": "  Endodontics 201 ",
            "project_type": lecture.pk,
            "location": "Madrid",
            "date": "2026-04-02",
            "misc": "Recorded in room 4",
        },
        follow=True,
    )
    project = Project.objects.get()
    assert response.redirect_chain[-1][0] == project.get_absolute_url()
    assert project.name == "Endodontics 201"
    assert project.created_by == editor
    assert project.metadata == {
        "location": "Madrid",
        "date": "2026-04-02",
        "misc": "Recorded in room 4",
    }
    assert Activity.objects.filter(action="project.create", target_id=project.pk).exists()
    assert "Created the project “Endodontics 201”" in response.content.decode()


def test_create_shows_errors_and_stores_nothing(editor_client):
    archived = ProjectType.objects.get(slug="isa")
    archived.archived = True
    archived.save()
    response = editor_client.post(
        reverse("projects:create"),
        {"name": "", "project_type": archived.pk, "date": "not a date"},
    )
    form = response.context["form"]
    assert form.errors["name"] == ["This field is required."]
    assert "Select a valid choice" in form.errors["project_type"][0]
    assert form.errors["date"] == ["Enter a valid date."]
    assert not Project.objects.exists()


def test_edit_a_project_records_before_and_after(editor_client, editor, project):
    webinar = ProjectType.objects.get(slug="webinar")
    response = editor_client.get(reverse("projects:edit", args=[project.pk]))
    html = response.content.decode()
    assert 'value="Endodontics 101"' in html and 'value="2026-03-01"' in html

    editor_client.post(
        reverse("projects:edit", args=[project.pk]),
        {
            "name": "Endo 101 (final)",
            "project_type": webinar.pk,
            "location": "Lisbon",
            "based_on": edit_token(project),
        },
    )
    project.refresh_from_db()
    assert project.name == "Endo 101 (final)"
    assert project.project_type == webinar
    assert project.metadata == {"location": "Lisbon", "date": "", "misc": ""}
    entry = Activity.objects.get(action="project.update", target_id=project.pk)
    assert entry.details["before"]["name"] == "Endodontics 101"
    assert entry.details["after"]["project_type"] == "webinar"


def test_saving_without_changes_records_nothing(editor_client, project):
    editor_client.post(
        reverse("projects:edit", args=[project.pk]),
        {
            "name": project.name,
            "project_type": project.project_type_id,
            "location": "Madrid",
            "date": "2026-03-01",
            "misc": "Spring series",
            "based_on": edit_token(project),
        },
    )
    assert not Activity.objects.filter(action="project.update").exists()


def test_a_project_keeps_its_archived_type_when_edited(editor_client, project):
    ProjectType.objects.filter(pk=project.project_type_id).update(archived=True)
    html = editor_client.get(reverse("projects:edit", args=[project.pk])).content.decode()
    assert re.search(rf'<option value="{project.project_type_id}" selected>Lecture', html)
    editor_client.post(
        reverse("projects:edit", args=[project.pk]),
        {
            "name": "Renamed",
            "project_type": project.project_type_id,
            "based_on": edit_token(project),
        },
    )
    project.refresh_from_db()
    assert project.name == "Renamed"


def test_free_text_dates_survive_editing(editor_client, editor):
    project = make(editor, "Legacy", date="Spring 2024")
    html = editor_client.get(reverse("projects:edit", args=[project.pk])).content.decode()
    assert 'value="Spring 2024"' in html
    editor_client.post(
        reverse("projects:edit", args=[project.pk]),
        {
            "name": "Legacy",
            "project_type": project.project_type_id,
            "date": "Spring 2024",
            "based_on": edit_token(project),
        },
    )
    project.refresh_from_db()
    assert project.date == "Spring 2024"


def test_archived_projects_cannot_be_edited(editor_client, editor, project):
    project_archive(project=project, user=editor)
    response = editor_client.post(
        reverse("projects:edit", args=[project.pk]),
        {"name": "Sneaky", "project_type": project.project_type_id},
        follow=True,
    )
    assert "restore it before editing" in response.content.decode()
    project.refresh_from_db()
    assert project.name == "Endodontics 101"


def test_a_stale_save_is_refused_showing_the_newer_values(client, editor, other_editor, project):
    url = reverse("projects:edit", args=[project.pk])
    client.force_login(editor)
    first = dict(client.get(url).context["form"].initial)
    client.force_login(other_editor)
    second = dict(client.get(url).context["form"].initial)

    client.force_login(editor)
    response = client.post(url, {**first, "name": "Endodontics 101 (rev A)"})
    assert response.status_code == 302
    client.force_login(other_editor)
    response = client.post(url, {**second, "name": "Endodontics 101", "location": "Porto"})

    # The second save would have put the old name back: refused, nothing lost.
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this project while you were editing it." in html
    assert "Name: “Endodontics 101 (rev A)” (yours: “Endodontics 101”)" in html
    assert 'value="Porto"' in html  # what this editor typed stays in the form
    project.refresh_from_db()
    assert project.name == "Endodontics 101 (rev A)" and project.location == "Madrid"

    # Saving again, having seen the newer values, is a deliberate choice.
    token = response.context["form"].data["based_on"]
    assert token == edit_token(project)
    response = client.post(
        url, {**second, "name": "Endodontics 101 (rev A)", "location": "Porto", "based_on": token}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.name == "Endodontics 101 (rev A)" and project.location == "Porto"


def test_an_edit_without_its_token_is_refused(editor_client, project):
    response = editor_client.post(
        reverse("projects:edit", args=[project.pk]),
        {"name": "Renamed", "project_type": project.project_type_id},
    )
    assert response.status_code == 400
    assert "The form is damaged" in response.content.decode()
    project.refresh_from_db()
    assert project.name == "Endodontics 101"


# -- archive and restore --------------------------------------------------------------


def test_archive_and_restore_are_soft_and_audited(editor_client, editor, project):
    response = editor_client.post(reverse("projects:archive", args=[project.pk]), follow=True)
    project.refresh_from_db()
    assert project.archived
    html = response.content.decode()
    assert "Restore project" in html
    assert "Restore it to add or edit recordings" in html
    assert 'type="file"' not in html

    editor_client.post(reverse("projects:restore", args=[project.pk]))
    project.refresh_from_db()
    assert not project.archived
    assert Project.objects.filter(pk=project.pk).exists()
    actions = set(Activity.objects.filter(target_id=project.pk).values_list("action", flat=True))
    assert {"project.archive", "project.restore"} <= actions


def test_archive_needs_post(editor_client, project):
    assert editor_client.get(reverse("projects:archive", args=[project.pk])).status_code == 405
    project.refresh_from_db()
    assert not project.archived


# -- detail -----------------------------------------------------------------------------


def test_detail_lists_recordings_with_their_facts_and_status(
    editor_client, editor, other_editor, project, make_media, upload, system_user
):
    plain = upload(make_media("mp3"), name="plain.mp3")
    video = upload(make_media("mp4"), name="talk.mp4", user=other_editor)
    done = upload(make_media("wav", seconds=2.0), name="done.wav")
    failed = upload(make_media("m4a"), name="failed.m4a")
    running = upload(make_media("flac"), name="running.flac")
    Transcription.objects.create(
        audio_file=done, raw_text="Hi", json_with_timestamps={"segments": []}, created_by=editor
    )
    audio_type = ContentType.objects.get_for_model(AudioFile)
    Job.objects.create(
        kind="transcribe",
        task_name="transcripts.tasks.transcribe",
        target_type=audio_type,
        target_id=failed.pk,
        status="failed",
        error="The file has no audio stream.",
    )
    Job.objects.create(
        kind="transcribe",
        task_name="transcripts.tasks.transcribe",
        target_type=audio_type,
        target_id=running.pk,
        status="running",
        progress=40,
    )

    response = editor_client.get(project.get_absolute_url())
    html = response.content.decode()
    rows = {
        a: re.search(rf'<tr data-audio-file="{a.pk}">(.*?)</tr>', html, re.S).group(1)
        for a in (plain, video, done, failed, running)
    }
    assert "plain.mp3" in rows[plain] and "Not transcribed" in rows[plain]
    assert "0:01" in rows[plain] and "3.4\xa0KB" in rows[plain] and "Erin Editor" in rows[plain]
    assert "Video" in rows[video] and "Sam Second" in rows[video]
    assert "Transcribed (T-1)" in rows[done] and "0:02" in rows[done]
    assert "Transcription failed" in rows[failed]
    assert 'title="The file has no audio stream."' in rows[failed]
    assert "Transcribing 40%" in rows[running]
    assert f'href="{plain.get_absolute_url()}"' in rows[plain]
    assert "Recordings (5)" in html
    assert 'name="files" multiple' in html


def test_detail_query_count_does_not_grow_with_recordings(
    editor_client, editor, project, make_media, upload, django_assert_max_num_queries
):
    def measure():
        # 13: two of them count the comments of every recording (and of the project).
        with django_assert_max_num_queries(13) as captured:
            editor_client.get(project.get_absolute_url())
        return len(captured)

    upload(make_media("mp3"))
    few = measure()
    for n in range(12):
        audio_file = upload(make_media("mp3"), name=f"take {n}.mp3")
        if n % 3 == 0:
            Transcription.objects.create(
                audio_file=audio_file,
                raw_text="x",
                json_with_timestamps={"segments": []},
                created_by=editor,
            )
    assert measure() == few


def test_detail_of_a_project_whose_type_is_archived_offers_no_upload(editor_client, project):
    ProjectType.objects.filter(pk=project.project_type_id).update(archived=True)
    html = editor_client.get(project.get_absolute_url()).content.decode()
    assert "is archived, so no recordings can be added" in html
    assert 'type="file"' not in html


def test_import_from_sonix_link_is_offered_while_recordings_can_be_added(
    settings, editor_client, editor, project
):
    link = f"{reverse('transcripts:sonix_import')}?project={project.pk}"
    settings.SONIX_API_KEY = ""
    html = editor_client.get(project.get_absolute_url()).content.decode()
    assert link in html and "Sonix is not connected yet" in html
    settings.SONIX_API_KEY = "key"
    html = editor_client.get(project.get_absolute_url()).content.decode()
    assert link in html and "Sonix is not connected yet" not in html
    project_archive(project=project, user=editor)
    assert link not in editor_client.get(project.get_absolute_url()).content.decode()
