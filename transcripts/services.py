"""Transcriptions: the machine text (T-1), the latest version, archive and restore.

Edits, restores and finalizing go through `documents.services` with
`transcripts.document.TRANSCRIPT_DOCUMENT`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services import activity_record, set_archived
from media_files.models import AudioFile
from transcripts.models import Speaker, Transcription, TranscriptionVersion


def transcription_plain_text(json_with_timestamps: dict[str, Any]) -> str:
    """The transcript as plain text: segment texts joined by blank-free newlines."""
    return "\n".join(
        seg.get("text", "").strip() for seg in json_with_timestamps.get("segments", [])
    ).strip()


def transcription_create_t1(
    *,
    audio_file: AudioFile,
    json_with_timestamps: dict[str, Any],
    source: str,
    created_by,
    raw_text: str | None = None,
) -> Transcription:
    """Store the machine transcript (T-1) of a recording.

    Idempotent: if the recording already has a live T-1 (a redelivered task, a second
    Sonix sync), that row is returned unchanged. The partial unique constraint
    `transcriptions_one_live_per_audio_file` makes a race lose cleanly.
    """
    with transaction.atomic():
        AudioFile.objects.select_for_update().filter(pk=audio_file.pk).first()
        existing = Transcription.objects.filter(audio_file=audio_file, archived=False).first()
        if existing is not None:
            return existing
        transcription = Transcription.objects.create(
            audio_file=audio_file,
            transcription_type="T-1",
            language_code="en",
            raw_text=raw_text
            if raw_text is not None
            else transcription_plain_text(json_with_timestamps),
            json_with_timestamps=json_with_timestamps,
            source=source,
            created_by=created_by,
        )
        activity_record(
            user=created_by,
            action="transcription.create",
            target=transcription,
            project_id=audio_file.project_id,
            details={"source": source},
        )
        speakers_sync(transcription=transcription, names=json_with_timestamps.get("speakers"))
    return transcription


# -- speakers (DESIGN.md "Speakers and segments") --------------------------------------------

DEFAULT_SPEAKER = "S1"


def transcript_default_speaker(transcription: Transcription) -> str:
    """The default speaker's name: the project's metadata `speaker`, else SPEAKER_NAME."""
    from django.conf import settings

    metadata = transcription.audio_file.project.metadata or {}
    name = metadata.get("speaker")
    return name.strip() if isinstance(name, str) and name.strip() else settings.SPEAKER_NAME


def speakers_sync(*, transcription: Transcription, names: Any) -> list[Speaker]:
    """Make the `speakers` rows match a version's speakers ({label: name}): new labels are
    added, names follow, labels no longer there are archived (the default S1 always stays).
    Called inside the transaction that saved the version (the names are versioned there)."""
    names = {str(k): str(v) for k, v in (names or {}).items() if isinstance(v, str)}
    if DEFAULT_SPEAKER not in names:
        names[DEFAULT_SPEAKER] = transcript_default_speaker(transcription)
    existing = {s.label: s for s in Speaker.objects.filter(transcription=transcription)}
    now = timezone.now()
    for label, name in names.items():
        row = existing.get(label)
        if row is None:
            existing[label] = Speaker.objects.create(
                transcription=transcription, label=label, name=name
            )
        elif row.name != name or row.archived:
            Speaker.objects.filter(pk=row.pk).update(name=name, archived=False, updated_at=now)
            row.name, row.archived = name, False
    gone = [s.pk for label, s in existing.items() if label not in names and not s.archived]
    if gone:
        Speaker.objects.filter(pk__in=gone).update(archived=True, updated_at=now)
    return [s for label, s in sorted(existing.items()) if label in names]


def transcript_speakers_after_save(transcription: Transcription, version, user) -> None:
    """After a transcript version is saved: its speakers become the table's. A text edit
    leaves them as they were, so only structure changes and restores read them."""
    record = version.diff_from_previous or ""
    if '"structure"' not in record:
        return
    names = getattr(version, "speaker_names", None)
    if names is None:
        names = (
            TranscriptionVersion.objects.filter(pk=version.pk)
            .values_list("json_with_timestamps__speakers", flat=True)
            .first()
        )
    speakers_sync(transcription=transcription, names=names)


@dataclass(frozen=True)
class LatestVersion:
    """What the seed's "Get Latest Version" query returns for one transcription."""

    text: str
    json_with_timestamps: dict[str, Any]
    version_number: int | None  # None = T-1, unedited
    version_type: str  # "T-1", "H-1", …
    version: TranscriptionVersion | None


def transcript_latest(transcription: Transcription) -> LatestVersion:
    version = (
        TranscriptionVersion.objects.filter(transcription=transcription)
        .order_by("-version_number")
        .first()
    )
    if version is None:
        return LatestVersion(
            transcription.raw_text, transcription.json_with_timestamps, None, "T-1", None
        )
    return LatestVersion(
        version.edited_text,
        version.json_with_timestamps or transcription.json_with_timestamps,
        version.version_number,
        version.version_type,
        version,
    )


def transcript_is_outdated_for(translation) -> bool:
    """Whether a translation was made from something other than the English final version.

    A translation made before anything was finalized is not outdated; once the final
    version moves (finalize, or an edit after finalize), translations of the old one are.
    """
    final_id = translation.transcription.final_version_id
    return final_id is not None and translation.source_version_id != final_id


def transcript_outdated_translations(transcription: Transcription):
    """The translations of this transcript that no longer match its final version."""
    if transcription.final_version_id is None:
        return transcription.translations.none()
    # Through the reverse relation: transcripts sits below translations and does not import it.
    return transcription.translations.exclude(source_version_id=transcription.final_version_id)


# -- archive and restore (the admin's actions) ----------------------------------------------


def transcription_archive(*, transcription: Transcription, user) -> Transcription:
    """Set a transcript aside; its recording can then be transcribed again."""
    return set_archived(
        obj=transcription,
        archived=True,
        user=user,
        project_id=transcription.audio_file.project_id,
    )


def transcription_restore(*, transcription: Transcription, user) -> Transcription:
    """Bring an archived transcript back, unless its recording has another live one (a
    recording has at most one); that one must be archived first."""
    with transaction.atomic():
        # The recording's row lock orders this against a concurrent restore or re-transcribe.
        audio_file = AudioFile.objects.select_for_update().get(pk=transcription.audio_file_id)
        live = (
            Transcription.objects.filter(audio_file=audio_file, archived=False)
            .exclude(pk=transcription.pk)
            .first()
        )
        if live is not None:
            raise ValidationError(
                f"“{audio_file.file_name}” already has a live transcript (made "
                f"{timezone.localtime(live.created_at):%Y-%m-%d %H:%M}); archive that one "
                "first, then restore this one."
            )
        return set_archived(
            obj=transcription, archived=False, user=user, project_id=audio_file.project_id
        )
