"""The voice-over job: a finalized translation read aloud by ElevenLabs, stored as MP3."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from documents.selectors import version_content
from integrations.elevenlabs import ElevenLabsVoice
from integrations.errors import PermanentError
from jobs.models import Job
from jobs.services import job_progress
from translations.models import Translation, TranslationVersion
from translations.selectors import translation_segments
from translations.services import voiceover_store


def voiceover_path(language_code: str) -> str:
    return f"voiceover/{language_code}/{uuid.uuid4()}.mp3"


def voiceover_run(job: Job) -> dict[str, Any]:
    translation = (
        Translation.objects.select_related("transcription__audio_file")
        .filter(pk=job.target_id)
        .first()
    )
    if translation is None:
        raise PermanentError("The translation of this job no longer exists.")
    version = TranslationVersion.objects.filter(
        pk=job.params.get("version_id"), translation=translation
    ).first()
    if version is None:
        raise PermanentError("The finalized version to read aloud no longer exists.")
    voice = ElevenLabsVoice()
    text, data = version_content(version)  # an older version is rebuilt from its delta
    segments = translation_segments(data)
    paragraphs = [s["text"] for s in segments] or text.splitlines()
    job_progress(job=job, percent=3, message="Sending the text to ElevenLabs…")

    def on_piece(done: int, total: int) -> None:
        job_progress(job=job, percent=5 + 85 * done / total, message=f"Read {done} of {total}…")

    audio = voice.synthesize(paragraphs, language_code=translation.language_code, on_piece=on_piece)
    job_progress(job=job, percent=95, message="Storing the audio…")
    path = default_storage.save(voiceover_path(translation.language_code), ContentFile(audio))
    voiceover = voiceover_store(
        translation=translation,
        version=version,
        file_path=path,
        file_size_bytes=len(audio),
        engine=voice.name,
        voice_id=voice.voice_id,
        model_id=voice.model_id,
        user=job.created_by or _system_user(),
    )
    return {"voiceover_id": str(voiceover.pk), "file_path": path, "bytes": len(audio)}


def _system_user():
    from accounts.models import User

    return User.objects.system_user()
