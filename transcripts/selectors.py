"""Read-side helpers: what lists of recordings show, in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Max
from django.db.models.fields.json import KT
from django.urls import reverse

from collaboration.selectors import comment_counts_in_projects
from documents.labels import engine_label, version_label_explained
from jobs.models import Job
from media_files.models import AudioFile
from media_files.services import SONIX_COMPLETED, SONIX_FINAL_FAILURES
from transcripts.models import Transcription

TRANSCRIBE_JOB_KIND = "transcribe"
# How often a page asks again while a status can still change: our own jobs report
# progress every few seconds (settings.RECORDING_STATUS_POLL_SECONDS); Sonix is checked by a
# periodic sync, so asking often is waste.
POLL_SECONDS_SONIX = 15


def poll_seconds_job() -> float:
    """While one of our jobs runs; a setting so browser tests need not wait seconds a poll."""
    return settings.RECORDING_STATUS_POLL_SECONDS


@dataclass(frozen=True)
class TranscriptionStatus:
    """One line about where a recording's transcript stands."""

    label: str
    css: str  # badge modifier in max.css: succeeded, final, running, queued, failed, or ""
    detail: str
    editor_url: str
    transcription: Transcription | None
    job: Job | None
    poll_seconds: float = 0  # 0: final, nothing will change without someone acting

    @property
    def is_active(self) -> bool:
        """Still changing on its own (a job runs, or Sonix is working): pages keep asking."""
        return self.poll_seconds > 0


class _WithStatus(TypedDict):
    transcription_status: TranscriptionStatus


class _LiveFacts(TypedDict):
    last_version: int | None
    final_label: str | None
    meta_engine: str | None
    meta_model: str | None
    meta_engine_label: str | None


if TYPE_CHECKING:
    from typing import TypeAlias

    from django_stubs_ext import WithAnnotations

    # A recording as the lists show it; its live transcript with what the list knows of it.
    AudioFileWithStatus: TypeAlias = WithAnnotations[AudioFile, _WithStatus]
    LiveTranscription: TypeAlias = WithAnnotations[Transcription, _LiveFacts]


def audio_files_with_status(audio_files: Iterable[AudioFile]) -> list[AudioFileWithStatus]:
    """The recordings, each with `.transcription_status` (three queries for any number)."""
    # The same objects, given the attribute below.
    files = cast("list[AudioFileWithStatus]", list(audio_files))
    if not files:
        return files
    ids = [f.pk for f in files]
    live: dict[object, LiveTranscription] = {
        t.audio_file_id: t
        for t in Transcription.objects.filter(audio_file_id__in=ids, archived=False)
        .only("id", "audio_file_id", "source", "final_version_id", "created_at")
        .annotate(
            last_version=Max("versions__version_number"),
            final_label=F("final_version__version_type"),
            meta_engine=KT("json_with_timestamps__metadata__engine"),
            meta_model=KT("json_with_timestamps__metadata__model"),
            meta_engine_label=KT("json_with_timestamps__metadata__engine_label"),
        )
    }
    jobs: dict = {}
    for job in Job.objects.filter(
        target_type=ContentType.objects.get_for_model(AudioFile),
        target_id__in=ids,
        kind=TRANSCRIBE_JOB_KIND,
    ).order_by("-created_at"):
        jobs.setdefault(job.target_id, job)
    for audio_file in files:
        audio_file.transcription_status = _status(
            audio_file, live.get(audio_file.pk), jobs.get(audio_file.pk)
        )
    return files


def _editor_url(transcription: Transcription) -> str:
    return reverse("transcripts:editor", args=[transcription.pk])


def _machine_by(live: LiveTranscription) -> str:
    """Who made the T-1: the engine and model the pipeline recorded, else the source."""
    return (
        engine_label(live.meta_engine, live.meta_model, live.meta_engine_label)
        or live.get_source_display()
    )


