"""The transcript as a versioned document: T-1 from the engine, then H-1, H-2, …"""

from __future__ import annotations

from documents.document import VersionedDocument
from transcripts.models import Transcription, TranscriptionVersion
from transcripts.services import transcript_default_speaker, transcript_speakers_after_save


def _transcript_label(transcription: Transcription, number: int) -> str:
    return f"H-{number}"


TRANSCRIPT_DOCUMENT = VersionedDocument(
    kind="transcript",
    version_model=TranscriptionVersion,
    parent_field="transcription",
    base_text=lambda t: t.raw_text,
    base_json=lambda t: t.json_with_timestamps,
    base_label=lambda t: t.transcription_type or "T-1",
    version_label=_transcript_label,
    project_id=lambda t: t.audio_file.project_id,
    language_code=lambda t: t.language_code or "en",
    activity_prefix="transcription",
    # Re-transcription archives the old transcript; the recording's live one replaces it.
    live_document=lambda t: Transcription.objects.filter(
        audio_file_id=t.audio_file_id, archived=False
    ).first(),
    structure_edits=True,
    default_speaker=transcript_default_speaker,
    after_save=transcript_speakers_after_save,
)
