"""Recordings: upload (validated by content), storage keys, reading back, archive,
and the Sonix import and sync. Every write goes through here.

Storage: files live in Django's default storage (local `var/media/` or S3) under
`audio/<project_type_slug>/<uuid>-<safe original name>`; `file_name` keeps the
original name. A recording imported from Sonix has no file of ours: its
`file_path` is `sonix://<media_id>` (see `is_sonix_only`), and its page says that
playback happens in Sonix.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import re
import tempfile
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.text import slugify

from accounts.services import activity_record, set_archived
from integrations.errors import PermanentError, TransientError
from media_files.models import AudioFile
from media_files.probe import ACCEPTED_EXTENSIONS, MediaProbe, clock, probe_media
from projects.models import Project

logger = logging.getLogger(__name__)

SONIX_SCHEME = "sonix://"
MAX_NAME_CHARS = 255
# The stored name's share of the key, in UTF-8 bytes: uuid + name stays well inside
# one path component (255 bytes on common filesystems) and S3's 1024-byte key limit.
KEY_NAME_BYTES = 150
COPY_CHUNK_BYTES = 1024 * 1024
# Bidirectional overrides let "evil‮3pm.exe" display as "evilexe.mp3".
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
VIDEO_EXTENSIONS = {"mp4", "mov", "webm", "mkv", "m4v", "avi"}


class MediaUnavailable(PermanentError):
    """The recording's bytes cannot be read (Sonix-only import, or missing from storage)."""


# -- names and keys ---------------------------------------------------------------


def file_name_check(name: str | None) -> str:
    """The original file name, NFC-normalised and trimmed; ValidationError when unsafe."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        raise ValidationError("The file has no name.", code="name_empty")
    if len(name) > MAX_NAME_CHARS:
        raise ValidationError(
            f"The file name is too long ({len(name)} characters; at most {MAX_NAME_CHARS}). "
            "Rename the file and try again.",
            code="name_too_long",
        )
    if any(unicodedata.category(c) == "Cc" or c in BIDI_CONTROLS for c in name):
        raise ValidationError(
            "The file name contains invisible control characters. Rename the file and try again.",
            code="name_control",
        )
    if "/" in name or "\\" in name or name in {".", ".."}:
        raise ValidationError(
            f"File names may not contain “/”, “\\” or be “..” (got “{name[:80]}”). "
            "Rename the file and try again.",
            code="name_path",
        )
    return name


def storage_key(*, project_type_slug: str, audio_id: uuid.UUID, file_name: str, ext: str) -> str:
    """`audio/<project_type_slug>/<uuid>-<safe name>`, the seed's path scheme."""
    folder = slugify(project_type_slug) or "other"
    return f"audio/{folder}/{audio_id}-{safe_file_name(file_name, ext=ext)}"


def safe_file_name(name: str, *, ext: str) -> str:
    """Letters, marks and digits of any script, plus - _ . ; then `ext`, the extension of
    what the file really is (a media extension in the name is replaced by it)."""
    stem, dot, own = name.rpartition(".")
    if not dot or own.lower() not in ACCEPTED_EXTENSIONS:
        stem = name
    stem = unicodedata.normalize("NFKC", stem)
    stem = "".join(c if unicodedata.category(c)[0] in "LMN" or c in "-_." else "-" for c in stem)
    stem = re.sub(r"[-.]{2,}", "-", stem).strip("-._")
    stem = stem.encode()[:KEY_NAME_BYTES].decode("utf-8", "ignore").strip("-._")
    return f"{stem or 'recording'}.{ext.lower()}"


def is_sonix_only(audio_file: AudioFile) -> bool:
    return audio_file.file_path.startswith(SONIX_SCHEME)


# -- upload ----------------------------------------------------------------------


def project_check_open(project: Project) -> None:
    """Recordings can be added only to live projects of live project types."""
    if project.archived:
        raise ValidationError(
            f"The project “{project.name}” is archived; restore it before adding recordings.",
            code="project_archived",
        )
    if project.project_type.archived:
        raise ValidationError(
            f"The project type “{project.project_type.name}” is archived; "
            "recordings can no longer be added to its projects.",
            code="project_type_archived",
        )


