"""The transcription pipeline: start a job for a recording, run it, store the T-1.

    transcription_start(audio_file=…, user=…)                 # the Transcribe button
    transcription_start(audio_file=…, user=…, replace=True)   # re-transcribe, confirmed
    transcription_start_after_upload(audio_file=…, user=…)    # called by the upload service

The job (`jobs.Job`, kind "transcribe") runs `transcription_run` through
`transcripts.tasks.transcribe`. Finished pieces are kept in the cache under the job's
id, so a redelivered or retried task resumes where it stopped and never transcribes
a piece twice; storing the T-1 is idempotent (`transcription_create_t1`). Replacing a
transcript archives the old one — with all its human versions — in the same
transaction that creates the new one, and only once the new one exists.

The T-1's `metadata.engine_label` records what really made it ("Whisper tiny.en,
offline (faster-whisper)", "OpenAI whisper-1", "Sonix"), for pages and exports. A
recording in which the engine finds no speech gets no T-1: the job fails saying so, and
the page offers to transcribe again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max
from django.db.models.fields.json import KT

from accounts.models import User
from accounts.services import activity_record, set_archived
from documents.labels import engine_label
from glossary.selectors import glossary_terms
from integrations.errors import PermanentError
from integrations.transcription import get_transcription_engine
from integrations.transcription.base import label_speakers
from integrations.transcription.join import PieceTranscript
from integrations.transcription.runner import PiecePlan, Progress, plan_pieces, transcribe_media
from jobs.models import Job
from jobs.services import backoff_seconds, job_create, job_progress
from media_files.models import AudioFile
from media_files.services import audio_file_local_path, is_sonix_only
from transcripts.models import Transcription
from transcripts.services import transcription_create_t1

if TYPE_CHECKING:
    from typing import TypeAlias

    from django_stubs_ext import WithAnnotations

JOB_KIND = "transcribe"
TASK_NAME = "transcripts.tasks.transcribe"
VOCABULARY_LIMIT = 200


class TranscriptionExists(Exception):
    """The recording already has a live transcript; replacing it needs confirmation."""

    def __init__(self, transcription: Transcription):
        super().__init__("This recording already has a transcript.")
        self.transcription = transcription


class TranscriptionRefused(Exception):
    """The recording cannot be transcribed (archived, …); the message says why."""


class NoSpeechFound(PermanentError):
    """The engine heard no speech: an empty T-1 could be neither read nor edited."""


def transcription_job_latest(audio_file: AudioFile) -> Job | None:
    """The most recent transcription job for a recording, whatever its outcome."""
    return Job.for_target(audio_file, JOB_KIND).order_by("-created_at").first()


@dataclass(frozen=True)
class TranscriptSummary:
    transcription: Transcription
    human_versions: int
    latest_label: str  # "T-1" when unedited, else the newest "H-n"
    engine: str
    duration: float | None
    editor_url: str


@dataclass(frozen=True)
class PanelState:
    """What the transcription panel on a recording's page shows."""

    live: TranscriptSummary | None
    archived: list[TranscriptSummary]
    job: Job | None  # latest job, shown while it runs and when it failed or was cancelled
    sonix_only: bool  # imported from Sonix: no audio of ours, the transcript comes from Sonix
    recording_archived: bool

    @property
    def job_is_active(self) -> bool:
        return self.job is not None and self.job.is_active

    @property
    def can_transcribe(self) -> bool:
        return not (self.sonix_only or self.recording_archived or self.job_is_active)

    @property
    def can_start(self) -> bool:
        return self.live is None and self.can_transcribe

    @property
    def can_replace(self) -> bool:
        return self.live is not None and self.can_transcribe


class _PanelFacts(TypedDict):
    human_versions: int
    last_version: int | None
    meta_engine: str | None
    meta_model: str | None
    meta_engine_label: str | None
    meta_duration: str | None


if TYPE_CHECKING:
    # A transcript with what the panel reads of it inside the database.
    PanelTranscription: TypeAlias = WithAnnotations[Transcription, _PanelFacts]


