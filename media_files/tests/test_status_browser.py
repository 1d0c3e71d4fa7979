"""Transcript statuses follow a running job live — on the recording page and the project
page — without a reload, and the pages stop asking once the job has ended."""

import re

import pytest
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from playwright.sync_api import expect

from jobs.models import Job
from media_files.models import AudioFile
from transcripts.services import transcription_create_t1

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATUSES = "/media/statuses/"
# Production asks every 2 s; what is checked here (each status change arrives, and the asking
# stops) holds at any period, so the pages ask quickly and the waits are short.
POLL_SECONDS = 0.25


@pytest.fixture(autouse=True)
def _quick_polling(settings):
    settings.RECORDING_STATUS_POLL_SECONDS = POLL_SECONDS


@pytest.fixture
def log_in(live_server):
    """Signs the page in with a session cookie (the login form has its own tests)."""

    def sign_in(page, user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url, "httpOnly": True}]
        )

    return sign_in


def running_job(audio_file, *, progress=2) -> Job:
    return Job.objects.create(
        kind="transcribe",
        task_name="transcripts.tasks.transcribe",
        target_type=ContentType.objects.get_for_model(AudioFile),
        target_id=audio_file.pk,
        status="running",
        progress=progress,
        message="piece 1 of 3",
    )


def finish(job: Job, audio_file, editor) -> None:
    """What the worker does at the end: store the T-1, then mark the job done."""
    transcription_create_t1(
        audio_file=audio_file,
        json_with_timestamps={
            "segments": [{"id": 0, "start": 0.0, "end": 1.0, "text": "Hello.", "words": []}],
            "metadata": {"source": "whisper", "engine": "local", "model": "tiny.en"},
        },
        source="whisper",
        created_by=editor,
    )
    Job.objects.filter(pk=job.pk).update(status="succeeded", progress=100)


def status_requests(page) -> list[str]:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if STATUSES in r.url else None)
    return requests


