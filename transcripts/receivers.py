"""What transcripts does when other apps announce something."""

import logging

from django.db import transaction
from django.dispatch import receiver

from media_files.signals import recording_uploaded
from transcripts.pipeline import transcription_start_after_upload

logger = logging.getLogger(__name__)


@receiver(recording_uploaded, dispatch_uid="transcripts.transcribe_new_recording")
def transcribe_new_recording(sender, *, audio_file, user, **kwargs) -> None:
    # A savepoint: a failure to start transcription is logged and never undoes the upload
    # whose transaction this runs in (its job is queued on commit, so a rolled-back upload
    # queues nothing).
    try:
        with transaction.atomic():
            transcription_start_after_upload(audio_file=audio_file, user=user)
    except Exception:
        logger.exception("Could not start transcription of %s after upload.", audio_file.pk)
