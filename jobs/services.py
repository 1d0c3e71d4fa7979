"""The life of a background job: create → start → progress → succeed/fail/cancel → retry."""

import contextlib
import logging
import random
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.services import activity_record
from integrations.errors import PermanentError, TransientError
from jobs.errors import JobCancelled
from jobs.models import Job

logger = logging.getLogger(__name__)

QUEUE_UNREACHABLE = (
    "Could not reach the job queue, so this job was not started ({reason}). It is sent "
    "again automatically once the queue answers; or press Retry."
)


class JobRefused(Exception):
    """The action cannot be done to the job in its present state; the message says why."""


# Keyed by the status column's value (a Status is that str).
NOT_RETRYABLE: dict[str, str] = {
    Job.Status.QUEUED: "This job is already queued; it starts when a worker is free.",
    Job.Status.RUNNING: "This job is still running; Retry is offered if it fails.",
    Job.Status.SUCCEEDED: "This job has already succeeded; there is nothing to retry.",
}


def _send(job: Job) -> None:
    """Hand the job's message to the broker; if the broker cannot take it, say so on the job."""
    # Every app registers its tasks in its AppConfig.ready(), web process included.
    task = current_app.tasks[job.task_name]
    if current_app.conf.task_always_eager:
        # apply_async (not send_task) so CELERY_TASK_ALWAYS_EAGER is honoured in tests;
        # the task has already run when it returns, so its outcome is not touched.
        result = task.apply_async(args=[str(job.pk)])
        Job.objects.filter(pk=job.pk, celery_task_id="").update(celery_task_id=result.id or "")
        return
    try:
        result = task.apply_async(args=[str(job.pk)])
    except (BrokerError, OSError) as exc:  # Redis down, or the filesystem broker's disk
        logger.exception("Could not queue job %s (%s)", job.pk, job.kind)
        job_enqueue_failed(job=job, reason=str(exc) or type(exc).__name__)
        return
    Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
        celery_task_id=result.id or "", enqueue_failed=False
    )


def _enqueue(job: Job) -> None:
    # After commit, so a worker never looks for a row that is not there yet; the send
    # itself never raises, so whatever committed with the job (an upload) stays whole.
    transaction.on_commit(lambda: _send(job))


def job_enqueue_failed(*, job: Job, reason: str) -> None:
    """The broker would not take the job: fail it visibly, with Retry, instead of leaving it
    "queued" for a message that does not exist."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status != Job.Status.QUEUED:
            return
        job.enqueue_failed = True
        job.save(update_fields=["enqueue_failed"])
        _finish(
            job,
            Job.Status.FAILED,
            message="Not started.",
            error=QUEUE_UNREACHABLE.format(reason=reason),
        )


def job_create(
    *,
    kind: str,
    task_name: str,
    target: models.Model,
    user=None,
    params: dict[str, Any] | None = None,
    per_params: bool = False,
) -> Job:
    """Queue a job for `target`, or return the one already queued/running for it.

    With `per_params`, jobs with different params run side by side (one translate job
    per language of a transcript); only an active job with the same params is reused.
    """
    with transaction.atomic():
        target_type = ContentType.objects.get_for_model(target)
        # Lock the target so two clicks on "Transcribe" never start two runs.
        # (Its default manager: every model here declares at most one, `objects`.)
        type(target)._default_manager.select_for_update().filter(pk=target.pk).first()
        active = Job.objects.filter(
            target_type=target_type, target_id=target.pk, kind=kind, status__in=Job.ACTIVE
        )
        if per_params:
            active = active.filter(params=params or {})
        existing = active.order_by("-created_at").first()
        if existing:
            return existing
        job = Job.objects.create(
            kind=kind,
            task_name=task_name,
            target_type=target_type,
            target_id=target.pk,
            params=params or {},
            created_by=user,
            message="Waiting for a worker…",
        )
        _enqueue(job)
    return job


def job_start(*, job_id) -> Job | None:
    """Mark a job running and take its lease. Returns None when this delivery must not run
    it: the job has finished, or another worker holds a live lease on it (the broker
    handed the message out twice). A running job whose lease expired lost its worker, and
    is taken over."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in Job.FINISHED:
            return None
        if job.status == Job.Status.RUNNING and not job.worker_lost:
            logger.warning("Job %s is running on another worker; this delivery is skipped", job.pk)
            return None
        if job.cancel_requested:
            _finish(job, Job.Status.CANCELLED, message="Cancelled before it started.")
            return None
        now = timezone.now()
        job.status = Job.Status.RUNNING
        job.attempts = models.F("attempts") + 1
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.error = ""
        job.save(
            update_fields=[
                "status",
                "attempts",
                "started_at",
                "heartbeat_at",
                "error",
                "updated_at",
            ]
        )
        job.refresh_from_db()
    return job


