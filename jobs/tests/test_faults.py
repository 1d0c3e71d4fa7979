"""Jobs under faults: time limits, the lease, the beat sweep, an unreachable broker or cache,
and pages that only say what really happened (issue 14, items 5, 6b and 11).

The real-process versions (a worker SIGKILLed, Redis restarted) are in test_worker_faults.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import timedelta
from io import StringIO

import pytest
from celery import current_app
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from jobs import services
from jobs.models import Job
from jobs.tasks import sweep_stuck
from jobs.tests import tasks_for_tests
from max_site.celery import app, queue_for
from media_files.models import AudioFile
from media_files.tests import media_factory
from projects.models import Project, ProjectType
from tests.factories import AudioFileFactory

pytestmark = pytest.mark.django_db

# Nothing listens here (6400–6409 are this suite's own Redis ports; 6409 is never started).
DEAD_REDIS = "redis://127.0.0.1:6409/0"


def sample_job(project, editor, *, status=Job.Status.QUEUED, kind="sample", **fields) -> Job:
    job = Job.objects.create(
        kind=kind,
        task_name="jobs.tests.sample",
        target=project,
        created_by=editor,
        status=status,
        **fields,
    )
    return job


def age(job: Job, *, heartbeat_seconds=None, silent_minutes=None) -> Job:
    now = timezone.now()
    changes = {}
    if heartbeat_seconds is not None:
        changes["heartbeat_at"] = now - timedelta(seconds=heartbeat_seconds)
    if silent_minutes is not None:
        changes["updated_at"] = now - timedelta(minutes=silent_minutes)
    Job.objects.filter(pk=job.pk).update(**changes)
    return Job.objects.get(pk=job.pk)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# -- item 5: time limits, routes, the sweep on the beat, separate Redis databases ----------


def test_every_task_has_the_soft_and_hard_time_limits_of_its_queue():
    app.loader.import_default_modules()
    grace = django_settings.JOB_TIME_LIMIT_GRACE_SECONDS
    limits = django_settings.JOB_TIME_LIMITS
    expected = {
        "transcripts.tasks.transcribe": "transcription",
        "translations.tasks.translate": "translation",
        "summaries.tasks.generate_summary": "summaries",
        "transcripts.tasks.sonix_sync": "default",
        "jobs.tasks.sweep_stuck": "default",
    }
    for name, queue in expected.items():
        task = app.tasks[name]
        assert queue_for(name) == queue
        # queue_for reads the routes exactly as Celery's router does.
        assert app.amqp.router.route({}, name)["queue"].name == queue
        assert task.soft_time_limit == limits[queue], name
        assert task.time_limit == limits[queue] + grace, name
    # A hung transcription cannot hold a worker for more than its queue's limit.
    assert limits["transcription"] + grace <= 3 * 3600
    assert limits["default"] <= 10 * 60


def test_sonix_sync_runs_on_the_quick_default_queue():
    route = app.amqp.router.route({}, "transcripts.tasks.sonix_sync")
    assert route["queue"].name == "default"


def test_the_stuck_job_sweep_runs_on_the_beat_schedule(project, editor):
    entry = app.conf.beat_schedule["jobs.sweep_stuck"]
    assert entry["task"] == "jobs.tasks.sweep_stuck"
    assert entry["schedule"] == django_settings.JOB_SWEEP_SECONDS <= 5 * 60
    lost = age(
        sample_job(project, editor, status=Job.Status.RUNNING, progress=40),
        heartbeat_seconds=django_settings.JOB_LEASE_SECONDS + 5,
        silent_minutes=3,
    )
    assert sweep_stuck.apply().get() == 1
    lost.refresh_from_db()
    assert lost.status == Job.Status.FAILED and lost.can_retry
    assert "worker stopped" in lost.error
    # Read by editors on the recording page: it must not say the dead worker renewed anything.
    assert "renewed" not in lost.error and "lease" not in lost.error
    assert "it has not reported back for" in lost.error


def _settings_in_a_fresh_process(env_extra):
    code = (
        "import django, os, json; os.environ['DJANGO_SETTINGS_MODULE']='max_site.settings'; "
        "django.setup(); from django.conf import settings as s; from max_site.celery import app; "
        "print(json.dumps([app.conf.broker_url, app.conf.result_backend, "
        "s.CACHES['default']['LOCATION'], s.CACHES['drafts']['LOCATION'], s.SESSION_ENGINE]))"
    )
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "true", "REDIS_URL": "", **env_extra}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_broker_results_and_cache_use_separate_redis_databases():
    broker, results, cache, drafts, sessions = _settings_in_a_fresh_process(
        {"REDIS_URL": "redis://127.0.0.1:6379/4"}
    )
    assert broker == "redis://127.0.0.1:6379/4"
    assert results == "redis://127.0.0.1:6379/5"
    assert cache == drafts == "redis://127.0.0.1:6379/6"
    # Sessions are never only in the cache: a Redis restart signs nobody out.
    assert sessions == "django.contrib.sessions.backends.db"


# -- item 5: the lease ---------------------------------------------------------------------


def test_a_redelivery_while_another_worker_holds_the_lease_does_not_run_the_job_twice(
    project, editor
):
    job = sample_job(project, editor)
    assert services.job_start(job_id=job.pk) is not None  # worker A took it
    # The broker hands the same message to worker B (visibility timeout, lost ack…).
    assert tasks_for_tests.sample.apply(args=[str(job.pk)]).get() is None
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.attempts == 1 and job.progress == 0


def test_a_job_whose_worker_lost_its_lease_is_taken_over_by_a_redelivery(project, editor):
    job = sample_job(project, editor)
    services.job_start(job_id=job.pk)
    age(job, heartbeat_seconds=django_settings.JOB_LEASE_SECONDS + 1)
    assert tasks_for_tests.sample.apply(args=[str(job.pk)]).get() == {"ok": True}
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_the_lease_is_renewed_while_a_long_call_runs(settings, editor):
    """The heartbeat thread renews the lease while the work makes no progress report."""
    settings.JOB_HEARTBEAT_SECONDS = 0.1
    project = Project.objects.create(
        name="P", project_type=ProjectType.objects.get(slug="other"), created_by=editor
    )
    job = sample_job(project, editor, params={"mode": "sleep", "seconds": 1.0})
    beats = []

    def watch():
        while not done.is_set():
            beats.append(Job.objects.filter(pk=job.pk).values_list("heartbeat_at", flat=True)[0])
            done.wait(0.05)
        from django.db import connection

        connection.close()

    done = threading.Event()
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        tasks_for_tests.sample.apply(args=[str(job.pk)]).get()
    finally:
        done.set()
        watcher.join()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    distinct = {b for b in beats if b is not None}
    assert len(distinct) >= 5  # renewed about every 0.1 s during the 1 s call


def test_a_job_stopped_at_its_time_limit_fails_with_retry(project, editor):
    job = sample_job(project, editor, params={"mode": "timeout"})
    tasks_for_tests.sample.apply(args=[str(job.pk)])
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.can_retry
    assert "time limit of its queue" in job.error and "Press Retry" in job.error


# -- item 11: a job whose worker died ------------------------------------------------------


def test_a_running_job_whose_worker_died_is_failed_by_the_sweep_long_before_an_hour(
    project, editor
):
    live = age(
        sample_job(project, editor, status=Job.Status.RUNNING),
        heartbeat_seconds=1,
        silent_minutes=90,  # a long call on a live worker: its time limit bounds it
    )
    dead = age(
        sample_job(project, editor, status=Job.Status.RUNNING, kind="other"),
        heartbeat_seconds=django_settings.JOB_LEASE_SECONDS + 1,
        silent_minutes=3,
    )
    assert services.job_fail_stuck(older_than_minutes=60) == 1
    dead.refresh_from_db()
    live.refresh_from_db()
    assert dead.status == Job.Status.FAILED and dead.can_retry
    assert live.status == Job.Status.RUNNING


def test_cancel_on_a_job_whose_worker_died_cancels_it_at_once(editor_client, project, editor):
    job = age(
        sample_job(project, editor, status=Job.Status.RUNNING, progress=30),
        heartbeat_seconds=django_settings.JOB_LEASE_SECONDS + 1,
    )
    response = editor_client.post(reverse("jobs:cancel", args=[job.pk]), follow=True)
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert "Cancelling" not in job.message
    assert "Cancelled." in messages_of(response)
    assert job.can_retry


def test_cancel_does_not_hide_a_silent_job_from_the_sweep(editor_client, project, editor):
    # A job from before leases (no heartbeat) that has been silent for 90 minutes.
    job = age(sample_job(project, editor, status=Job.Status.RUNNING), silent_minutes=90)
    response = editor_client.post(reverse("jobs:cancel", args=[job.pk]), follow=True)
    assert "Cancel requested; the job stops at its next step." in messages_of(response)
    with pytest.raises(SystemExit) as exit_:
        call_command("status_report", stdout=StringIO())
    assert exit_.value.code == 2  # still reported stuck
    assert services.job_fail_stuck(older_than_minutes=60) == 1


def test_a_lost_job_that_was_asked_to_cancel_ends_cancelled_not_cancelling(project, editor):
    job = sample_job(project, editor, status=Job.Status.RUNNING)
    Job.objects.filter(pk=job.pk).update(cancel_requested=True, message="Cancelling…")
    age(job, heartbeat_seconds=django_settings.JOB_LEASE_SECONDS + 1)
    services.job_fail_stuck(older_than_minutes=60)
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and job.message != "Cancelling…"


def test_retry_says_so_when_it_did_nothing(editor_client, project, editor):
    running = sample_job(project, editor, status=Job.Status.RUNNING)
    Job.objects.filter(pk=running.pk).update(heartbeat_at=timezone.now())
    response = editor_client.post(reverse("jobs:retry", args=[running.pk]), follow=True)
    said = messages_of(response)
    assert "Job queued again." not in said
    assert "This job is still running; Retry is offered if it fails." in said
    running.refresh_from_db()
    assert running.status == Job.Status.RUNNING


def test_retry_of_a_job_whose_worker_died_really_runs_it_again(
    editor_client, project, editor, django_capture_on_commit_callbacks
):
    job = age(
        sample_job(project, editor, status=Job.Status.RUNNING, attempts=1),
        heartbeat_seconds=django_settings.JOB_LEASE_SECONDS + 1,
    )
    page = editor_client.get(reverse("jobs:detail", args=[job.pk]))
    assert b"Retry" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(reverse("jobs:retry", args=[job.pk]), follow=True)
    assert "Job queued again." in messages_of(response)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2


@pytest.fixture
def recording(project, editor, tmp_path):
    path = media_factory.write_media(tmp_path / "lecture.wav", "wav", seconds=1.0)
    return AudioFileFactory(
        project=project, file_name="lecture.wav", file_path=str(path), uploaded_by=editor
    )


def test_transcribe_says_a_job_is_already_running_instead_of_started(
    editor_client, recording, editor
):
    job = Job.objects.create(
        kind="transcribe",
        task_name="transcripts.tasks.transcribe",
        target=recording,
        status=Job.Status.RUNNING,
        progress=45,
        heartbeat_at=timezone.now(),
    )
    response = editor_client.post(
        reverse("transcripts:transcribe", args=[recording.pk]), follow=True
    )
    said = messages_of(response)
    assert "Transcription started." not in said
    assert any("already running (45%); no new one was started" in m for m in said)
    assert Job.objects.filter(kind="transcribe").count() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING


# -- item 6b: the broker is down -----------------------------------------------------------


@pytest.fixture
def broker_down():
    """Production mode (messages go to a broker, not run in-process) with Redis down."""
    conf = current_app.conf
    saved = (conf.task_always_eager, conf.broker_url)

    def reset_pools():
        current_app._pool = None
        current_app.amqp._producer_pool = None

    conf.task_always_eager, conf.broker_url = False, DEAD_REDIS
    reset_pools()
    yield
    conf.task_always_eager, conf.broker_url = saved
    reset_pools()


def test_a_job_the_broker_cannot_take_is_failed_with_retry_not_left_queued(
    project, editor, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(
            kind="sample", task_name="jobs.tests.sample", target=project, user=editor
        )
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.enqueue_failed and job.can_retry
    assert "Could not reach the job queue" in job.error


@pytest.mark.django_db(transaction=True)  # the message goes out when the request commits
def test_retry_while_the_broker_is_down_says_the_job_was_not_queued(
    editor_client, project, editor, broker_down
):
    job = sample_job(project, editor, status=Job.Status.FAILED, error="boom")
    response = editor_client.post(reverse("jobs:retry", args=[job.pk]), follow=True)
    said = messages_of(response)
    assert "Job queued again." not in said
    assert any("Could not reach the job queue" in m for m in said)


def test_jobs_the_broker_refused_are_sent_again_by_the_sweep_once_it_is_back(
    project, editor, django_capture_on_commit_callbacks
):
    job = sample_job(
        project, editor, status=Job.Status.FAILED, enqueue_failed=True, error="no queue"
    )
    with django_capture_on_commit_callbacks(execute=True):
        sweep_stuck.apply()  # the beat only runs it when the broker answers
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and not job.enqueue_failed


def test_an_upload_while_the_broker_is_down_keeps_its_file_and_offers_retry(
    editor_client, project, settings, tmp_path, broker_down, django_capture_on_commit_callbacks
):
    settings.TRANSCRIBE_AFTER_UPLOAD = True
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    path = media_factory.write_media(tmp_path / "take.wav", "wav", seconds=1.0)
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("media_files:upload", args=[project.pk]),
            {"files": SimpleUploadedFile("take.wav", path.read_bytes())},
        )
    assert response.status_code == 302
    audio_file = AudioFile.objects.get()
    # The row and its file landed together.
    assert default_storage.exists(audio_file.file_path)
    job = Job.for_target(audio_file, "transcribe").get()
    assert job.status == Job.Status.FAILED and job.enqueue_failed and job.can_retry
    page = editor_client.get(audio_file.get_absolute_url())
    assert page.status_code == 200
    assert "Could not reach the job queue" in page.content.decode()


# -- item 6b: the cache is down ------------------------------------------------------------


@pytest.fixture
def cache_down(settings):
    """Production cache settings, pointing at a Redis that is not running."""
    settings.CACHES = {
        alias: {
            **config,
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        for alias, config in settings.CACHES.items()
    }
    assert "Redis" in settings.CACHES["default"]["BACKEND"]


def test_login_works_while_the_cache_is_down(client, editor, cache_down):
    response = client.post(
        reverse("login"), {"username": editor.email, "password": "editor-pass-123"}
    )
    assert response.status_code == 302
    client.logout()
    wrong = client.post(reverse("login"), {"username": editor.email, "password": "nope"})
    assert wrong.status_code in (200, 429)


def test_pages_that_only_read_work_while_the_cache_is_down(
    editor_client, transcription, cache_down
):
    assert editor_client.get(reverse("projects:list")).status_code == 200
    page = editor_client.get(transcription.get_absolute_url())
    assert page.status_code == 200


def test_autosave_answers_503_json_while_the_cache_is_down(
    editor_client, transcription, cache_down
):
    response = editor_client.post(
        reverse("transcripts:autosave", args=[transcription.pk]),
        {"based_on": "0", "segments": json.dumps({"1": "Today we look at root canals."})},
    )
    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "unavailable"
    assert "still on this page" in data["message"]
    assert response["Retry-After"]
