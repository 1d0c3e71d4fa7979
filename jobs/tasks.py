"""Periodic upkeep of the jobs table (queue "default", scheduled in CELERY_BEAT_SCHEDULE)."""

from celery import shared_task
from django.conf import settings

from jobs.services import job_fail_stuck


@shared_task(name="jobs.tasks.sweep_stuck", ignore_result=True)
def sweep_stuck() -> int:
    """`status_report --fail-stuck` on the beat: jobs whose worker died are failed with
    Retry, silent queued jobs and jobs the broker refused are sent again."""
    return job_fail_stuck(older_than_minutes=settings.JOB_STUCK_MINUTES, resend_queued=True)