class _Heartbeat:
    """Renews a running job's lease from a side thread while the task works, so a long
    vendor call is not mistaken for a dead worker; dies with the process, which is the
    point."""

    def __init__(self, job: Job):
        self.job_id = job.pk
        self.stopped = threading.Event()
        self.thread = threading.Thread(
            target=self._run, name=f"job-heartbeat-{job.pk}", daemon=True
        )

    def _run(self) -> None:
        try:
            while not self.stopped.wait(settings.JOB_HEARTBEAT_SECONDS):
                try:
                    Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except Exception:  # the database blinked: try again next beat
                    logger.warning(
                        "Could not renew the lease of job %s", self.job_id, exc_info=True
                    )
        finally:
            connection.close()  # this thread's own connection

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join(timeout=10)


def job_progress(*, job: Job, percent: float, message: str = "") -> None:
    """Record progress; raises JobCancelled when someone pressed Cancel meanwhile."""
    percent = max(0, min(100, int(percent)))
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        progress=percent, message=message, updated_at=now, heartbeat_at=now
    )
    job.progress, job.message = percent, message
    if Job.objects.filter(pk=job.pk, cancel_requested=True).exists():
        raise JobCancelled()


def _finish(job: Job, status: str, *, message: str = "", error: str = "", result=None) -> None:
    job.status = status
    job.message = message
    job.error = error
    job.result = result
    job.finished_at = timezone.now()
    if status == Job.Status.SUCCEEDED:
        job.progress = 100
    fields = ["status", "message", "error", "result", "finished_at", "progress", "updated_at"]
    job.save(update_fields=fields)


def job_succeed(*, job: Job, result: Any = None, message: str = "Done.") -> None:
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        _finish(job, Job.Status.SUCCEEDED, message=message, result=result)


def job_fail(*, job: Job, error: str) -> None:
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        _finish(job, Job.Status.FAILED, message="Failed.", error=error)


def job_cancel(*, job: Job, user=None) -> Job:
    """Cancel a queued job at once, and a running one whose worker is gone; ask a live
    running one to stop at its next progress step. Raises JobRefused for a finished job."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status == Job.Status.QUEUED:
            _finish(job, Job.Status.CANCELLED, message="Cancelled.")
            if job.celery_task_id:
                transaction.on_commit(lambda: current_app.control.revoke(job.celery_task_id))
        elif job.worker_lost:
            _finish(job, Job.Status.CANCELLED, message="Cancelled (its worker had stopped).")
        elif job.status == Job.Status.RUNNING:
            job.cancel_requested = True
            job.message = "Cancelling…"
            # Not bumping updated_at: asking to cancel is not progress, and must not hide a
            # silent job from the stuck-job sweep.
            Job.objects.filter(pk=job.pk).update(cancel_requested=True, message=job.message)
        else:
            raise JobRefused(f"This job has already {job.get_status_display().lower()}.")
        _record(job, user, "job.cancel")
    return job


def job_retry(*, job: Job, user=None) -> Job:
    """Run a failed or cancelled job (or one whose worker is gone) again, as the same row.

    Raises JobRefused when there is nothing to retry: the job is queued, running on a live
    worker, or succeeded. When the broker cannot take the message the job comes back
    failed with `enqueue_failed` set and says so."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if not job.can_retry:
            raise JobRefused(NOT_RETRYABLE.get(job.status, "This job cannot be retried now."))
        job.status = Job.Status.QUEUED
        job.progress = 0
        job.message = "Waiting for a worker…"
        job.error = ""
        job.cancel_requested = False
        job.enqueue_failed = False
        job.finished_at = None
        job.heartbeat_at = None
        job.celery_task_id = ""
        job.save()
        _record(job, user, "job.retry")
        _enqueue(job)
    return job


def _record(job: Job, user, action: str) -> None:
    """Who retried or cancelled a job, in the audit trail (its status alone says only what)."""
    activity_record(
        user=user,
        action=action,
        target=job,
        # The recording's project when the job works on one (jobs know no other apps).
        project_id=getattr(job.target, "project_id", None),
        details={"kind": job.kind, "status": job.status},
    )


def backoff_seconds(retries: int, retry_after: float | None = None, *, cap: float = 600) -> float:
    """Exponential backoff with full jitter, never shorter than the server's Retry-After."""
    delay = random.uniform(0, min(cap, 2 ** (retries + 1)))
    return max(delay, retry_after or 0)