def audio_file_upload(
    *, project: Project, uploaded_file: File, user, start_transcription: bool = True
) -> AudioFile:
    """Validate an uploaded recording by its content and store it.

    Raises ValidationError (one clear message) for an unsafe name, an empty or
    oversize file, a file that is not audio/video, one without an audio track or
    a duration, one whose header claims far more than its audio holds (cut off),
    one longer than MAX_RECORDING_SECONDS or below MIN_AUDIO_SAMPLE_RATE, or
    an archived project or project type; then nothing is stored.
    The file is copied to storage in chunks (a spooled upload is moved, never read
    into memory); the row is created only once the file is stored, and the file is
    removed again if the row cannot be created. `start_transcription=False` stores a
    recording whose transcript comes with it (the demo lecture) without queueing the engine.
    """
    name = file_name_check(uploaded_file.name)
    project_check_open(project)
    size = uploaded_file.size or 0
    if size <= 0:
        raise ValidationError(f"“{name}” is empty (0 bytes).", code="empty")
    limit = settings.MAX_UPLOAD_BYTES
    if size > limit:
        raise ValidationError(
            f"“{name}” is {filesizeformat(size)}; the upload limit is {filesizeformat(limit)}.",
            code="too_large",
        )
    probe = probe_media(_probe_source(uploaded_file), name=name)
    recording_check_limits(probe, name=name)

    audio_id = uuid.uuid4()
    key = storage_key(
        project_type_slug=project.project_type.slug,
        audio_id=audio_id,
        file_name=name,
        ext=probe.extension_for(name),
    )
    stored_key = default_storage.save(key, uploaded_file)
    row_committed = False

    def _row_committed() -> None:
        nonlocal row_committed
        row_committed = True

    try:
        with transaction.atomic():
            # Registered first, so it runs before the hooks that follow (queueing the job).
            transaction.on_commit(_row_committed)
            locked = Project.objects.select_for_update().select_related("project_type")
            locked = locked.get(pk=project.pk)
            project_check_open(locked)  # archived while the file was being stored
            audio_file = AudioFile.objects.create(
                id=audio_id,
                project=locked,
                file_name=name,
                file_path=stored_key,
                file_size_bytes=size,
                duration_seconds=Decimal(str(probe.duration_seconds)),
                uploaded_by=user,
                file_type=probe.file_type,
            )
            activity_record(
                actor=user,
                action="audio_file.upload",
                target=audio_file,
                project_id=locked.pk,
                details={
                    "file_name": name,
                    "file_path": stored_key,
                    "file_size_bytes": size,
                    "duration_seconds": probe.duration_seconds,
                    "file_type": probe.file_type,
                    "format": probe.format_name,
                },
            )
            if start_transcription:
                _start_transcription_after_upload(audio_file=audio_file, user=user)
    except BaseException:
        # The row and its file land together or not at all: an error raised once the row
        # has committed (by an on-commit hook) must not take its file away.
        if not row_committed:
            default_storage.delete(stored_key)
        raise
    return audio_file


def recording_check_limits(probe: MediaProbe, *, name: str) -> None:
    """The work one upload may cause: engines bill per minute, and a few kilobytes of
    audio "at 1 Hz" would last a day."""
    minimum = settings.MIN_AUDIO_SAMPLE_RATE
    if probe.sample_rate < minimum:
        raise ValidationError(
            f"“{name}” is recorded at {probe.sample_rate:,} Hz; speech needs at least "
            f"{minimum:,} Hz. Export it again at 16,000 Hz or more and upload the new file.",
            code="sample_rate",
        )
    longest = settings.MAX_RECORDING_SECONDS
    if probe.duration_seconds > longest:
        raise ValidationError(
            f"“{name}” is {clock(probe.duration_seconds)} long; recordings can be at most "
            f"{clock(longest)}. Split it into parts and upload those.",
            code="too_long",
        )


def _probe_source(uploaded_file: File) -> str | IO[bytes]:
    """A path when the upload is on disk (spooled temp file, local file), else the file."""
    if hasattr(uploaded_file, "temporary_file_path"):
        return uploaded_file.temporary_file_path()
    inner_name = getattr(getattr(uploaded_file, "file", None), "name", None)
    if isinstance(inner_name, str) and os.path.isfile(inner_name):
        return inner_name
    uploaded_file.seek(0)
    return uploaded_file


