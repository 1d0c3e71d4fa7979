"""Celery tasks of the transcripts app (queue "transcription"). Thin: ids in, service out."""

from celery import shared_task
from django.conf import settings

from jobs.services import run_job
from transcripts.pipeline import transcription_run
from transcripts.sonix import sonix_sync_pending


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=settings.VENDOR_MAX_RETRIES,
    name="transcripts.tasks.transcribe",
)
def transcribe(self, job_id: str):
    """Transcribe a recording and store its T-1 (see transcripts.pipeline)."""
    return run_job(self, job_id, transcription_run)


@shared_task(name="transcripts.tasks.sonix_sync", acks_late=True, ignore_result=True)
def sonix_sync(audio_file_ids: list[str] | None = None) -> dict:
    """Refresh Sonix imports (all pending ones, or the given ids) and store finished
    transcripts as T-1. Runs every few minutes from CELERY_BEAT_SCHEDULE and on
    "Sync now"; safe to run twice (T-1 creation is idempotent). Faults are left to
    the next run rather than retried here: a 429 must not be hammered."""
    return sonix_sync_pending(audio_file_ids=audio_file_ids).as_dict()
