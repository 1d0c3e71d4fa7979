"""The life of a background job: create → start → progress → succeed/fail/cancel → retry."""

import contextlib
import importlib
import logging
import random
from collections.abc import Callable
from typing import Any

from celery import current_app
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from jobs.errors import JobCancelled, PermanentError, TransientError
from jobs.models import Job

logger = logging.getLogger(__name__)


def _enqueue(job: Job) -> None:
    def send():
        # Celery autodiscovers tasks only inside a worker; in the web process import the
        # task's module by its dotted name so it is registered.
        with contextlib.suppress(ImportError):
            importlib.import_module(job.task_name.rsplit(".", 1)[0])
        # apply_async (not send_task) so CELERY_TASK_ALWAYS_EAGER is honoured in tests.
        result = current_app.tasks[job.task_name].apply_async(args=[str(job.pk)])
        # In eager mode the task has already run; don't clobber its outcome.
        Job.objects.filter(pk=job.pk, celery_task_id="").update(celery_task_id=result.id or "")

    transaction.on_commit(send)


def job_create(
    *,
    kind: str,
    task_name: str,
    target: models.Model,
    created_by=None,
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
        type(target).objects.select_for_update().filter(pk=target.pk).first()
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
            created_by=created_by,
            message="Waiting for a worker…",
        )
        _enqueue(job)
    return job


def job_start(*, job_id) -> Job | None:
    """Mark a job running. Returns None when it has already finished (a redelivery)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in Job.FINISHED:
            return None
        if job.cancel_requested:
            _finish(job, Job.Status.CANCELLED, message="Cancelled before it started.")
            return None
        job.status = Job.Status.RUNNING
        job.attempts = models.F("attempts") + 1
        job.started_at = job.started_at or timezone.now()
        job.error = ""
        job.save(update_fields=["status", "attempts", "started_at", "error", "updated_at"])
        job.refresh_from_db()
    return job


def job_progress(*, job: Job, percent: float, message: str = "") -> None:
    """Record progress; raises JobCancelled when someone pressed Cancel meanwhile."""
    percent = max(0, min(100, int(percent)))
    Job.objects.filter(pk=job.pk).update(
        progress=percent, message=message, updated_at=timezone.now()
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
    """Cancel a queued job at once; ask a running one to stop at its next progress step."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status == Job.Status.QUEUED:
            _finish(job, Job.Status.CANCELLED, message="Cancelled.")
            if job.celery_task_id:
                transaction.on_commit(lambda: current_app.control.revoke(job.celery_task_id))
        elif job.status == Job.Status.RUNNING:
            job.cancel_requested = True
            job.message = "Cancelling…"
            job.save(update_fields=["cancel_requested", "message", "updated_at"])
    return job


def job_retry(*, job: Job, user=None) -> Job:
    """Run a failed or cancelled job again, as the same row."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if not job.can_retry:
            return job
        job.status = Job.Status.QUEUED
        job.progress = 0
        job.message = "Waiting for a worker…"
        job.error = ""
        job.cancel_requested = False
        job.finished_at = None
        job.celery_task_id = ""
        job.save()
        _enqueue(job)
    return job


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
            result = work(job)
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


def job_fail_stuck(*, older_than_minutes: int) -> int:
    """Fail queued/running jobs with no progress for that long, so none stays active forever.

    A job's `updated_at` moves with every progress report, so a silent job is one whose
    worker died or whose message was lost. Returns how many were marked failed.
    """
    from datetime import timedelta  # local: this function was appended to a shared module

    if older_than_minutes < 1:
        raise ValueError("older_than_minutes must be at least 1.")
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    reason = f"Marked failed by status_report: no progress for {older_than_minutes} minutes"
    failed = 0
    with transaction.atomic():
        # skip_locked: a job a worker is finishing right now is not stuck.
        stuck = Job.objects.select_for_update(skip_locked=True).filter(
            status__in=Job.ACTIVE, updated_at__lt=cutoff
        )
        for job in stuck:
            _finish(job, Job.Status.FAILED, message="Failed.", error=reason)
            failed += 1
    if failed:
        logger.warning(
            "Marked %s stuck job(s) failed (no progress for %s min)", failed, older_than_minutes
        )
    return failed
