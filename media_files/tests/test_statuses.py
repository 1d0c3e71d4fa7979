"""The status fragment pages poll, and what a status calls a transcript."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from jobs.models import Job
from media_files.models import AudioFile
from transcripts.models import Transcription, TranscriptionVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def recording(make_media, upload):
    return upload(make_media("mp3"), name="lecture.mp3")


def transcribe_job(audio_file, **fields) -> Job:
    return Job.objects.create(
        kind="transcribe",
        task_name="transcripts.tasks.transcribe",
        target_type=ContentType.objects.get_for_model(AudioFile),
        target_id=audio_file.pk,
        **fields,
    )


def t1(audio_file, editor, *, engine="local", model="pocketsphinx-en-us") -> Transcription:
    return Transcription.objects.create(
        audio_file=audio_file,
        raw_text="Hello.",
        json_with_timestamps={
            "segments": [],
            "metadata": {"source": "whisper", "engine": engine, "model": model},
        },
        created_by=editor,
    )


def human_versions(transcription, editor, count: int):
    for n in range(1, count + 1):
        TranscriptionVersion.objects.create(
            transcription=transcription,
            version_number=n,
            version_type=f"H-{n}",
            edited_text="Hello.",
            edited_by=editor,
        )
    return TranscriptionVersion.objects.get(transcription=transcription, version_number=count)


def statuses(client, **params):
    return client.get(reverse("media_files:statuses"), params, HTTP_HX_REQUEST="true")


def poller(html: str) -> str:
    return re.search(r'<div id="recording-status-poller"[^>]*>', html).group(0)


def test_a_running_job_keeps_the_poller_asking(editor_client, recording):
    transcribe_job(recording, status="running", progress=40)
    response = statuses(editor_client, id=str(recording.pk))
    html = response.content.decode()
    assert response.status_code == 200 and "HX-Trigger" not in response
    assert f'id="recording-status-{recording.pk}"' in html and 'hx-swap-oob="true"' in html
    assert "Transcribing 40%" in html
    assert 'hx-trigger="every 2s"' in poller(html)
    assert f"id={recording.pk}" in poller(html)


def test_a_finished_job_ends_the_polling_and_tells_the_page(editor_client, editor, recording):
    transcribe_job(recording, status="succeeded", progress=100)
    t1(recording, editor)
    response = statuses(editor_client, id=str(recording.pk))
    html = response.content.decode()
    assert response["HX-Trigger"] == "recording-status-final"
    assert "Transcribed (T-1)" in html and "Edit transcript" in html
    assert "hx-trigger" not in poller(html) and "hx-get" not in poller(html)


def test_a_watched_recording_is_followed_without_a_timer_until_a_job_runs(editor_client, recording):
    idle = statuses(editor_client, watch=str(recording.pk))
    assert "HX-Trigger" not in idle  # it was not running before either
    assert 'hx-trigger="panel-swapped"' in poller(idle.content.decode())
    transcribe_job(recording, status="queued")
    html = statuses(editor_client, watch=str(recording.pk)).content.decode()
    assert "Waiting to transcribe" in html
    assert 'hx-trigger="every 2s, panel-swapped"' in poller(html)


@pytest.mark.parametrize(
    "params",
    [{}, {"id": "not-a-uuid"}, {"id": "1"}, {"watch": "x"}],
)
def test_bad_requests_get_a_400_not_a_500(editor_client, params):
    response = statuses(editor_client, **params)
    assert response.status_code == 400


def test_too_many_ids_are_refused(editor_client):
    import uuid

    response = editor_client.get(
        reverse("media_files:statuses"), {"id": [str(uuid.uuid4()) for _ in range(101)]}
    )
    assert response.status_code == 400


def test_statuses_take_a_fixed_number_of_queries(
    editor_client, editor, make_media, upload, django_assert_num_queries
):
    files = [upload(make_media("mp3"), name=f"take {n}.mp3") for n in range(6)]
    for n, audio_file in enumerate(files):
        transcribe_job(audio_file, status="running", progress=n)
    # session, user, recordings, their transcripts, their jobs
    with django_assert_num_queries(5):
        response = statuses(editor_client, id=[str(a.pk) for a in files])
    assert response.content.decode().count('hx-swap-oob="true"') == 6


def test_pages_without_running_jobs_do_not_poll(editor_client, editor, project, recording):
    t1(recording, editor)
    for url in (project.get_absolute_url(), recording.get_absolute_url()):
        html = editor_client.get(url).content.decode()
        assert "every" not in poller(html)


# --- what a status calls a transcript ------------------------------------------------------


def row(html: str, audio_file) -> str:
    return re.search(rf'<tr data-audio-file="{audio_file.pk}">(.*?)</tr>', html, re.S).group(1)


def test_human_versions_are_called_human_and_labels_are_explained(
    editor_client, editor, project, make_media, upload
):
    machine = upload(make_media("mp3"), name="machine.mp3")
    edited = upload(make_media("mp3"), name="edited.mp3")
    final = upload(make_media("mp3"), name="final.mp3")
    t1(machine, editor)
    human_versions(t1(edited, editor), editor, 3)
    finalized = t1(final, editor, engine="openai", model="whisper-1")
    Transcription.objects.filter(pk=finalized.pk).update(
        final_version=human_versions(finalized, editor, 2)
    )
    html = editor_client.get(project.get_absolute_url()).content.decode()

    assert "Transcribed (T-1)" in row(html, machine)
    assert (
        'title="T-1: the machine transcript by PocketSphinx, offline, before any human edit."'
    ) in row(html, machine)
    assert "Human-edited (H-3)" in row(html, edited)
    assert "H-3: the 3rd human version of the English transcript" in row(html, edited)
    assert "Machine transcript T-1 by PocketSphinx, offline." in row(html, edited)
    assert "Final: H-2 (human)" in row(html, final)
    assert "H-2: the 2nd human version" in row(html, final)
    assert "T-1 by OpenAI whisper-1" in row(html, final)
    # The source column says "whisper" for every run of our own pipeline: never shown as
    # the engine.
    assert "Whisper / own pipeline" not in html
