"""Real processes under faults (issue 14, items 5, 6 and 11): a Celery worker, started as a
subprocess against this test's database and a Redis of the test's own, is SIGKILLed in the
middle of a transcription and of a translation, or its Redis is restarted mid-job; a new
worker starts. Each job must then resume and complete, or be marked failed with Retry
within the sweep interval (and then complete when retried) — never stay "running" — and
no row may be duplicated.

Quick on purpose: seconds of audio, a lease of 3 s renewed every 0.5 s, the sweep every
second, time limits of a few seconds. The vendor is a local fake that holds its answer
until the test lets go, so "in the middle" is exact.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import current_app
from django.conf import settings as django_settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection

from integrations.tests.llm_fakes import FakeAnthropic
from jobs import services
from jobs.models import Job
from jobs.tests import tasks_for_tests
from media_files.services import audio_file_upload
from transcripts.models import Transcription
from transcripts.tests.transcription_fakes import FakeOpenAI, tone_bursts, write_audio
from translations.models import Translation

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 3
# What "within the sweep interval" allows here: the lease, a sweep tick, and a worker start.
RECOVERY_SECONDS = 45


class OwnRedis:
    """A Redis server of this test's own, on a port that was free when the test began (the
    test restarts it on the same port). Ports named by the process id could match between two
    test workers, whose servers and Celery workers then took each other's jobs or stopped."""

    def __init__(self, port: int, tmp: Path):
        self.port, self.tmp = port, tmp
        self.url = f"redis://127.0.0.1:{port}"

    def start(self) -> None:
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--daemonize",
                "yes",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
            check=True,
            capture_output=True,
        )
        self._wait(up=True)

    def stop(self) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True
        )
        self._wait(up=False)

    def _wait(self, *, up: bool) -> None:
        for _ in range(100):
            ping = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True)
            if (ping.stdout.strip() == b"PONG") == up:
                return
            time.sleep(0.05)
        raise RuntimeError(f"Redis on {self.port} did not {'start' if up else 'stop'}")


class Workers:
    """Starts real `celery worker -B` processes (each in its own process group) and kills
    them the way an out-of-memory killer or a lost machine does: SIGKILL to all of them."""

    def __init__(self, redis: OwnRedis, tmp: Path, env: dict[str, str]):
        self.redis, self.tmp, self.env = redis, tmp, env
        self.running: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        database = connection.settings_dict["NAME"]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "jobs.tests.worker_settings",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "MAX_TEST_REDIS": self.redis.url,
            "MAX_WORKER_BROKER": f"{self.redis.url}/0",
            "MAX_WORKER_RESULTS": f"{self.redis.url}/1",
            "JOB_HEARTBEAT_SECONDS": "0.5",
            "JOB_LEASE_SECONDS": str(LEASE_SECONDS),
            "JOB_SWEEP_SECONDS": "1",
            "JOB_STUCK_MINUTES": "60",
            "JOB_TIME_LIMIT_DEFAULT": "2",
            "JOB_TIME_LIMIT_GRACE_SECONDS": "2",
            "PYTHONWARNINGS": "ignore",
            # The worker reads the recordings this test process stored; under xdist its
            # media folder is named after the xdist worker, which the worker is not.
            "MAX_WORKER_MEDIA_ROOT": str(default_storage.location),
            **self.env,
        }
        env.pop("PYTEST_XDIST_WORKER", None)
        n = len(self.running)
        log = open(self.tmp / f"worker-{n}.log", "wb")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "max_site",
                "worker",
                "-B",
                f"--schedule={self.tmp / f'beat-{n}'}",
                "-Q",
                "default,transcription,translation,summaries",
                "--concurrency=2",
                f"--hostname=faults-{n}@%h",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.running.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                self.kill(process)

    def logs(self) -> str:
        logs = sorted(self.tmp.glob("worker-*.log"))
        return "\n".join(p.read_text(errors="replace") for p in logs)


@contextlib.contextmanager
def real_broker(url: str) -> Iterator[None]:
    """This process sends jobs through `url` (as production does) instead of running them."""
    conf = current_app.conf
    saved = (conf.task_always_eager, conf.broker_url)

    def reset_pools():
        current_app._pool = None
        current_app.amqp._producer_pool = None

    conf.task_always_eager, conf.broker_url = False, url
    reset_pools()
    try:
        yield
    finally:
        conf.task_always_eager, conf.broker_url = saved
        reset_pools()


@pytest.fixture
def redis(tmp_path) -> Iterator[OwnRedis]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = OwnRedis(port, tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Gate:
    """Holds the vendor's answers until released; says when the first request arrived."""

    def __init__(self):
        self.arrived = threading.Event()
        self.released = threading.Event()

    def __call__(self, *args) -> None:
        self.arrived.set()
        self.released.wait(60)


def wait_for(predicate, seconds: float, what: str, workers: Workers):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"Timed out waiting for {what}.\n--- worker logs ---\n{workers.logs()}")


def finished(job: Job):
    def check():
        job.refresh_from_db()
        return job.status in Job.FINISHED

    return check


def settle(job: Job, workers: Workers) -> Job:
    """The job's end: it completed, or it failed with Retry (then Retry must complete it)."""
    wait_for(finished(job), RECOVERY_SECONDS, f"job {job.kind} to leave 'running'", workers)
    if job.status == Job.Status.FAILED:
        assert job.can_retry, job.error
        services.job_retry(job=job)
        wait_for(finished(job), RECOVERY_SECONDS, f"retried job {job.kind} to finish", workers)
    assert job.status == Job.Status.SUCCEEDED, (job.error, workers.logs())
    return job


