"""Recordings: upload (validated by content), storage keys, reading back, archive,
Every write goes through here (the Sonix import is in transcripts.sonix).

Storage: files live in Django's default storage (local `var/media/` or S3) under
`audio/<project_type_slug>/<uuid>-<safe original name>`; `file_name` keeps the
original name. A recording imported from Sonix has no file of ours: its
`file_path` is `sonix://<media_id>` (see `is_sonix_only`), and its page says that
playback happens in Sonix.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import unicodedata
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.text import slugify

from accounts.services import activity_record, set_archived
from integrations.errors import PermanentError
from media_files.models import AudioFile
from media_files.probe import ACCEPTED_EXTENSIONS, MediaProbe, clock, probe_media
from media_files.signals import recording_uploaded
from projects.models import Project

logger = logging.getLogger(__name__)

SONIX_SCHEME = "sonix://"
SONIX_COMPLETED = "completed"
# Statuses after which Sonix will not produce a transcript; "missing" is ours
# (Sonix answered 404: the media was deleted there).
SONIX_FINAL_FAILURES = ("failed", "blocked", "deleted", "missing")
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
                user=user,
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
                _announce_upload(audio_file=audio_file, user=user)
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


def _announce_upload(*, audio_file: AudioFile, user) -> None:
    """Tell whoever listens (the transcription pipeline) that a recording arrived.

    Sent inside the upload's transaction, so a rolled-back upload announces nothing that
    lasts; each receiver guards its own work (a failure to start transcription must never
    undo a good upload).
    """
    recording_uploaded.send(sender=AudioFile, audio_file=audio_file, user=user)


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
            user=user,
            action="audio_file.rename",
            target=locked,
            project_id=locked.project_id,
            details={"before": before, "after": name},
        )
    return locked


def audio_file_archive(*, audio_file: AudioFile, user) -> AudioFile:
    return set_archived(obj=audio_file, archived=True, user=user, project_id=audio_file.project_id)


def audio_file_restore(*, audio_file: AudioFile, user) -> AudioFile:
    return set_archived(obj=audio_file, archived=False, user=user, project_id=audio_file.project_id)
