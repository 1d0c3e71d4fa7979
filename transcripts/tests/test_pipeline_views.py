"""The transcription panel on a recording's page, the Transcribe button, the confirm page."""

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from jobs.models import Job
from jobs.services import job_fail
from media_files.models import AudioFile
from projects.models import Project, ProjectType
from transcripts.models import Transcription, TranscriptionVersion
from transcripts.tests.transcription_fakes import SPEECH_FIXTURE, isolate_storage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_storage(settings, tmp_path):
    isolate_storage(settings, tmp_path / "media")


@pytest.fixture
def audio_file(editor):
    project = Project.objects.create(
        name="Webinars", project_type=ProjectType.objects.get(slug="webinar"), created_by=editor
    )
    with SPEECH_FIXTURE.open("rb") as fh:
        key = default_storage.save("audio/webinar/test-speech.flac", fh)
    return AudioFile.objects.create(
        project=project,
        file_name="Speech.flac",
        file_path=key,
        file_size_bytes=SPEECH_FIXTURE.stat().st_size,
        uploaded_by=editor,
    )


def t1(audio_file, user, **extra):
    return Transcription.objects.create(
        audio_file=audio_file,
        raw_text="hello everyone",
        json_with_timestamps={
            "segments": [],
            "metadata": {"source": "whisper", "duration": 754.2, "engine": "openai"},
        },
        created_by=user,
        **extra,
    )