@pytest.fixture
def transcription_vendor(settings) -> Iterator[tuple[FakeOpenAI, Gate]]:
    settings.TRANSCRIPTION_ENGINE = "openai"  # the job records the engine it is meant for
    settings.TRANSCRIBE_AFTER_UPLOAD = True
    gate = Gate()
    server = FakeOpenAI().start()
    server.on_request = gate
    try:
        yield server, gate
    finally:
        gate.released.set()
        server.stop()


def upload_recording(project, editor, tmp_path) -> Job:
    pcm, _bursts = tone_bursts(4)
    path = write_audio(pcm, tmp_path / "lecture.wav", "wav")
    with path.open("rb") as handle:
        audio_file = audio_file_upload(
            project=project, uploaded_file=File(handle, name="lecture.wav"), user=editor
        )
    return Job.for_target(audio_file, "transcribe").get()


def transcription_env(server: FakeOpenAI) -> dict[str, str]:
    return {
        "TRANSCRIPTION_ENGINE": "openai",
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": server.base_url,
    }


def test_a_worker_killed_mid_transcription(redis, project, editor, transcription_vendor, tmp_path):
    server, gate = transcription_vendor
    workers = Workers(redis, tmp_path, transcription_env(server))
    try:
        with real_broker(f"{redis.url}/0"):
            first = workers.start()
            job = upload_recording(project, editor, tmp_path)
            assert gate.arrived.wait(60), workers.logs()  # the vendor call is under way
            job.refresh_from_db()
            assert job.status == Job.Status.RUNNING
            workers.kill(first)
            gate.released.set()
            workers.start()
            settle(job, workers)
    finally:
        workers.stop_all()
    audio_file = job.target
    assert Transcription.objects.filter(audio_file=audio_file).count() == 1
    assert Job.for_target(audio_file, "transcribe").count() == 1


def test_a_worker_killed_mid_translation(redis, project, editor, settings, tmp_path):
    from translations.services import translation_start
    from translations.tests.conftest import add_english_version, english_json

    settings.TRANSCRIBE_AFTER_UPLOAD = False
    gate = Gate()
    server = FakeAnthropic().start()
    server.respond = lambda body: gate() or None  # hold, then answer on its own
    from media_files.models import AudioFile

    audio_file = AudioFile.objects.create(
        project=project, file_name="lecture.mp3", file_path="audio/other/x.mp3", uploaded_by=editor
    )
    data = english_json()
    transcription = Transcription.objects.create(
        audio_file=audio_file,
        raw_text="\n".join(seg["text"] for seg in data["segments"]),
        json_with_timestamps=data,
        created_by=editor,
    )
    add_english_version(transcription, editor)
    workers = Workers(
        redis,
        tmp_path,
        {
            "LLM_ENGINE": "anthropic",
            "ANTHROPIC_API_KEY": "test-key",
            "ANTHROPIC_BASE_URL": server.url,
        },
    )
    try:
        with real_broker(f"{redis.url}/0"):
            first = workers.start()
            translation_start(transcription=transcription, language_codes=["es"], user=editor)
            job = Job.objects.get(kind="translate")
            assert gate.arrived.wait(60), workers.logs()
            job.refresh_from_db()
            assert job.status == Job.Status.RUNNING
            workers.kill(first)
            gate.released.set()
            workers.start()
            settle(job, workers)
    finally:
        gate.released.set()
        workers.stop_all()
        server.stop()
    assert Translation.objects.filter(transcription=transcription, language_code="es").count() == 1
    assert Job.objects.filter(kind="translate").count() == 1


def test_redis_restarted_mid_transcription(redis, project, editor, transcription_vendor, tmp_path):
    server, gate = transcription_vendor
    workers = Workers(redis, tmp_path, transcription_env(server))
    try:
        with real_broker(f"{redis.url}/0"):
            workers.start()
            job = upload_recording(project, editor, tmp_path)
            assert gate.arrived.wait(60), workers.logs()
            redis.stop()  # everything in it is gone: queue, unacked messages, cache
            redis.start()
            gate.released.set()
            settle(job, workers)
    finally:
        workers.stop_all()
    audio_file = job.target
    assert Transcription.objects.filter(audio_file=audio_file).count() == 1
    assert Job.for_target(audio_file, "transcribe").count() == 1


def test_a_hung_call_is_stopped_at_its_queue_time_limit(
    redis, project, editor, tmp_path, monkeypatch
):
    # The sender's limits travel in the message (Celery), so this process sends the same
    # short ones the worker was started with.
    task = current_app.tasks[tasks_for_tests.sample.name]
    monkeypatch.setattr(type(task), "soft_time_limit", 2)
    monkeypatch.setattr(type(task), "time_limit", 4)
    monkeypatch.setattr(task, "_exec_options", None)  # Celery caches them on the task
    workers = Workers(redis, tmp_path, {})
    try:
        with real_broker(f"{redis.url}/0"):
            workers.start()
            job = services.job_create(
                kind="sample",
                task_name="jobs.tests.sample",
                target=project,
                params={"mode": "sleep", "seconds": 120},
            )
            started = time.monotonic()
            wait_for(finished(job), 60, "the hung job to be stopped", workers)
    finally:
        workers.stop_all()
    assert job.status == Job.Status.FAILED and job.can_retry
    assert "time limit of its queue" in job.error
    # Stopped at the soft limit (2 s here), not after the 120 s call.
    assert job.finished_at and (job.finished_at - job.started_at).total_seconds() < 10
    assert time.monotonic() - started < 60
    assert django_settings.JOB_TIME_LIMITS  # the production limits exist for every queue