def transcription_panel_state(audio_file: AudioFile) -> PanelState:
    """Everything the panel needs, in a fixed number of queries (the long JSON and
    text columns are not loaded; metadata is read inside the database)."""
    transcriptions = (
        Transcription.objects.filter(audio_file=audio_file)
        .defer("json_with_timestamps", "raw_text")
        .annotate(
            human_versions=Count("versions"),
            last_version=Max("versions__version_number"),
            meta_engine=KT("json_with_timestamps__metadata__engine"),
            meta_model=KT("json_with_timestamps__metadata__model"),
            meta_engine_label=KT("json_with_timestamps__metadata__engine_label"),
            meta_duration=KT("json_with_timestamps__metadata__duration"),
        )
        .order_by("archived", "-created_at")
    )
    summaries = [_summary(t) for t in transcriptions]
    live = next((s for s in summaries if not s.transcription.archived), None)
    job = transcription_job_latest(audio_file)
    if job is not None and job.status == Job.Status.SUCCEEDED:
        job = None  # the transcript it made speaks for it
    return PanelState(
        live=live,
        archived=[s for s in summaries if s.transcription.archived],
        job=job,
        sonix_only=is_sonix_only(audio_file),
        recording_archived=audio_file.archived,
    )


def _summary(transcription: PanelTranscription) -> TranscriptSummary:
    raw_duration = transcription.meta_duration
    duration: float | None = None
    if raw_duration is not None:
        try:
            duration = float(raw_duration)
        except ValueError:
            duration = None
    last = transcription.last_version
    return TranscriptSummary(
        transcription=transcription,
        human_versions=transcription.human_versions,
        latest_label=f"H-{last}" if last else "T-1",
        # What really ran (engine and model, as the pipeline recorded it), not the source
        # column, which says "whisper" for every run of our own pipeline.
        engine=engine_label(
            transcription.meta_engine, transcription.meta_model, transcription.meta_engine_label
        )
        or transcription.get_source_display(),
        duration=duration,
        editor_url=transcription.get_absolute_url(),
    )


def transcription_start(*, audio_file: AudioFile, user: User | None, replace: bool = False) -> Job:
    """Queue a transcription job (it starts after the surrounding transaction commits).

    With a live transcript already there, `replace=True` is required (the editor
    confirmed): the job then archives that transcript when the new T-1 is ready.
    A second click while a job is queued or running returns that job.
    """
    with transaction.atomic():
        locked = AudioFile.objects.select_for_update().get(pk=audio_file.pk)
        if locked.archived:
            raise TranscriptionRefused("This recording is archived; restore it first.")
        if is_sonix_only(locked):
            raise TranscriptionRefused(
                "This recording was imported from Sonix and its audio stays there; "
                "its transcript comes from Sonix."
            )
        live = Transcription.objects.filter(audio_file=locked, archived=False).first()
        if live is not None and not replace:
            raise TranscriptionExists(live)
        active = Job.for_target(locked, JOB_KIND).filter(status__in=Job.ACTIVE).first()
        if active is not None:
            return active
        params: dict[str, Any] = {"engine": settings.TRANSCRIPTION_ENGINE}
        if live is not None:
            params["replaces"] = str(live.pk)
        job = job_create(
            kind=JOB_KIND,
            task_name=TASK_NAME,
            target=locked,
            user=user if user is not None and user.is_authenticated else None,
            params=params,
        )
        activity_record(
            user=user,
            action="transcription.start",
            target=locked,
            project_id=locked.project_id,
            details={"job_id": str(job.pk), **params},
        )
    return job


def transcription_start_after_upload(*, audio_file: AudioFile, user: User | None) -> Job | None:
    """Transcribe a freshly uploaded recording, unless switched off or already transcribed.

    Call it inside the upload's transaction: the task is queued on commit, so a
    rolled-back upload queues nothing.
    """
    if not settings.TRANSCRIBE_AFTER_UPLOAD:
        return None
    try:
        return transcription_start(audio_file=audio_file, user=user)
    except (TranscriptionExists, TranscriptionRefused):
        return None


def transcription_vocabulary(language_code: str = "en") -> list[str]:
    """The glossary's correct spellings, most used first: the transcription prompt's
    vocabulary. (The dictionary is never applied to English transcripts themselves.)"""
    seen: dict[str, str] = {}
    for _original, corrected in glossary_terms(language_code=language_code):
        seen.setdefault(corrected.casefold(), corrected)
    return list(seen.values())[:VOCABULARY_LIMIT]


class _Checkpoint:
    """Finished pieces (and vendor state such as a Sonix media id) of one job, kept in
    the cache under the job's id and the way the file was cut, one key per piece."""

    def __init__(self, job: Job, plan: PiecePlan | None):
        key = json.dumps(plan.key if plan else {"whole": True}, sort_keys=True)
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        self.prefix = f"transcribe:{job.pk}:{digest}"
        self.timeout = settings.TRANSCRIPTION_CHECKPOINT_SECONDS

    def piece(self, index: int) -> PieceTranscript | None:
        data = cache.get(f"{self.prefix}:piece:{index}")
        return PieceTranscript.from_json(data) if data else None

    def save_piece(self, piece: PieceTranscript) -> None:
        cache.set(f"{self.prefix}:piece:{piece.index}", piece.to_json(), self.timeout)

    def state(self) -> dict[str, Any]:
        return cache.get(f"{self.prefix}:state") or {}

    def save_state(self, state: dict[str, Any]) -> None:
        cache.set(f"{self.prefix}:state", {**self.state(), **state}, self.timeout)

    def clear(self, pieces: int) -> None:
        keys = [f"{self.prefix}:piece:{i}" for i in range(pieces)]
        cache.delete_many([*keys, f"{self.prefix}:state"])


