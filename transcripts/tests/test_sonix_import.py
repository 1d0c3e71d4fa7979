"""Sonix import page, import service, periodic sync and "Sync now", against a fake Sonix."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from accounts.models import Activity
from media_files.models import AudioFile
from tests.factories import ProjectFactory
from transcripts.models import Transcription
from transcripts.sonix import sonix_import, sonix_pending, sonix_sync_pending
from transcripts.tasks import sonix_sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(editor):
    return ProjectFactory(created_by=editor, spring_series=True)


PAGE = reverse("transcripts:sonix_import")


def test_without_a_key_the_page_explains_what_to_set(settings, editor_client):
    settings.SONIX_API_KEY = ""
    response = editor_client.get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="sonix-not-configured"' in html
    assert "SONIX_API_KEY" in html
    assert "my.sonix.ai/api" in html


def test_page_lists_the_sonix_account_and_marks_imported_media(
    sonix, editor_client, project, editor
):
    sonix.add_media("m1", "Endo lecture.mp3", status="completed", duration=3725)
    sonix.add_media("m2", "Q&A webinar.mp4", status="transcribing")
    sonix_import(project=project, media_ids=["m1"], user=editor)

    response = editor_client.get(PAGE, {"project": project.pk})
    html = response.content.decode()
    assert "Endo lecture.mp3" in html and "Q&amp;A webinar.mp4" in html
    assert "1:02:05" in html  # Sonix's duration
    assert 'name="media" value="m2"' in html
    assert 'name="media" value="m1"' not in html  # already here
    assert f"Imported</a> into {project.name}" in html
    assert f'<option value="{project.pk}" selected>' in html


def test_listing_pages_follow_sonix_pagination(sonix, editor_client):
    sonix.per_page = 1
    sonix.add_media("m1", "First")
    sonix.add_media("m2", "Second")
    html = editor_client.get(PAGE, {"page": 2}).content.decode()
    assert "First" in html and "Second" not in html
    assert "Page 2 of 2" in html


def test_a_sonix_outage_is_shown_not_a_crash(sonix, editor_client):
    sonix.fail_next(503)
    response = editor_client.get(PAGE)
    assert response.status_code == 200
    assert "Could not list your Sonix recordings" in response.content.decode()
    assert "server error (HTTP 503)" in response.content.decode()


def test_import_creates_rows_and_the_t1_of_finished_media(
    sonix, editor_client, project, editor, django_capture_on_commit_callbacks
):
    sonix.add_media("m1", "Endo lecture.mp3", status="completed", duration=5.2)
    sonix.add_media("m2", "Q&A webinar.mp4", status="transcribing", duration=600)
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            PAGE, {"project": project.pk, "media": ["m1", "m2"]}, follow=True
        )
    assert response.redirect_chain[-1][0] == project.get_absolute_url()
    messages = [str(m) for m in response.context["messages"]]
    assert "Imported “Endo lecture.mp3” from Sonix (status: completed)." in messages

    done = AudioFile.objects.get(sonix_media_id="m1")
    assert done.file_path == "sonix://m1"
    assert done.file_type == "audio"
    assert done.sonix_status == "completed"
    assert float(done.duration_seconds) == 5.2
    assert done.uploaded_by == editor
    t1 = Transcription.objects.get(audio_file=done)
    assert t1.source == "sonix"
    assert t1.transcription_type == "T-1"
    assert t1.created_by == editor
    assert t1.raw_text == "Welcome to endodontics, everyone. Let's begin.\nThank you!"
    assert t1.json_with_timestamps["metadata"] == {"source": "sonix", "duration": 5.2}
    assert t1.json_with_timestamps["segments"][0]["words"][2] == {
        "word": "endodontics,",
        "start": 0.7,
        "end": 1.6,
    }

    waiting = AudioFile.objects.get(sonix_media_id="m2")
    assert waiting.file_type == "video"
    assert waiting.sonix_status == "transcribing"
    assert not Transcription.objects.filter(audio_file=waiting).exists()
    assert Activity.objects.filter(action="audio_file.sonix_import").count() == 2

    # The project page shows both, with where their transcripts stand.
    html = editor_client.get(project.get_absolute_url()).content.decode()
    assert "Transcribed (T-1)" in html
    assert "Sonix: transcribing" in html


def test_sync_picks_up_media_sonix_finished_later(
    sonix, project, editor, django_capture_on_commit_callbacks
):
    sonix.add_media("m2", "Webinar", status="transcribing")
    with django_capture_on_commit_callbacks(execute=True):
        (audio_file,) = sonix_import(project=project, media_ids=["m2"], user=editor).imported
    assert list(sonix_pending()) == [audio_file]

    sonix.media["m2"]["status"] = "completed"
    report = sonix_sync()  # the periodic task
    assert report == {
        "checked": 1,
        "transcripts_created": 1,
        "errors": [],
        "stopped_early": False,
    }
    audio_file.refresh_from_db()
    assert audio_file.sonix_status == "completed"
    assert Transcription.objects.get(audio_file=audio_file).source == "sonix"
    change = Activity.objects.get(action="audio_file.sonix_status", target_id=audio_file.pk)
    assert change.details == {"from": "transcribing", "to": "completed"}
    assert list(sonix_pending()) == []

    # Running again is harmless: nothing pending, no second T-1, no extra calls.
    calls = len(sonix.requests)
    assert sonix_sync()["checked"] == 0
    assert len(sonix.requests) == calls
    assert Transcription.objects.filter(audio_file=audio_file).count() == 1


def test_one_failing_media_does_not_stop_the_others(sonix, project, editor):
    sonix.add_media("gone", "Deleted in Sonix", status="transcribing")
    sonix.add_media("ok", "Fine", status="transcribing")
    sonix_import(project=project, media_ids=["gone", "ok"], user=editor)
    del sonix.media["gone"]
    sonix.media["ok"]["status"] = "completed"

    report = sonix_sync_pending()
    assert report.checked == 2
    assert report.transcripts_created == 1
    assert len(report.errors) == 1 and "Deleted in Sonix" in report.errors[0]
    assert AudioFile.objects.get(sonix_media_id="gone").sonix_status == "missing"
    assert list(sonix_pending()) == []  # missing is final


def test_a_429_stops_the_run_until_next_time(sonix, project, editor):
    for n in range(3):
        sonix.add_media(f"m{n}", f"Lecture {n}", status="transcribing")
    sonix_import(project=project, media_ids=["m0", "m1", "m2"], user=editor)
    sonix.fail_next(429, headers={"Retry-After": "60"})
    calls = len(sonix.requests)
    report = sonix_sync_pending()
    assert report.stopped_early
    assert report.checked == 1
    assert len(sonix.requests) == calls + 1


def test_failed_transcription_in_sonix_is_shown_and_stops_polling(
    sonix, editor_client, project, editor
):
    sonix.add_media("bad", "Noise.mp3", status="failed")
    (_audio_file,) = sonix_import(project=project, media_ids=["bad"], user=editor).imported
    assert list(sonix_pending()) == []
    html = editor_client.get(project.get_absolute_url()).content.decode()
    assert "Sonix: failed" in html


def test_sync_now_button_runs_the_sync(
    sonix, editor_client, project, editor, django_capture_on_commit_callbacks
):
    sonix.add_media("m1", "Lecture", status="transcribing")
    (audio_file,) = sonix_import(project=project, media_ids=["m1"], user=editor).imported
    sonix.media["m1"]["status"] = "completed"
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("transcripts:sonix_sync"),
            {"audio_file": audio_file.pk, "next": audio_file.get_absolute_url()},
        )
    assert response["Location"] == audio_file.get_absolute_url()
    assert Transcription.objects.filter(audio_file=audio_file, source="sonix").exists()


def test_sync_now_ignores_a_foreign_next_url(sonix, editor_client):
    response = editor_client.post(
        reverse("transcripts:sonix_sync"), {"next": "https://evil.example/"}
    )
    assert response["Location"] == PAGE


def test_pending_list_refreshes_itself_with_htmx(sonix, editor_client, project, editor):
    sonix.add_media("m1", "Waiting lecture", status="preparing")
    sonix_import(project=project, media_ids=["m1"], user=editor)
    html = editor_client.get(PAGE).content.decode()
    assert 'hx-trigger="every 5s"' in html
    calls = len(sonix.requests)
    fragment = editor_client.get(
        PAGE, headers={"hx-request": "true", "hx-target": "sonix-pending"}
    ).content.decode()
    assert fragment.lstrip().startswith("<section")
    assert "Waiting lecture" in fragment and "Sonix: preparing" in fragment
    assert len(sonix.requests) == calls  # the refresh does not call Sonix


def test_importing_twice_is_refused_with_a_message(sonix, editor_client, project, editor):
    sonix.add_media("m1", "Lecture", status="transcribing")
    sonix_import(project=project, media_ids=["m1"], user=editor)
    response = editor_client.post(PAGE, {"project": project.pk, "media": ["m1"]}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert f"“Lecture” is already imported into “{project.name}”." in messages
    assert AudioFile.objects.filter(sonix_media_id="m1").count() == 1


def test_import_into_an_archived_project_is_refused(sonix, project, editor):
    from django.core.exceptions import ValidationError

    from projects.services import project_archive

    sonix.add_media("m1", "Lecture")
    project_archive(project=project, user=editor)
    project.refresh_from_db()
    with pytest.raises(ValidationError, match="archived"):
        sonix_import(project=project, media_ids=["m1"], user=editor)
    assert not AudioFile.objects.exists()


def test_import_needs_a_project_and_a_selection(sonix, editor_client, project):
    sonix.add_media("m1", "Lecture")
    response = editor_client.post(PAGE, {"media": ["m1"]})
    assert "Choose the project to import into." in response.content.decode()
    response = editor_client.post(PAGE, {"project": project.pk})
    assert "Tick at least one Sonix recording to import." in response.content.decode()
    assert not AudioFile.objects.exists()


def test_unknown_media_id_is_reported(sonix, editor_client, project):
    response = editor_client.post(PAGE, {"project": project.pk, "media": ["nope"]}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("Sonix media nope" in m and "not found" in m for m in messages)


def test_sonix_only_recording_page_explains_playback(
    sonix, editor_client, project, editor, django_capture_on_commit_callbacks
):
    sonix.add_media("m1", "Lecture", status="completed")
    with django_capture_on_commit_callbacks(execute=True):
        (audio_file,) = sonix_import(project=project, media_ids=["m1"], user=editor).imported
    html = editor_client.get(audio_file.get_absolute_url()).content.decode()
    assert 'id="player-unavailable"' in html
    assert 'id="player"' not in html
    assert 'id="transcription-panel"' in html
    stream = editor_client.get(reverse("media_files:stream", args=[audio_file.pk]))
    assert stream.status_code == 404


def test_sonix_only_recordings_cannot_be_opened_for_decoding(sonix, project, editor):
    from media_files.services import MediaUnavailable, audio_file_local_path

    sonix.add_media("m1", "Lecture")
    (audio_file,) = sonix_import(project=project, media_ids=["m1"], user=editor).imported
    with (
        pytest.raises(MediaUnavailable, match="imported from Sonix"),
        audio_file_local_path(audio_file),
    ):
        pass


def test_sync_is_scheduled_every_few_minutes():
    entry = django_settings.CELERY_BEAT_SCHEDULE["transcripts.sonix_sync"]
    assert entry["task"] == "transcripts.tasks.sonix_sync"
    assert 60 <= entry["schedule"] <= 900


def test_the_periodic_task_is_quiet_without_a_key(settings):
    settings.SONIX_API_KEY = ""
    assert sonix_sync()["checked"] == 0


def test_import_page_query_count_is_flat(
    sonix, editor_client, project, editor, django_assert_max_num_queries
):
    for n in range(8):
        sonix.add_media(f"m{n}", f"Lecture {n}", status="transcribing")
    sonix_import(project=project, media_ids=[f"m{n}" for n in range(4)], user=editor)
    with django_assert_max_num_queries(9):
        editor_client.get(PAGE)