def page(client, audio_file):
    response = client.get(audio_file.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_a_new_recording_offers_transcribe(editor_client, audio_file):
    html = page(editor_client, audio_file)
    assert 'id="transcription-panel"' in html
    assert "No transcript yet." in html
    assert reverse("transcripts:transcribe", args=[audio_file.pk]) in html
    # No job: the panel does not poll (it only listens for the page's "finished" event).
    assert "every" not in html.split('id="transcription-panel"')[1].split(">")[0]


def test_transcribe_queues_a_job_and_the_panel_shows_its_progress(editor_client, audio_file):
    url = reverse("transcripts:transcribe", args=[audio_file.pk])
    response = editor_client.post(url)  # on_commit callbacks are not run: the job waits
    assert response.status_code == 302 and response.url == audio_file.get_absolute_url()
    job = Job.objects.get(kind="transcribe")
    assert job.status == Job.Status.QUEUED and job.created_by.email == "editor@example.com"

    html = page(editor_client, audio_file)
    assert f'id="job-{job.pk}"' in html and 'data-job-status="queued"' in html
    assert "Waiting for a worker…" in html
    assert reverse("jobs:cancel", args=[job.pk]) in html
    # The panel refreshes once the job reaches a finished status it wasn't drawn with.
    assert reverse("transcripts:media_panel", args=[audio_file.pk]) in html
    # The panel refreshes once the job it shows has finished (static/js/refresh-on-job-finish.js).
    assert 'data-refresh-on-job-finish data-rendered-job-status="queued"' in html
    assert ">Transcribe</button>" not in html


def test_transcribe_with_htmx_swaps_in_the_panel(editor_client, audio_file):
    url = reverse("transcripts:transcribe", args=[audio_file.pk])
    response = editor_client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<section") and 'data-job-status="queued"' in html


def test_progress_and_failure_are_shown_in_plain_words(editor_client, audio_file, editor):
    editor_client.post(reverse("transcripts:transcribe", args=[audio_file.pk]))
    job = Job.objects.get(kind="transcribe")
    Job.objects.filter(pk=job.pk).update(status="running", progress=42, message="piece 7 of 40")
    html = page(editor_client, audio_file)
    assert 'value="42"' in html and "piece 7 of 40" in html

    job_fail(job=job, error="Gave up after 5 attempts: The OpenAI transcription service is busy.")
    html = page(editor_client, audio_file)
    assert "Gave up after 5 attempts: The OpenAI transcription service is busy." in html
    assert reverse("jobs:retry", args=[job.pk]) in html
    assert ">Transcribe</button>" in html  # or start afresh


def test_a_finished_transcript_is_summarised_with_a_way_to_the_editor(
    editor_client, audio_file, editor
):
    transcription = t1(audio_file, editor)
    TranscriptionVersion.objects.create(
        transcription=transcription,
        version_number=1,
        version_type="H-1",
        edited_text="x",
        edited_by=editor,
    )
    html = page(editor_client, audio_file)
    assert ">H-1</strong>" in html and "by OpenAI whisper-1, 12:34 long" in html
    # A human version is called human, never a machine transcript.
    assert "human version, edited by people from the machine transcript (T-1)" in html
    assert 'title="H-1: the 1st human version of the English transcript' in html
    assert "1 human version" in html
    assert reverse("transcripts:retranscribe", args=[audio_file.pk]) in html
    assert ">Transcribe</button>" not in html
    editor_url = reverse("transcripts:editor", args=[transcription.pk])
    assert f'<a class="button" href="{editor_url}">Open in editor</a>' in html


def test_transcribing_again_asks_first(editor_client, audio_file, editor):
    transcription = t1(audio_file, editor)
    for n in (1, 2):
        TranscriptionVersion.objects.create(
            transcription=transcription,
            version_number=n,
            version_type=f"H-{n}",
            edited_text="x",
            edited_by=editor,
        )
    confirm = reverse("transcripts:retranscribe", args=[audio_file.pk])
    response = editor_client.post(reverse("transcripts:transcribe", args=[audio_file.pk]))
    assert response.status_code == 302 and response.url == confirm
    response = editor_client.post(
        reverse("transcripts:transcribe", args=[audio_file.pk]), HTTP_HX_REQUEST="true"
    )
    assert response["HX-Redirect"] == confirm
    assert not Job.objects.exists()

    html = editor_client.get(confirm).content.decode()
    assert "2 human versions (H-1, H-2)" in html
    assert "archived, not deleted" in html
    assert f'name="confirm" value="{transcription.pk}"' in html

    response = editor_client.post(confirm, {"confirm": str(transcription.pk)})
    assert response.status_code == 302 and response.url == audio_file.get_absolute_url()
    job = Job.objects.get(kind="transcribe")
    assert job.params["replaces"] == str(transcription.pk)
    transcription.refresh_from_db()
    assert transcription.archived is False  # only once the new T-1 is ready


def test_a_stale_confirmation_starts_nothing(editor_client, audio_file, editor):
    t1(audio_file, editor)
    confirm = reverse("transcripts:retranscribe", args=[audio_file.pk])
    response = editor_client.post(confirm, {"confirm": "00000000-0000-0000-0000-000000000000"})
    assert response.status_code == 302 and response.url == confirm
    assert not Job.objects.exists()
    html = editor_client.get(confirm).content.decode()
    assert "The transcript changed meanwhile" in html


def test_archived_transcripts_are_listed(editor_client, audio_file, editor):
    t1(audio_file, editor, archived=True)
    t1(audio_file, editor)
    html = page(editor_client, audio_file)
    assert "Earlier transcripts (1, archived)" in html


def test_the_panel_costs_the_same_queries_however_many_transcripts(
    editor_client, audio_file, editor, django_assert_max_num_queries
):
    t1(audio_file, editor)
    url = reverse("transcripts:media_panel", args=[audio_file.pk])
    with django_assert_max_num_queries(8):
        editor_client.get(url)
    for _ in range(6):
        old = t1(audio_file, editor, archived=True)
        TranscriptionVersion.objects.create(
            transcription=old,
            version_number=1,
            version_type="H-1",
            edited_text="x",
            edited_by=editor,
        )
    with django_assert_max_num_queries(8):
        html = editor_client.get(url).content.decode()
    assert "Earlier transcripts (6, archived)" in html


def test_a_sonix_import_has_no_transcribe_button(editor_client, audio_file):
    AudioFile.objects.filter(pk=audio_file.pk).update(file_path="sonix://m-1", sonix_media_id="m-1")
    audio_file.refresh_from_db()
    html = editor_client.get(reverse("transcripts:media_panel", args=[audio_file.pk])).content
    assert b"it comes from Sonix" in html and b">Transcribe</button>" not in html
    response = editor_client.post(reverse("transcripts:transcribe", args=[audio_file.pk]))
    assert response.status_code == 302
    assert not Job.objects.exists()


def test_pages_need_a_login_and_posts_need_post(editor_client, audio_file):
    url = reverse("transcripts:transcribe", args=[audio_file.pk])
    response = Client().post(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not Job.objects.exists()
    assert editor_client.get(url).status_code == 405


def test_the_panel_leads_on_to_translations_and_summaries(editor_client, audio_file, editor):
    transcription = t1(audio_file, editor)
    html = page(editor_client, audio_file)
    assert reverse("translations:overview", args=[transcription.pk]) in html
    assert reverse("summaries:transcript", args=[transcription.pk]) in html
