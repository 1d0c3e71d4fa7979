"""Thin Celery tasks on the summaries queue: load the job, call the service, record the outcome."""

from celery import shared_task
from django.conf import settings

from jobs.services import run_job
from summaries.services.feedback import feedback_analyse_run
from summaries.services.generation import summaries_generate_run


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=settings.VENDOR_MAX_RETRIES,
    name="summaries.tasks.generate_summary",
)
def generate_summary(self, job_id):
    return run_job(self, job_id, summaries_generate_run)


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=settings.VENDOR_MAX_RETRIES,
    name="summaries.tasks.analyse_feedback",
)
def analyse_feedback(self, job_id):
    return run_job(self, job_id, feedback_analyse_run)