def _status(
    audio_file: AudioFile, live: LiveTranscription | None, job: Job | None
) -> TranscriptionStatus:
    job_line = ""
    job_poll: float = 0
    if job is not None and job.is_active:
        job_poll = poll_seconds_job()
        job_line = (
            f"Transcribing {job.progress}%"
            if job.status == Job.Status.RUNNING
            else "Waiting to transcribe"
        )
    if live is not None:
        engine = _machine_by(live)
        if live.final_version_id:
            label, css = f"Final: {live.final_label} (human)", "final"
            explained = version_label_explained(live.final_label)
        elif live.last_version:
            version = f"H-{live.last_version}"
            label, css = f"Human-edited ({version})", "succeeded"
            explained = version_label_explained(version)
        else:
            label, css = "Transcribed (T-1)", "succeeded"
            explained = version_label_explained("T-1", engine=engine)
        detail = explained
        if live.final_version_id or live.last_version:
            detail = f"{explained} Machine transcript T-1 by {engine}."
        if job_line:
            detail = f"{detail} Re-transcribing: {job_line}."
        return TranscriptionStatus(
            label, css, detail, _editor_url(live), live, job, poll_seconds=job_poll
        )
    if job is not None and job.status != Job.Status.SUCCEEDED:
        if job.is_active:
            css = "running" if job.status == Job.Status.RUNNING else "queued"
            return TranscriptionStatus(
                job_line, css, job.message, "", None, job, poll_seconds=job_poll
            )
        if job.status == Job.Status.FAILED:
            return TranscriptionStatus("Transcription failed", "failed", job.error, "", None, job)
        return TranscriptionStatus("Transcription cancelled", "", job.message, "", None, job)
    if audio_file.sonix_media_id:
        status = audio_file.sonix_status or "unknown"
        if status == SONIX_COMPLETED:
            return TranscriptionStatus(
                "Sonix finished; fetching transcript",
                "queued",
                "",
                "",
                None,
                job,
                poll_seconds=POLL_SECONDS_SONIX,
            )
        if status in SONIX_FINAL_FAILURES:
            return TranscriptionStatus(f"Sonix: {status}", "failed", "", "", None, job)
        return TranscriptionStatus(
            f"Sonix: {status}", "running", "", "", None, job, poll_seconds=POLL_SECONDS_SONIX
        )
    return TranscriptionStatus("Not transcribed", "", "", "", None, job)


@dataclass(frozen=True)
class StatusPoll:
    """What a page asks for to keep its transcript statuses current.

    `ids`: recordings whose status can still change, asked for every `seconds`; none, and
    the poller has no timer. `watch`: recordings asked for again whenever the transcription
    panel on the page is swapped (a job started there), active or not.
    """

    ids: tuple[str, ...]
    seconds: float
    watch: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        query = urlencode([("id", pk) for pk in self.ids] + [("watch", pk) for pk in self.watch])
        return f"{reverse('media_files:statuses')}?{query}"


def status_poll(audio_files: Iterable[AudioFileWithStatus], *, watch: bool = False) -> StatusPoll:
    """Poll the recordings whose status can still change, as often as the quickest needs."""
    files = list(audio_files)
    active = [a for a in files if a.transcription_status.is_active]
    return StatusPoll(
        ids=tuple(str(a.pk) for a in active),
        seconds=min((a.transcription_status.poll_seconds for a in active), default=0),
        watch=tuple(str(a.pk) for a in files) if watch else (),
    )


# --- comments counted on project and recording pages ---------------------------------------


def recordings_with_comment_counts(
    audio_files: Iterable[AudioFile], *, project_totals: dict[str, int] | None = None
) -> list[AudioFile]:
    """Each recording with `.comments_open` and `.comments_total`: threads on its live
    transcript and that transcript's translations (two queries for any number). Given a
    dict, `project_totals` gets {"open", "total"} of every thread in those projects."""
    files = list(audio_files)
    if not files:
        return files
    documents: dict[object, object] = {}  # transcript or translation id -> audio file id
    rows = Transcription.objects.filter(
        audio_file_id__in=[f.pk for f in files], archived=False
    ).values_list("pk", "audio_file_id", "translations__id")
    for transcription_id, audio_file_id, translation_id in rows:
        documents[transcription_id] = audio_file_id
        if translation_id is not None:
            documents[translation_id] = audio_file_id
    open_by: dict[object, int] = {}
    total_by: dict[object, int] = {}
    counts = comment_counts_in_projects(project_ids={f.project_id for f in files})
    if project_totals is not None:
        project_totals["open"] = sum(c["open"] for c in counts.values())
        project_totals["total"] = sum(c["total"] for c in counts.values())
    for document_id, count in counts.items():
        audio_file_id = documents.get(document_id)
        if audio_file_id is not None:
            open_by[audio_file_id] = open_by.get(audio_file_id, 0) + count["open"]
            total_by[audio_file_id] = total_by.get(audio_file_id, 0) + count["total"]
    for f in files:
        f.comments_open = open_by.get(f.pk, 0)  # type: ignore[attr-defined]
        f.comments_total = total_by.get(f.pk, 0)  # type: ignore[attr-defined]
    return files