def transcription_run(job: Job) -> dict[str, Any]:
    """The job's work: transcribe the recording and store its T-1. Safe to run twice."""
    audio_file = AudioFile.objects.select_related("project").get(pk=job.target_id)
    replaces = job.params.get("replaces")
    live = audio_file.live_transcription
    if live is not None and str(live.pk) != replaces:
        # Done already (a redelivered task after the T-1 was stored) or done elsewhere.
        return {"transcription_id": str(live.pk), "already_done": True}
    if audio_file.archived:
        raise PermanentError("This recording is archived; restore it first.")

    engine = get_transcription_engine(job.params.get("engine") or None)
    vocabulary = transcription_vocabulary()

    def report(progress: Progress) -> None:
        job_progress(job=job, percent=2 + 93 * progress.fraction, message=progress.message)

    job_progress(job=job, percent=1, message="Reading the recording…")
    with audio_file_local_path(audio_file) as path:
        plan = (
            plan_pieces(
                path,
                engine=engine,
                parallelism=settings.TRANSCRIPTION_PARALLELISM,
                max_piece_seconds=settings.TRANSCRIPTION_MAX_PIECE_SECONDS,
            )
            if engine.splits_media
            else None
        )
        checkpoint = _Checkpoint(job, plan)
        result = transcribe_media(
            path,
            engine=engine,
            plan=plan,
            prompt_vocabulary=vocabulary,
            language="en",
            reuse_piece=checkpoint.piece,
            on_piece=checkpoint.save_piece,
            on_progress=report,
            state=checkpoint.state(),
            on_state=checkpoint.save_state,
            piece_retries=settings.TRANSCRIPTION_PIECE_RETRIES,
            retry_delay=backoff_seconds,
            workdir=settings.FILE_UPLOAD_TEMP_DIR,
        )
    if not result.segments:
        checkpoint.clear(result.pieces)  # transcribing again really starts over
        raise NoSpeechFound(
            f"No speech found: {engine.engine_label} heard nothing to transcribe in "
            f"{_clock(result.duration)} of audio, so no transcript was made. If the "
            "recording does hold speech, transcribe it again (or with another engine)."
        )
    job_progress(job=job, percent=97, message="Saving the transcript…")
    # Speakers the engine told apart (a diarizing model) become S1, S2, …; an engine that
    # tells none leaves every segment to the project's default speaker.
    speakers = label_speakers(result.segments)
    seed = {
        **({"speakers": speakers} if speakers else {}),
        "segments": result.segments,
        "metadata": {
            "source": engine.source,
            "duration": result.duration,
            "engine": engine.name,
            "model": engine.model,
            "engine_label": engine.engine_label,
            "language": "en",
            "pieces": result.pieces,
        },
    }
    transcription = _store_t1(
        audio_file=audio_file,
        json_with_timestamps=seed,
        source=engine.source,
        user=job.created_by or User.objects.system_user(),
        replaces=replaces,
    )
    checkpoint.clear(result.pieces)  # the T-1 is stored; a redelivery stops before pieces
    return {
        "transcription_id": str(transcription.pk),
        "engine": engine.name,
        "pieces": result.pieces,
        "reused_pieces": result.reused_pieces,
        "segments": len(result.segments),
        "words": sum(len(s["words"]) for s in result.segments),
        "duration": result.duration,
    }


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def _store_t1(
    *,
    audio_file: AudioFile,
    json_with_timestamps: dict[str, Any],
    source: str,
    user: User,
    replaces: str | None,
) -> Transcription:
    """Create the T-1, first archiving the transcript it replaces (never deleting it:
    its human versions stay with it and can be restored)."""
    with transaction.atomic():
        AudioFile.objects.select_for_update().filter(pk=audio_file.pk).first()
        live = Transcription.objects.filter(audio_file=audio_file, archived=False).first()
        if live is not None and replaces and str(live.pk) == replaces:
            set_archived(obj=live, archived=True, user=user, project_id=audio_file.project_id)
        return transcription_create_t1(
            audio_file=audio_file,
            json_with_timestamps=json_with_timestamps,
            source=source,
            created_by=user,
        )