def _start_transcription_after_upload(*, audio_file: AudioFile, user) -> None:
    """The one hand-over from uploads to the transcription pipeline (transcripts app).

    Looked up at call time, so uploads work whether or not the pipeline is installed.
    It runs inside the upload's transaction (its job is queued on commit, so a
    rolled-back upload queues nothing), in a savepoint: a failure to start
    transcription is logged and never undoes a good upload.
    """
    try:
        pipeline = importlib.import_module("transcripts.pipeline")
    except ModuleNotFoundError as exc:
        if exc.name == "transcripts.pipeline":
            return
        logger.exception("The transcription pipeline could not be imported.")
        return
    start = getattr(pipeline, "transcription_start_after_upload", None)
    if start is None:
        return
    try:
        with transaction.atomic():
            start(audio_file=audio_file, user=user)
    except Exception:
        logger.exception("Could not start transcription of %s after upload.", audio_file.pk)


# -- reading back ----------------------------------------------------------------


def audio_file_open(audio_file: AudioFile) -> File:
    """The recording's bytes from storage, as a binary file (use it with `with`)."""
    if is_sonix_only(audio_file):
        raise MediaUnavailable(
            "This recording was imported from Sonix; its audio stays in Sonix "
            "and there is no copy to read here."
        )
    if not default_storage.exists(audio_file.file_path):
        raise MediaUnavailable("The recording's file is missing from storage.")
    return default_storage.open(audio_file.file_path, "rb")


@contextlib.contextmanager
def audio_file_local_path(audio_file: AudioFile) -> Iterator[Path]:
    """A local path with the recording's bytes: the stored file itself on local
    storage, else a temporary copy (streamed down in chunks, removed afterwards)."""
    with audio_file_open(audio_file) as stored:
        try:
            on_disk = default_storage.path(audio_file.file_path)
        except NotImplementedError:  # remote storage (S3)
            on_disk = None
        if on_disk:
            yield Path(on_disk)
            return
        suffix = Path(audio_file.file_path).suffix[:10]
        with tempfile.NamedTemporaryFile(
            prefix="max-audio-", suffix=suffix, dir=settings.FILE_UPLOAD_TEMP_DIR
        ) as local:
            for chunk in stored.chunks(COPY_CHUNK_BYTES):
                local.write(chunk)
            local.flush()
            yield Path(local.name)


# -- archive and restore ----------------------------------------------------------


def audio_file_rename(*, audio_file: AudioFile, user, file_name: str) -> AudioFile:
    """Change the name shown for a recording (its stored file keeps its key)."""
    name = file_name_check(file_name)
    with transaction.atomic():
        locked = AudioFile.objects.select_for_update().get(pk=audio_file.pk)
        if locked.file_name == name:
            return locked
        before, locked.file_name = locked.file_name, name
        locked.save(update_fields=["file_name", "updated_at"])
        activity_record(
            actor=user,
            action="audio_file.rename",
            target=locked,
            project_id=locked.project_id,
            details={"before": before, "after": name},
        )
    return locked


def audio_file_archive(*, audio_file: AudioFile, user) -> AudioFile:
    return set_archived(obj=audio_file, archived=True, actor=user, project_id=audio_file.project_id)


def audio_file_restore(*, audio_file: AudioFile, user) -> AudioFile:
    return set_archived(
        obj=audio_file, archived=False, actor=user, project_id=audio_file.project_id
    )


# -- Sonix import and sync --------------------------------------------------------

SONIX_COMPLETED = "completed"
# Statuses after which Sonix will not produce a transcript; "missing" is ours
# (Sonix answered 404: the media was deleted there).
SONIX_FINAL_FAILURES = ("failed", "blocked", "deleted", "missing")


def sonix_configured() -> bool:
    return bool(settings.SONIX_API_KEY)


def sonix_client():
    from integrations.sonix import SonixClient

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
                actor=user,
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


def _queue_sonix_sync(audio_file_ids: list[str]) -> None:
    from media_files.tasks import sonix_sync

    sonix_sync.delay(audio_file_ids=audio_file_ids)


def sonix_sync_queue(*, audio_file_ids: list[str] | None = None) -> None:
    """The "Sync now" button: run the sync task after the request's transaction."""
    transaction.on_commit(lambda: _queue_sonix_sync(audio_file_ids))


def sonix_pending() -> QuerySet[AudioFile]:
    """Sonix imports still waiting for a transcript: not finished in Sonix, or finished
    but without a live T-1 here."""
    from transcripts.models import Transcription

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
    from integrations.sonix import SonixNotFound, sonix_json_to_seed
    from transcripts.models import Transcription
    from transcripts.services import transcription_create_t1

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
                actor=None,
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
