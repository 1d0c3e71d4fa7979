"""Recordings imported from Sonix: their transcripts arrive later, stored as T-1.

An imported recording has no file of ours: its `file_path` is `sonix://<media_id>` (see
`media_files.services.is_sonix_only`), and its page says that playback happens in Sonix.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.services import activity_record
from integrations.errors import PermanentError, TransientError
from integrations.sonix import SonixClient, SonixNotFound, sonix_json_to_seed
from media_files.models import AudioFile
from media_files.services import (
    BIDI_CONTROLS,
    MAX_NAME_CHARS,
    SONIX_COMPLETED,
    SONIX_FINAL_FAILURES,
    SONIX_SCHEME,
    VIDEO_EXTENSIONS,
    project_check_open,
)
from projects.models import Project
from transcripts.models import Transcription
from transcripts.services import transcription_create_t1

logger = logging.getLogger(__name__)


def sonix_configured() -> bool:
    return bool(settings.SONIX_API_KEY)


def sonix_client() -> SonixClient:
    return SonixClient()


@dataclass
class SonixImportResult:
    imported: list[AudioFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one clear sentence per media


def sonix_import(
    *, project: Project, media_ids: Iterable[str], user, client=None
) -> SonixImportResult:
    """Import chosen Sonix media into a project: one `audio_files` row each, with
    `sonix_media_id`, `sonix_status` and `file_path = sonix://<id>`.

    Media already imported (and not archived) are skipped with a message. Once the
    rows are committed, a sync fetches the transcripts of completed media as T-1.
    """
    project_check_open(project)
    client = client or sonix_client()
    result = SonixImportResult()
    fetched: list[dict[str, Any]] = []
    for media_id in dict.fromkeys(str(m).strip() for m in media_ids if str(m).strip()):
        existing = (
            AudioFile.objects.active()
            .filter(sonix_media_id=media_id)
            .select_related("project")
            .first()
        )
        if existing is not None:
            result.skipped.append(
                f"“{existing.file_name}” is already imported into “{existing.project.name}”."
            )
            continue
        try:
            fetched.append(client.get_media(media_id))
        except (PermanentError, TransientError) as exc:
            result.skipped.append(f"Sonix media {media_id[:40]}: {exc}")
    if not fetched:
        return result
    with transaction.atomic():
        locked = Project.objects.select_for_update().select_related("project_type")
        locked = locked.get(pk=project.pk)
        project_check_open(locked)
        for media in fetched:
            media_id = str(media["id"])
            if AudioFile.objects.active().filter(sonix_media_id=media_id).exists():
                result.skipped.append(f"Sonix media {media_id} was imported meanwhile.")
                continue
            audio_file = AudioFile.objects.create(
                project=locked,
                file_name=_sonix_display_name(media),
                file_path=f"{SONIX_SCHEME}{media_id}",
                file_size_bytes=None,
                duration_seconds=_decimal_seconds(media.get("duration")),
                uploaded_by=user,
                sonix_media_id=media_id,
                sonix_status=_sonix_status(media),
                file_type=_sonix_file_type(media),
            )
            activity_record(
                user=user,
                action="audio_file.sonix_import",
                target=audio_file,
                project_id=locked.pk,
                details={"sonix_media_id": media_id, "sonix_status": audio_file.sonix_status},
            )
            result.imported.append(audio_file)
        ids = [str(a.pk) for a in result.imported]
        if ids:
            transaction.on_commit(lambda: _queue_sonix_sync(ids))
    return result


def _queue_sonix_sync(audio_file_ids: list[str] | None) -> None:
    from transcripts.tasks import sonix_sync  # the task module imports this one

    sonix_sync.delay(audio_file_ids=audio_file_ids)


def sonix_sync_queue(*, audio_file_ids: list[str] | None = None) -> None:
    """The "Sync now" button: run the sync task after the request's transaction."""
    transaction.on_commit(lambda: _queue_sonix_sync(audio_file_ids))


def sonix_pending() -> QuerySet[AudioFile]:
    """Sonix imports still waiting for a transcript: not finished in Sonix, or finished
    but without a live T-1 here."""

    has_live = Exists(Transcription.objects.filter(audio_file=OuterRef("pk"), archived=False))
    return (
        AudioFile.objects.active()
        .filter(sonix_media_id__isnull=False)
        .filter(Q(sonix_status__isnull=True) | ~Q(sonix_status__in=SONIX_FINAL_FAILURES))
        .annotate(has_live_transcription=has_live)
        .filter(Q(has_live_transcription=False) | ~Q(sonix_status=SONIX_COMPLETED))
    )


