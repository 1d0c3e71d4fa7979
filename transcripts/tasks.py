"""Celery tasks of the transcripts app (queue "transcription"). Thin: ids in, service out."""

from celery import shared_task
from django.conf import settings

from jobs.services import run_job
from transcripts.pipeline import transcription_run


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=settings.VENDOR_MAX_RETRIES,
    name="transcripts.tasks.transcribe",
)
def transcribe(self, job_id: str):
    """Transcribe a recording and store its T-1 (see transcripts.pipeline)."""
    return run_job(self, job_id, transcription_run)
