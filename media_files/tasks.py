"""Background work for recordings. Tasks are thin: they call a service."""

from celery import shared_task

from media_files.services import sonix_sync_pending


@shared_task(name="media_files.tasks.sonix_sync", acks_late=True, ignore_result=True)
def sonix_sync(audio_file_ids: list[str] | None = None) -> dict:
    """Refresh Sonix imports (all pending ones, or the given ids) and store finished
    transcripts as T-1. Runs every few minutes from CELERY_BEAT_SCHEDULE and on
    "Sync now"; safe to run twice (T-1 creation is idempotent). Faults are left to
    the next run rather than retried here: a 429 must not be hammered."""
    return sonix_sync_pending(audio_file_ids=audio_file_ids).as_dict()
