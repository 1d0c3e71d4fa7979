"""manage.py rerun_step: re-run transcribe / translate / summarize through the services."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import Activity
from jobs.models import Job
from media_files.models import AudioFile
from summaries.models import GeneratedSummary
from tests.factories import AudioFileFactory, TranscriptionFactory, TranscriptionVersionFactory
from transcripts.models import Transcription

pytestmark = pytest.mark.django_db

TIMED = {
    "segments": [
        {
            "id": 0,
            "start": 0.0,
            "end": 2.0,
            "text": "Root canal treatment of molars.",
            "words": [],
        }
    ],
    "metadata": {"source": "whisper", "duration": 2.0},
}


@pytest.fixture
def audio(editor):
    return AudioFileFactory(
        project__name="Endo",
        file_name="a.mp3",
        file_path="audio/lecture/x-a.mp3",
        duration_seconds=Decimal("2"),
        uploaded_by=editor,
    )


@pytest.fixture
def finalized(audio, editor):
    transcription = TranscriptionFactory(
        audio_file=audio,
        raw_text="Root canal treatment of molars.",
        json_with_timestamps=TIMED,
        created_by=editor,
        through_service=False,
    )
    TranscriptionVersionFactory(
        transcription=transcription,
        edited_text="Root canal treatment of molars.",
        json_with_timestamps=TIMED,
        edited_by=editor,
    )
    return transcription


def rerun(*args):
    out = StringIO()
    call_command("rerun_step", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_transcribe_queues_a_new_transcription_replacing_the_live_one(audio, finalized, editor):
    out = rerun(audio.pk, "--step", "transcribe", "--actor", editor.email)
    job = Job.for_target(audio, "transcribe").get()
    assert job.status == Job.Status.QUEUED and job.created_by == editor
    assert job.params["replaces"] == str(finalized.pk)
    assert f"Queued transcribe job {job.pk}" in out
    assert Activity.objects.filter(action="transcription.start", target_id=audio.pk).exists()
    # A second run while it is queued hands back the same job.
    again = rerun(audio.pk, "--step", "transcribe")
    assert f"transcribe job {job.pk}" in again and "is already queued" in again
    assert Job.for_target(audio, "transcribe").count() == 1


def test_transcribe_refusals_are_clear(audio):
    AudioFile.objects.filter(pk=audio.pk).update(file_path="sonix://m1")
    with pytest.raises(CommandError, match="imported from Sonix"):
        rerun(audio.pk, "--step", "transcribe")
    AudioFile.objects.filter(pk=audio.pk).update(archived=True)
    with pytest.raises(CommandError, match="archived"):
        rerun(audio.pk, "--step", "transcribe")
    assert not Job.objects.exists()


def test_translate_queues_one_job_per_language(audio, finalized):
    out = rerun(audio.pk, "--step", "translate", "--language", "es", "--language", "fr")
    jobs = Job.for_target(finalized, "translate")
    assert sorted(j.params["language"] for j in jobs) == ["es", "fr"]
    assert out.count("Queued translate job") == 2
    again = rerun(audio.pk, "--step", "translate", "--language", "es")
    assert "{'language': 'es'} is already queued" in again and "Queued" not in again
    assert Job.for_target(finalized, "translate").count() == 2
    everything = rerun(audio.pk, "--step", "translate")  # every active target language
    assert Job.for_target(finalized, "translate").count() == 8
    assert everything.count("Queued translate job") == 6


def test_translate_needs_a_transcript_and_a_final_version(audio, editor):
    with pytest.raises(CommandError, match="no transcript yet"):
        rerun(audio.pk, "--step", "translate")
    Transcription.objects.create(
        audio_file=audio, raw_text="x", json_with_timestamps=TIMED, created_by=editor
    )
    with pytest.raises(CommandError, match="no final version yet"):
        rerun(audio.pk, "--step", "translate", "--language", "es")
    assert not Job.objects.exists()


def test_translate_refuses_unknown_languages(audio, finalized):
    with pytest.raises(CommandError, match="not a language Max knows"):
        rerun(audio.pk, "--step", "translate", "--language", "es", "--language", "xx")
    assert not Job.objects.exists()


def test_summarize_rewrites_the_texts_not_finalized(
    audio, finalized, editor, django_capture_on_commit_callbacks
):
    GeneratedSummary.objects.create(
        transcription=finalized,
        summary_type="email",
        generated_text="Dear all",
        finalized_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        out = rerun(audio.pk, "--step", "summarize")
    job = Job.for_target(finalized, "summarize").get()
    assert job.params["summary_types"] == ["linkedin", "blog"]
    assert "Queued summarize job" in out
    job.refresh_from_db()  # the offline engine ran it eagerly
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert set(
        GeneratedSummary.objects.filter(transcription=finalized).values_list(
            "summary_type", flat=True
        )
    ) == {"email", "linkedin", "blog"}
    assert GeneratedSummary.objects.get(summary_type="email").generated_text == "Dear all"


def test_summarize_with_everything_finalized_does_nothing(audio, finalized):
    for kind in ("email", "linkedin", "blog"):
        GeneratedSummary.objects.create(
            transcription=finalized,
            summary_type=kind,
            generated_text="x",
            finalized_at=timezone.now(),
        )
    out = rerun(audio.pk, "--step", "summarize")
    assert "nothing to re-run" in out and not Job.objects.exists()
    with pytest.raises(CommandError, match="finalized"):
        rerun(audio.pk, "--step", "summarize", "--type", "email")


def test_wait_gives_up_after_the_timeout(audio, finalized):
    with pytest.raises(CommandError, match="still running after 0 s"):
        rerun(audio.pk, "--step", "translate", "--language", "es", "--wait", "--timeout", "0.2")


def test_bad_arguments_are_refused(audio, editor):
    import uuid

    with pytest.raises(CommandError, match="No recording"):
        rerun(uuid.uuid4(), "--step", "transcribe")
    with pytest.raises(CommandError, match="--language is for --step translate"):
        rerun(audio.pk, "--step", "transcribe", "--language", "es")
    with pytest.raises(CommandError, match="No active user"):
        rerun(audio.pk, "--step", "transcribe", "--actor", "nobody@example.com")
    with pytest.raises(CommandError, match="invalid choice"):
        rerun(audio.pk, "--step", "voiceover")
