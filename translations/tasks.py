"""Celery tasks of the translations app (queue "translation"). Thin: ids in, service out."""

from celery import shared_task
from django.conf import settings

from jobs.services import run_job
from translations.pipeline import translation_run
from translations.voiceover import voiceover_run


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=settings.VENDOR_MAX_RETRIES,
    name="translations.tasks.translate",
)
def translate(self, job_id: str):
    """Translate a transcript's final version into one language (see translations.pipeline)."""
    return run_job(self, job_id, translation_run)


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=settings.VENDOR_MAX_RETRIES,
    name="translations.tasks.voiceover",
)
def voiceover(self, job_id: str):
    """Read a finalized translation aloud through ElevenLabs (see translations.voiceover)."""
    return run_job(self, job_id, voiceover_run)