def test_the_recording_page_follows_the_job_and_stops_asking_when_it_ends(
    page, log_in, editor, project, make_media, upload
):
    audio_file = upload(make_media("mp3"), name="lecture.mp3")
    job = running_job(audio_file)
    log_in(page, editor)
    requests = status_requests(page)
    page.goto(audio_file.get_absolute_url())
    page.evaluate("window.notReloaded = true")
    badge = page.locator(f"#recording-status-{audio_file.pk} .badge")
    expect(badge).to_have_text("Transcribing 2%")

    Job.objects.filter(pk=job.pk).update(progress=40)
    expect(badge).to_have_text("Transcribing 40%")

    finish(job, audio_file, editor)
    expect(badge).to_have_text("Transcribed (T-1)", timeout=10_000)
    expect(badge).to_have_attribute("title", re.compile(r"^T-1: the machine transcript by Whisper"))
    status = page.locator(f"#recording-status-{audio_file.pk}")
    expect(status.get_by_role("link", name="Edit transcript")).to_be_visible()
    # The rest of the page follows too: the panel offers the editor, nothing is running.
    panel = page.locator("#transcription-panel")
    expect(panel.get_by_role("link", name="Open in editor")).to_be_visible(timeout=10_000)
    expect(panel).to_contain_text("machine transcript by Whisper tiny.en, offline (faster-whisper)")
    expect(page.locator("[data-job-status=running]")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True

    # Polling ends with the answer that saw the job finished (the panel may have shown the
    # editor link before that answer came): after it, no status request at all.
    expect(page.locator("#recording-status-poller")).not_to_have_attribute(
        "hx-trigger", re.compile("every")
    )
    asked = len(requests)
    page.wait_for_timeout(POLL_SECONDS * 1_500)  # one and a half polling periods
    assert len(requests) == asked, requests[asked:]
    assert asked >= 2  # it did ask while the job ran


def test_the_project_page_updates_each_recordings_status_and_stops_asking(
    page, log_in, editor, project, make_media, upload
):
    busy = upload(make_media("mp3"), name="busy.mp3")
    idle = upload(make_media("mp3"), name="idle.mp3")
    job = running_job(busy, progress=10)
    log_in(page, editor)
    requests = status_requests(page)
    page.goto(project.get_absolute_url())
    page.evaluate("window.notReloaded = true")
    busy_row = page.locator(f'tr[data-audio-file="{busy.pk}"]')
    idle_row = page.locator(f'tr[data-audio-file="{idle.pk}"]')
    expect(busy_row).to_contain_text("Transcribing 10%")
    expect(idle_row).to_contain_text("Not transcribed")

    Job.objects.filter(pk=job.pk).update(progress=55)
    expect(busy_row).to_contain_text("Transcribing 55%")
    finish(job, busy, editor)
    expect(busy_row).to_contain_text("Transcribed (T-1)", timeout=10_000)
    expect(busy_row.get_by_role("link", name="Edit transcript")).to_be_visible()
    expect(idle_row).to_contain_text("Not transcribed")
    assert page.evaluate("window.notReloaded") is True

    # Only the recording that could change was asked about, and the asking has ended.
    assert requests and all(str(idle.pk) not in url for url in requests)
    asked = len(requests)
    page.wait_for_timeout(POLL_SECONDS * 1_500)  # one and a half polling periods
    assert len(requests) == asked, requests[asked:]


def test_a_job_started_from_the_panel_is_followed_by_the_badge(
    page, log_in, editor, project, make_media, upload, queued_not_run
):
    audio_file = upload(make_media("mp3"), name="lecture.mp3")
    log_in(page, editor)
    page.goto(audio_file.get_absolute_url())
    badge = page.locator(f"#recording-status-{audio_file.pk} .badge")
    expect(badge).to_have_text("Not transcribed")

    page.locator("#transcription-panel").get_by_role("button", name="Transcribe").click()
    expect(badge).to_have_text("Waiting to transcribe")
    job = Job.objects.get(kind="transcribe", target_id=audio_file.pk)
    Job.objects.filter(pk=job.pk).update(status="running", progress=30)
    expect(badge).to_have_text("Transcribing 30%")
    Job.objects.filter(pk=job.pk).update(status="failed", error="The file has no audio stream.")
    expect(badge).to_have_text("Transcription failed")
    expect(page.locator("#transcription-panel .job__error")).to_have_text(
        "The file has no audio stream."
    )


def test_a_recording_uploaded_on_the_project_page_is_followed_without_a_reload(
    page, log_in, editor, project, make_media, queued_not_run, settings
):
    settings.TRANSCRIBE_AFTER_UPLOAD = True
    # The upload script swaps in a fresh recordings list; its poller must start asking too,
    # or the new row says "Waiting to transcribe" until the editor reloads.
    log_in(page, editor)
    page.goto(project.get_absolute_url())
    page.evaluate("window.notReloaded = true")
    page.set_input_files("form[data-upload] input[type=file]", str(make_media("mp3")))
    page.locator("[data-upload-submit]").click()
    row = page.locator("tr[data-audio-file]").filter(has_text="mp3")
    expect(row).to_contain_text("Waiting to transcribe")

    audio_file = AudioFile.objects.get(project=project)
    job = Job.objects.get(kind="transcribe", target_id=audio_file.pk)
    Job.objects.filter(pk=job.pk).update(status="running", progress=30)
    expect(row).to_contain_text("Transcribing 30%", timeout=10_000)
    finish(job, audio_file, editor)
    expect(row).to_contain_text("Transcribed (T-1)", timeout=10_000)
    assert page.evaluate("window.notReloaded") is True


def test_retry_in_the_panel_is_followed_by_the_badge(
    page, log_in, editor, project, make_media, upload, queued_not_run
):
    # Seen after a worker was killed: Retry brought the job back to "Running" in the panel
    # while the badge above kept saying "Transcription failed" until a reload.
    audio_file = upload(make_media("mp3"), name="lecture.mp3")
    job = running_job(audio_file, progress=11)
    Job.objects.filter(pk=job.pk).update(status="failed", error="Its worker stopped.")
    log_in(page, editor)
    page.goto(audio_file.get_absolute_url())
    page.evaluate("window.notReloaded = true")
    badge = page.locator(f"#recording-status-{audio_file.pk} .badge")
    expect(badge).to_have_text("Transcription failed")

    page.locator("#transcription-panel").get_by_role("button", name="Retry").click()
    expect(page.locator("#transcription-panel .job__error")).to_have_count(0)
    expect(badge).to_have_text("Waiting to transcribe")
    assert page.evaluate("window.notReloaded") is True
