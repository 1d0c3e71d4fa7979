"""The transcription panel in headless Chromium: live progress, Cancel, and the editor link
appearing when the job finishes (the panel refreshes itself once, without a reload)."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone
from playwright.sync_api import expect

from jobs.models import Job
from media_files.models import AudioFile
from projects.models import Project, ProjectType
from transcripts.tasks import transcribe
from transcripts.tests.transcription_fakes import SPEECH_FIXTURE, isolate_storage

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def audio_file(editor, settings, tmp_path):
    isolate_storage(settings, tmp_path / "media")
    settings.TRANSCRIPTION_ENGINE = "local"
    project = Project.objects.create(
        name="Lectures", project_type=ProjectType.objects.get(slug="lecture"), created_by=editor
    )
    with SPEECH_FIXTURE.open("rb") as fh:
        key = default_storage.save("audio/lecture/speech.flac", fh)
    return AudioFile.objects.create(
        project=project, file_name="Speech.flac", file_path=key, uploaded_by=editor
    )


def expire_lease(job):
    Job.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=settings.JOB_LEASE_SECONDS + 1)
    )


def log_in(page, editor):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", editor.email)
    page.fill("input[name=password]", "editor-pass-123")
    page.click("button[type=submit]")


def test_progress_is_live_and_the_editor_link_appears_when_done(
    page, editor, audio_file, queued_not_run
):
    log_in(page, editor)
    page.goto(audio_file.get_absolute_url())
    panel = page.locator("#transcription-panel")
    expect(panel).to_contain_text("No transcript yet.")
    panel.get_by_role("button", name="Transcribe").click()

    expect(panel.locator("[data-job-status=queued]")).to_be_visible()
    job = Job.objects.get(kind="transcribe")
    # A worker reports progress; the fragment polls and shows it.
    Job.objects.filter(pk=job.pk).update(status="running", progress=40, message="piece 2 of 5")
    expect(panel.locator(".job__message")).to_have_text("piece 2 of 5")
    expect(panel.locator("progress")).to_have_attribute("value", "40")

    # That worker dies; the redelivered message takes the job over once its lease has run
    # out, and finishes it.
    expire_lease(job)
    transcribe.apply(args=[str(job.pk)])
    expect(panel.get_by_role("link", name="Open in editor")).to_be_visible(timeout=15_000)
    # Named after the engine and model that really ran, never the setting's name "local".
    expect(panel).to_contain_text(
        re.compile(r"machine transcript by (Whisper \S+, offline \(faster-whisper\)|PocketSphinx)")
    )
    expect(panel.get_by_role("link", name="Re-transcribe…")).to_be_visible()
    assert page.url.endswith(audio_file.get_absolute_url())  # refreshed in place


def test_cancel_stops_the_job_and_offers_retry(page, editor, audio_file, queued_not_run):
    log_in(page, editor)
    page.goto(audio_file.get_absolute_url())
    panel = page.locator("#transcription-panel")
    panel.get_by_role("button", name="Transcribe").click()
    expect(panel.locator("[data-job-status=queued]")).to_be_visible()
    job = Job.objects.get(kind="transcribe")
    Job.objects.filter(pk=job.pk).update(status="running", message="piece 1 of 3")

    panel.get_by_role("button", name="Cancel").click()
    expect(panel.locator(".job__message")).to_have_text("Cancelling…")
    expire_lease(job)  # its worker is gone; the redelivery notices the cancel and stops
    transcribe.apply(args=[str(job.pk)])

    expect(panel.locator("[data-job-status=cancelled]")).to_be_visible(timeout=15_000)
    expect(panel.get_by_role("button", name="Retry")).to_be_visible()
    expect(panel.get_by_role("button", name="Transcribe")).to_be_visible()
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert not audio_file.transcriptions.exists()
