"""The transcription job end to end: upload → job → T-1, retries, idempotency, replacing."""

import re
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.files import File
from django.urls import reverse
from django.utils import timezone

from accounts.models import Activity
from glossary.models import DictionaryEntry
from integrations.transcription import get_transcription_engine
from integrations.transcription.runner import plan_pieces
from jobs.models import Job
from jobs.services import job_retry
from media_files.services import audio_file_upload
from transcripts import pipeline
from transcripts.models import Transcription, TranscriptionVersion
from transcripts.services import transcription_create_t1
from transcripts.tasks import transcribe
from transcripts.tests.transcription_fakes import (
    DENTAL_FIXTURE,
    SPEECH_FIXTURE,
    SPEECH_WORDS,
    FakeOpenAI,
    Fault,
    isolate_storage,
    tone_bursts,
    write_audio,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_storage(settings, tmp_path):
    isolate_storage(settings, tmp_path / "media")


@pytest.fixture
def upload(project, editor, django_capture_on_commit_callbacks):
    """Upload a file through the real upload service; the job runs on commit (eagerly)."""

    def _upload(path: Path, name: str | None = None):
        with path.open("rb") as fh, django_capture_on_commit_callbacks(execute=True):
            audio_file = audio_file_upload(
                project=project, uploaded_file=File(fh, name=name or path.name), user=editor
            )
        return audio_file

    return _upload


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def openai_settings(settings, fake):
    settings.TRANSCRIPTION_ENGINE = "openai"
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = fake.base_url
    settings.VENDOR_TIMEOUT_SECONDS = 5
    settings.TRANSCRIPTION_PARALLELISM = 4
    settings.TRANSCRIPTION_PIECE_RETRIES = 0
    return settings


@pytest.fixture
def lecture(tmp_path):
    """About 2.5 minutes of tone "words" with pauses (planned into several pieces)."""
    pcm, bursts = tone_bursts(150, gaps=[0.3 + (k % 5) * 0.1 for k in range(150)])
    return write_audio(pcm, tmp_path / "lecture.flac"), bursts


def job_for(audio_file) -> Job:
    return Job.for_target(audio_file, "transcribe").get()


def words_of(transcription):
    return [w["word"] for s in transcription.json_with_timestamps["segments"] for w in s["words"]]


def plain_words(transcription) -> list[str]:
    return [re.sub(r"[^\w']", "", w.casefold()) for w in words_of(transcription)]


# --- the happy paths ---------------------------------------------------------------


def test_an_upload_is_transcribed_offline_into_a_t1(upload, editor):
    audio_file = upload(SPEECH_FIXTURE, "Lecture 1.flac")

    job = job_for(audio_file)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert (job.kind, job.task_name, job.progress) == (
        "transcribe",
        "transcripts.tasks.transcribe",
        100,
    )
    transcription = audio_file.live_transcription
    assert job.result["transcription_id"] == str(transcription.pk)
    assert transcription.transcription_type == "T-1" and transcription.source == "whisper"
    assert transcription.created_by == editor
    data = transcription.json_with_timestamps
    assert data["metadata"]["source"] == "whisper"
    assert data["metadata"]["engine"] == "local"
    # What really made it, for badges and exports (not "Whisper" for PocketSphinx).
    assert data["metadata"]["model"] == "tiny.en"
    assert data["metadata"]["engine_label"] == "Whisper tiny.en, offline (faster-whisper)"
    assert data["metadata"]["duration"] == pytest.approx(10.56, abs=0.05)
    assert [s["id"] for s in data["segments"]] == list(range(len(data["segments"])))
    assert plain_words(transcription) == SPEECH_WORDS
    assert "New York City" in transcription.raw_text
    words = [w for s in data["segments"] for w in s["words"]]
    assert all(0 <= w["probability"] <= 1 and w["end"] > w["start"] for w in words)
    actions = set(Activity.objects.values_list("action", flat=True))
    assert {"audio_file.upload", "transcription.start", "transcription.create"} <= actions


def test_the_openai_engine_transcribes_a_long_file_in_pieces(
    upload, openai_settings, fake, lecture, system_user
):
    path, bursts = lecture
    DictionaryEntry.objects.create(
        term_original="endo dontics",
        term_corrected="endodontics",
        created_by=system_user,
        usage_count=5,
    )
    DictionaryEntry.objects.create(
        term_original="soto", term_corrected="Dr. Soto", created_by=system_user, usage_count=9
    )
    DictionaryEntry.objects.create(
        term_original="old", term_corrected="Archived term", created_by=system_user, archived=True
    )
    DictionaryEntry.objects.create(
        term_original="muela", term_corrected="molar", language_code="es", created_by=system_user
    )

    audio_file = upload(path)

    job = job_for(audio_file)
    assert job.status == Job.Status.SUCCEEDED, job.error
    transcription = audio_file.live_transcription
    assert words_of(transcription) == [b.word for b in bursts]  # none lost, none twice
    meta = transcription.json_with_timestamps["metadata"]
    assert meta["engine"] == "openai" and meta["source"] == "whisper"
    assert meta["pieces"] == len(fake.requests) > 1
    assert job.result["pieces"] == meta["pieces"]
    prompts = {r.fields["prompt"][0] for r in fake.requests}
    assert prompts == {"Vocabulary: Dr. Soto, endodontics."}


def test_the_glossary_spells_dental_terms_in_an_offline_transcript(upload, system_user):
    DictionaryEntry.objects.create(
        term_original="very ethical",
        term_corrected="periapical",
        created_by=system_user,
        usage_count=3,
    )
    DictionaryEntry.objects.create(
        term_original="pulp itis", term_corrected="pulpitis", created_by=system_user
    )

    audio_file = upload(DENTAL_FIXTURE, "Endodontics 1.flac")

    words = plain_words(audio_file.live_transcription)
    assert "periapical" in words and "pulpitis" in words, words


def test_a_silent_recording_says_no_speech_found_and_offers_to_transcribe_again(
    upload, editor, tmp_path, client, django_capture_on_commit_callbacks
):
    rng = np.random.default_rng(7)
    room = (rng.standard_normal(16000 * 12) * 60).astype(np.int16)  # -55 dBFS, nobody talks
    audio_file = upload(write_audio(room, tmp_path / "empty room.flac"))

    job = job_for(audio_file)
    assert job.status == Job.Status.FAILED and job.attempts == 1
    assert job.error.startswith("No speech found: Whisper tiny.en, offline (faster-whisper)")
    assert "0:12 of audio" in job.error
    assert not Transcription.objects.filter(audio_file=audio_file).exists()  # no empty T-1

    client.force_login(editor)
    page = client.get(audio_file.get_absolute_url()).content.decode()
    assert "No speech found" in page
    assert reverse("transcripts:transcribe", args=[audio_file.pk]) in page  # Transcribe again
    # Transcribing again starts a new job, which does all the work again.
    with django_capture_on_commit_callbacks(execute=True):
        again = pipeline.transcription_start(audio_file=audio_file, user=editor)
    again.refresh_from_db()
    assert again.pk != job.pk and again.status == Job.Status.FAILED
    assert again.result is None or not again.result.get("reused_pieces")


def test_re_transcribing_into_silence_keeps_the_current_transcript(
    upload, editor, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.TRANSCRIBE_AFTER_UPLOAD = False
    room = (np.random.default_rng(8).standard_normal(16000 * 6) * 60).astype(np.int16)
    audio_file = upload(write_audio(room, tmp_path / "room.flac"))
    old = transcription_create_t1(
        audio_file=audio_file,
        json_with_timestamps={
            "segments": [{"id": 0, "start": 0.0, "end": 1.0, "text": "Typed in.", "words": []}]
        },
        source="sonix",
        created_by=editor,
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = pipeline.transcription_start(audio_file=audio_file, user=editor, replace=True)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.error.startswith("No speech found")
    old.refresh_from_db()
    assert audio_file.live_transcription == old and not old.archived


# --- idempotency: redelivery, running twice ----------------------------------------


def test_running_the_task_again_creates_no_second_t1(upload, openai_settings, fake, lecture):
    audio_file = upload(lecture[0])
    job = job_for(audio_file)
    sent = len(fake.requests)

    transcribe.apply(args=[str(job.pk)])  # a redelivered message for a finished job
    # A worker that died after storing the T-1 but before marking the job done (its lease
    # has run out, so the redelivery takes the job over):
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING,
        heartbeat_at=timezone.now() - timedelta(seconds=settings.JOB_LEASE_SECONDS + 1),
    )
    transcribe.apply(args=[str(job.pk)])

    assert Transcription.objects.filter(audio_file=audio_file).count() == 1
    assert len(fake.requests) == sent
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.result["already_done"] is True


def test_a_transient_fault_is_retried_without_redoing_finished_pieces(
    upload, openai_settings, fake, lecture
):
    path, bursts = lecture
    fake.fail_next(Fault(500, b'{"error": {"message": "overloaded"}}', {"Retry-After": "0"}))

    audio_file = upload(path)

    job = job_for(audio_file)
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2
    pieces = job.result["pieces"]
    assert len(fake.requests) == pieces + 1  # only the failed piece was sent again
    assert words_of(audio_file.live_transcription) == [b.word for b in bursts]


def test_gave_up_jobs_fail_in_plain_words_and_retry_resumes(
    upload, openai_settings, fake, lecture, django_capture_on_commit_callbacks
):
    path, bursts = lecture
    openai_settings.TRANSCRIPTION_PARALLELISM = 1  # pieces go out one after another
    openai_settings.TRANSCRIPTION_MAX_PIECE_SECONDS = 30
    # Each of the three attempts (VENDOR_MAX_RETRIES is 2 in tests) gets one more piece
    # done before a 503.
    busy = Fault(503, b'{"error": {"message": "busy"}}')
    fake.fail_next(Fault(None), busy, Fault(None), busy, Fault(None), busy)

    audio_file = upload(path)

    job = job_for(audio_file)
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("Gave up after 3 attempts: ")
    assert "server error (HTTP 503): busy" in job.error
    assert job.can_retry and audio_file.live_transcription is None

    plan = plan_pieces(path, engine=get_transcription_engine(), parallelism=1, max_piece_seconds=30)
    checkpoint = pipeline._Checkpoint(job, plan)
    assert checkpoint.piece(0) is not None  # kept for the retry

    sent = len(fake.requests)
    with django_capture_on_commit_callbacks(execute=True):
        job_retry(job=job)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert words_of(audio_file.live_transcription) == [b.word for b in bursts]
    # The pieces finished before giving up (three, or four when the worker thread took
    # the next piece before the failure was noticed) are not sent again.
    reused = job.result["reused_pieces"]
    assert reused >= 3
    assert len(fake.requests) - sent == job.result["pieces"] - reused
    # Once the T-1 is stored, the finished pieces are let go.
    plan = plan_pieces(path, engine=get_transcription_engine(), parallelism=1, max_piece_seconds=30)
    assert pipeline._Checkpoint(job, plan).piece(0) is None


def test_permanent_faults_fail_at_once_with_the_reason(upload, openai_settings, fake, lecture):
    fake.fail_next(Fault(401, b'{"error": {"message": "Incorrect API key provided"}}'))
    audio_file = upload(lecture[0])
    job = job_for(audio_file)
    assert job.status == Job.Status.FAILED and job.attempts == 1
    assert "refused the API key" in job.error and "Check OPENAI_API_KEY" in job.error
    assert not Transcription.objects.filter(audio_file=audio_file).exists()


def test_a_missing_file_fails_clearly(project, editor, django_capture_on_commit_callbacks):
    from media_files.models import AudioFile

    audio_file = AudioFile.objects.create(
        project=project,
        file_name="gone.mp3",
        file_path="audio/lecture/gone.mp3",
        uploaded_by=editor,
    )
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.transcription_start(audio_file=audio_file, user=editor)
    job = job_for(audio_file)
    assert job.status == Job.Status.FAILED
    assert job.error == "The recording's file is missing from storage."


# --- starting, and re-transcribing ----------------------------------------------------


def test_a_second_start_returns_the_queued_job(upload, settings, editor):
    settings.TRANSCRIBE_AFTER_UPLOAD = False
    audio_file = upload(SPEECH_FIXTURE)
    assert not Job.objects.exists()
    first = pipeline.transcription_start(audio_file=audio_file, user=editor)
    second = pipeline.transcription_start(audio_file=audio_file, user=editor)
    assert first.pk == second.pk and Job.objects.count() == 1
    assert first.params == {"engine": "local"}


def test_starting_after_upload_is_skipped_when_there_is_nothing_to_do(
    upload, openai_settings, editor, lecture
):
    audio_file = upload(lecture[0])  # transcribed already
    assert pipeline.transcription_start_after_upload(audio_file=audio_file, user=editor) is None
    openai_settings.TRANSCRIBE_AFTER_UPLOAD = False
    upload(lecture[0], "second.flac")
    assert Job.objects.count() == 1


def test_a_transcript_is_never_replaced_without_saying_so(upload, openai_settings, editor, lecture):
    audio_file = upload(lecture[0])
    with pytest.raises(pipeline.TranscriptionExists):
        pipeline.transcription_start(audio_file=audio_file, user=editor)


def test_re_transcribing_archives_the_old_transcript_with_its_human_versions(
    upload, editor, openai_settings, lecture, django_capture_on_commit_callbacks
):
    audio_file = upload(lecture[0])
    old = audio_file.live_transcription
    edited = TranscriptionVersion.objects.create(
        transcription=old,
        version_number=1,
        version_type="H-1",
        edited_text="Hello everyone, please open your books now.",
        edited_by=editor,
    )

    with django_capture_on_commit_callbacks(execute=True):
        job = pipeline.transcription_start(audio_file=audio_file, user=editor, replace=True)

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.params["replaces"] == str(old.pk)
    old.refresh_from_db()
    assert old.archived is True
    assert list(old.versions.all()) == [edited]  # kept, restorable
    new = audio_file.live_transcription
    assert new.pk != old.pk and new.transcription_type == "T-1"
    assert Transcription.objects.filter(audio_file=audio_file).count() == 2
    assert Activity.objects.filter(action="transcription.archive", target_id=old.pk).exists()


def test_a_failed_re_transcription_leaves_the_current_transcript_live(
    upload, editor, openai_settings, fake, lecture, django_capture_on_commit_callbacks
):
    audio_file = upload(lecture[0])
    old = audio_file.live_transcription
    fake.fail_next(Fault(400, b'{"error": {"message": "Unsupported"}}'))
    with django_capture_on_commit_callbacks(execute=True):
        job = pipeline.transcription_start(audio_file=audio_file, user=editor, replace=True)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert audio_file.live_transcription == old


def test_archived_and_sonix_only_recordings_are_refused(upload, settings, editor, project):
    from media_files.models import AudioFile

    settings.TRANSCRIBE_AFTER_UPLOAD = False
    audio_file = upload(SPEECH_FIXTURE)
    AudioFile.objects.filter(pk=audio_file.pk).update(archived=True)
    audio_file.refresh_from_db()
    with pytest.raises(pipeline.TranscriptionRefused, match="archived"):
        pipeline.transcription_start(audio_file=audio_file, user=editor, replace=True)
    imported = AudioFile.objects.create(
        project=project, file_name="From Sonix", file_path="sonix://abc", uploaded_by=editor
    )
    with pytest.raises(pipeline.TranscriptionRefused, match="imported from Sonix"):
        pipeline.transcription_start(audio_file=imported, user=editor)


@pytest.mark.django_db(transaction=True)
def test_cancel_stops_a_running_transcription_between_pieces(
    upload, openai_settings, fake, lecture
):
    from django.db import connection

    from jobs.services import job_cancel

    openai_settings.TRANSCRIPTION_PARALLELISM = 1
    openai_settings.TRANSCRIPTION_MAX_PIECE_SECONDS = 30

    def press_cancel(requests_so_far):
        # Someone presses Cancel on the page while the second piece is being transcribed.
        if requests_so_far == 2:
            job_cancel(job=Job.objects.get(kind="transcribe"))
        elif requests_so_far == 3:
            # The piece queued behind it may start before the worker notices; hold it until
            # the worker has, so the test does not depend on how busy the machine is.
            deadline = time.monotonic() + 20
            while (
                Job.objects.get(kind="transcribe").status != Job.Status.CANCELLED
                and time.monotonic() < deadline
            ):
                time.sleep(0.05)
        connection.close()

    fake.on_request = press_cancel
    audio_file = upload(lecture[0])

    job = job_for(audio_file)
    assert job.status == Job.Status.CANCELLED and job.message == "Cancelled."
    assert len(fake.requests) <= 3  # the pieces already in the air, nothing after
    assert not Transcription.objects.filter(audio_file=audio_file).exists()
