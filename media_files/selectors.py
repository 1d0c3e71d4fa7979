"""Read-side helpers: what lists of recordings show, in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Max
from django.urls import NoReverseMatch, reverse

from jobs.models import Job
from media_files.models import AudioFile
from media_files.services import SONIX_COMPLETED, SONIX_FINAL_FAILURES
from transcripts.models import Transcription

TRANSCRIBE_JOB_KIND = "transcribe"


@dataclass(frozen=True)
class TranscriptionStatus:
    """One line about where a recording's transcript stands."""

    label: str
    css: str  # badge modifier in max.css: succeeded, final, running, queued, failed, or ""
    detail: str
    editor_url: str
    transcription: Transcription | None
    job: Job | None


def audio_files_with_status(audio_files: Iterable[AudioFile]) -> list[AudioFile]:
    """The recordings, each with `.transcription_status` (three queries for any number)."""
    files = list(audio_files)
    if not files:
        return files
    ids = [f.pk for f in files]
    live = {
        t.audio_file_id: t
        for t in Transcription.objects.filter(audio_file_id__in=ids, archived=False)
        .only("id", "audio_file_id", "source", "final_version_id", "created_at")
        .annotate(last_version=Max("versions__version_number"))
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
    try:
        return reverse("transcripts:editor", args=[transcription.pk])
    except NoReverseMatch:  # the transcript editor is not wired up (yet)
        return ""


def _status(audio_file: AudioFile, live: Transcription | None, job: Job | None):
    job_line = ""
    if job is not None and job.is_active:
        job_line = (
            f"Transcribing {job.progress}%"
            if job.status == Job.Status.RUNNING
            else "Waiting to transcribe"
        )
    if live is not None:
        version = f"H-{live.last_version}" if live.last_version else "T-1"
        source = live.get_source_display()
        if live.final_version_id:
            label, css = "Final", "final"
        else:
            label, css = f"Transcribed ({version})", "succeeded"
        detail = f"{source}; re-transcribing: {job_line}" if job_line else source
        return TranscriptionStatus(label, css, detail, _editor_url(live), live, job)
    if job is not None and job.status != Job.Status.SUCCEEDED:
        if job.is_active:
            css = "running" if job.status == Job.Status.RUNNING else "queued"
            return TranscriptionStatus(job_line, css, job.message, "", None, job)
        if job.status == Job.Status.FAILED:
            return TranscriptionStatus("Transcription failed", "failed", job.error, "", None, job)
        return TranscriptionStatus("Transcription cancelled", "", job.message, "", None, job)
    if audio_file.sonix_media_id:
        status = audio_file.sonix_status or "unknown"
        if status == SONIX_COMPLETED:
            return TranscriptionStatus(
                "Sonix finished; fetching transcript", "queued", "", "", None, job
            )
        if status in SONIX_FINAL_FAILURES:
            return TranscriptionStatus(f"Sonix: {status}", "failed", "", "", None, job)
        return TranscriptionStatus(f"Sonix: {status}", "running", "", "", None, job)
    return TranscriptionStatus("Not transcribed", "", "", "", None, job)
