"""A task used only by the jobs tests: its behaviour is picked by the job's params."""

import time

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from integrations.errors import PermanentError, TransientError
from jobs.models import Job
from jobs.services import job_progress, run_job


def _work(job: Job):
    mode = job.params.get("mode")
    job_progress(job=job, percent=50, message="piece 1 of 2")
    if mode == "permanent":
        raise PermanentError("The file has no audio stream.")
    if mode == "transient":
        Job.objects.filter(pk=job.pk).update(params={**job.params, "failures_left": 0})
        if job.params.get("failures_left", 0) > 0:
            raise TransientError("Vendor answered 503", retry_after=0)
    if mode == "crash":
        raise RuntimeError("boom")
    if mode == "timeout":  # what the worker raises in the task at its soft time limit
        raise SoftTimeLimitExceeded()
    if mode == "sleep":  # a long vendor call: no progress reports meanwhile
        time.sleep(job.params.get("seconds", 1))
    if mode == "cancel":
        Job.objects.filter(pk=job.pk).update(cancel_requested=True)
        job_progress(job=job, percent=60, message="piece 2 of 2")
    return {"ok": True}


@shared_task(bind=True, acks_late=True, max_retries=3, name="jobs.tests.sample")
def sample(self, job_id):
    return run_job(self, job_id, _work)