def run_job(task, job_id, work: Callable[[Job], Any]) -> Any:
    """Body of every job task: start, do the work, record the outcome, retry transient faults.

    `work(job)` is a service; it reports progress with job_progress and raises
    TransientError/PermanentError. Safe to run twice: a finished job is skipped.
    """
    eager_retries = 0
    while True:
        job = job_start(job_id=job_id)
        if job is None:
            return None
        try:
            with _Heartbeat(job):
                result = work(job)
        except SoftTimeLimitExceeded:
            limit = task.soft_time_limit or 0
            job_fail(
                job=job,
                error=(
                    f"Stopped after {_duration(limit)}, the time limit of its queue (a "
                    "service it called may have stopped answering). Press Retry to run it again."
                ),
            )
            return None
        except JobCancelled:
            with transaction.atomic():
                job = Job.objects.select_for_update().get(pk=job.pk)
                _finish(job, Job.Status.CANCELLED, message="Cancelled.")
            return None
        except TransientError as exc:
            retries = eager_retries if task.request.is_eager else task.request.retries
            if retries >= task.max_retries:
                job_fail(job=job, error=f"Gave up after {retries + 1} attempts: {exc}")
                return None
            delay = backoff_seconds(retries, exc.retry_after)
            Job.objects.filter(pk=job.pk).update(
                status=Job.Status.QUEUED,
                message=f"Temporary problem, retrying in {delay:.0f} s: {exc}",
                updated_at=timezone.now(),
            )
            if task.request.is_eager:
                # No broker to redeliver (tests, CELERY_TASK_ALWAYS_EAGER): retry in-process.
                eager_retries += 1
                continue
            raise task.retry(countdown=delay, exc=exc) from exc
        except PermanentError as exc:
            job_fail(job=job, error=str(exc))
            return None
        except Exception as exc:
            logger.exception("Job %s (%s) crashed", job.pk, job.kind)
            job_fail(job=job, error=f"Unexpected error ({type(exc).__name__}): {exc}")
            return None
        job_succeed(job=job, result=result if isinstance(result, (dict, list, str)) else None)
        return result


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h"


WORKER_LOST = (
    "Its worker stopped (killed, out of memory or the machine went away): it has not "
    "reported back for {lease}. Press Retry to run it again."
)


def jobs_stuck(*, older_than_minutes: int) -> models.QuerySet[Job]:
    """Active jobs nobody is working on: running ones whose worker lost its lease, and
    queued ones (or running ones from before leases) with no progress for that long.

    A running job on a live worker is not stuck however long it runs: its queue's time
    limit stops it. Asking to cancel does not hide a job here either: the lease decides.
    """
    if older_than_minutes < 1:
        raise ValueError("older_than_minutes must be at least 1.")
    now = timezone.now()
    silent = now - timedelta(minutes=older_than_minutes)
    lease = now - timedelta(seconds=settings.JOB_LEASE_SECONDS)
    return Job.objects.filter(
        models.Q(status=Job.Status.QUEUED, updated_at__lt=silent)
        | models.Q(status=Job.Status.RUNNING, heartbeat_at__isnull=True, updated_at__lt=silent)
        | models.Q(status=Job.Status.RUNNING, heartbeat_at__lt=lease)
    )


def job_fail_stuck(*, older_than_minutes: int, resend_queued: bool = False) -> int:
    """Finish stuck jobs (see `jobs_stuck`) so none stays active forever; the pages then
    offer Retry. A job whose worker is gone is failed (cancelled, if Cancel was pressed).

    `resend_queued` (the beat sweep): a silent queued job is sent to the broker again
    instead of failed (its message may have been lost with a restarted Redis; a duplicate
    message is skipped by the lease), and jobs the broker refused earlier are sent again,
    since the sweep only runs when the broker is back. Returns how many were finished.
    """
    reason = f"Marked failed by status_report: no progress for {older_than_minutes} minutes"
    lost = WORKER_LOST.format(lease=_duration(settings.JOB_LEASE_SECONDS))
    finished = 0
    resend: list[Job] = []
    with transaction.atomic():
        # skip_locked: a job a worker is finishing right now is not stuck.
        stuck = jobs_stuck(older_than_minutes=older_than_minutes).select_for_update(
            skip_locked=True
        )
        for job in stuck:
            if job.status == Job.Status.QUEUED and resend_queued:
                job.message = (
                    f"Sent to the queue again: no worker had started it for "
                    f"{older_than_minutes} min."
                )
                job.save(update_fields=["message", "updated_at"])
                resend.append(job)
            elif job.worker_lost and job.cancel_requested:
                _finish(job, Job.Status.CANCELLED, message="Cancelled (its worker had stopped).")
                finished += 1
            elif job.worker_lost:
                _finish(job, Job.Status.FAILED, message="Failed.", error=lost)
                finished += 1
            else:
                _finish(job, Job.Status.FAILED, message="Failed.", error=reason)
                finished += 1
    for job in resend:
        _send(job)
    if resend_queued:
        for job in Job.objects.filter(status=Job.Status.FAILED, enqueue_failed=True):
            with contextlib.suppress(JobRefused):
                job_retry(job=job)
    if finished:
        logger.warning("Finished %s stuck job(s) (no worker working on them)", finished)
    return finished