@dataclass
class SonixSyncReport:
    checked: int = 0
    transcripts_created: int = 0
    errors: list[str] = field(default_factory=list)
    stopped_early: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "transcripts_created": self.transcripts_created,
            "errors": self.errors,
            "stopped_early": self.stopped_early,
        }


def sonix_sync_pending(
    *, audio_file_ids: list[str] | None = None, client=None, limit: int = 200
) -> SonixSyncReport:
    """Refresh `sonix_status` of pending imports and store finished transcripts as T-1.

    One failing media never stops the others; a 429 stops the run (the next run, a
    few minutes later, carries on).
    """
    report = SonixSyncReport()
    if not sonix_configured():
        return report
    client = client or sonix_client()
    pending = sonix_pending().select_related("project").order_by("created_at")
    if audio_file_ids is not None:
        pending = pending.filter(pk__in=audio_file_ids)
    for audio_file in pending[:limit]:
        report.checked += 1
        try:
            if sonix_sync_audio_file(audio_file=audio_file, client=client):
                report.transcripts_created += 1
        except TransientError as exc:
            report.errors.append(f"{audio_file.file_name}: {exc}")
            if exc.retry_after is not None:
                report.stopped_early = True
                break
        except PermanentError as exc:
            report.errors.append(f"{audio_file.file_name}: {exc}")
    if report.errors:
        logger.warning("Sonix sync: %s", "; ".join(report.errors))
    return report


def sonix_sync_audio_file(*, audio_file: AudioFile, client=None) -> bool:
    """Bring one import up to date with Sonix; True when it stored a new T-1."""

    client = client or sonix_client()
    media_id = audio_file.sonix_media_id
    try:
        media = client.get_media(media_id)
    except SonixNotFound:
        _sonix_status_set(audio_file=audio_file, status="missing", media=None)
        raise
    status = _sonix_status(media)
    _sonix_status_set(audio_file=audio_file, status=status, media=media)
    if status != SONIX_COMPLETED:
        return False
    if Transcription.objects.filter(audio_file=audio_file, archived=False).exists():
        return False
    transcript = client.get_transcript_json(media_id)
    duration = media.get("duration") or audio_file.duration_seconds
    seed = sonix_json_to_seed(transcript, duration=float(duration) if duration else None)
    # Idempotent: a concurrent sync that stored it first wins and this returns its row.
    transcription_create_t1(
        audio_file=audio_file,
        json_with_timestamps=seed,
        source="sonix",
        created_by=audio_file.uploaded_by,
    )
    return True


def _sonix_status_set(*, audio_file: AudioFile, status: str, media: dict | None) -> None:
    with transaction.atomic():
        locked = AudioFile.objects.select_for_update().get(pk=audio_file.pk)
        changed = []
        if locked.sonix_status != status:
            previous, locked.sonix_status = locked.sonix_status, status
            changed.append("sonix_status")
        duration = _decimal_seconds((media or {}).get("duration"))
        if locked.duration_seconds is None and duration is not None:
            locked.duration_seconds = duration
            changed.append("duration_seconds")
        if not changed:
            return
        locked.save(update_fields=[*changed, "updated_at"])
        if "sonix_status" in changed:
            activity_record(
                user=None,
                action="audio_file.sonix_status",
                target=locked,
                project_id=locked.project_id,
                details={"from": previous, "to": status},
            )
    audio_file.sonix_status = locked.sonix_status
    audio_file.duration_seconds = locked.duration_seconds


def _sonix_status(media: dict[str, Any]) -> str:
    return str(media.get("status") or "unknown").strip().lower()[:40] or "unknown"


def _sonix_display_name(media: dict[str, Any]) -> str:
    name = unicodedata.normalize("NFC", str(media.get("name") or "")).strip()
    name = "".join(c for c in name if unicodedata.category(c) != "Cc" and c not in BIDI_CONTROLS)
    return name[:MAX_NAME_CHARS] or f"Sonix media {media.get('id')}"


def _sonix_file_type(media: dict[str, Any]) -> str:
    # Sonix's media object does not say audio or video; the name's extension does,
    # when the uploader kept it.
    if media.get("video") is True:
        return AudioFile.FileType.VIDEO
    ext = str(media.get("name") or "").rpartition(".")[2].lower()
    return AudioFile.FileType.VIDEO if ext in VIDEO_EXTENSIONS else AudioFile.FileType.AUDIO


def _decimal_seconds(value: Any) -> Decimal | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    if seconds != seconds or seconds <= 0 or seconds > 10**8:
        return None
    return Decimal(str(round(seconds, 3)))
