"""Starting transcriptions from a recording's page, and the panel that shows them."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jobs.models import Job
from media_files.models import AudioFile
from transcripts.models import TranscriptionVersion
from transcripts.pipeline import (
    TranscriptionExists,
    TranscriptionRefused,
    transcription_start,
)

PANEL = "transcripts/_media_panel.html"


def _go(request, url: str):
    """Redirect; htmx requests get HX-Redirect so the whole page navigates."""
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@require_GET
def media_panel(request, audio_file_pk):
    """The panel alone, for htmx to refresh once a job has finished."""
    audio_file = get_object_or_404(AudioFile, pk=audio_file_pk)
    return render(request, PANEL, {"audio_file": audio_file})


@require_POST
def transcribe(request, audio_file_pk):
    """The Transcribe button. With a transcript already there, ask first."""
    audio_file = get_object_or_404(AudioFile, pk=audio_file_pk)
    asked_at = timezone.now()
    try:
        job = transcription_start(audio_file=audio_file, user=request.user)
    except TranscriptionExists:
        return _go(request, _confirm_url(audio_file))
    except TranscriptionRefused as exc:
        messages.error(request, str(exc))
        return _go(request, audio_file.get_absolute_url())
    if request.htmx:
        return render(request, PANEL, {"audio_file": audio_file})
    _report_start(request, job, asked_at, "Transcription started.")
    return redirect(audio_file.get_absolute_url())


def _report_start(request, job: Job, asked_at, started: str) -> None:
    """Say what the click did: started a job, found one already under way, or could not
    hand it to the queue (a message may only claim what happened)."""
    job.refresh_from_db()
    if job.enqueue_failed:
        messages.error(request, job.error)
    elif job.created_at < asked_at:
        messages.info(
            request,
            f"A transcription of this recording is already {job.get_status_display().lower()} "
            f"({job.progress}%); no new one was started.",
        )
    else:
        messages.info(request, started)


@require_http_methods(["GET", "POST"])
def retranscribe(request, audio_file_pk):
    """Confirm page: re-transcribing archives the current transcript (and keeps all its
    human versions with it) once the new T-1 is ready; nothing is deleted."""
    audio_file = get_object_or_404(AudioFile.objects.select_related("project"), pk=audio_file_pk)
    live = audio_file.live_transcription
    if request.method == "POST":
        if live is None or request.POST.get("confirm") != str(live.pk):
            # Another editor changed things meanwhile; show the page again with the news.
            messages.warning(request, "The transcript changed meanwhile; please confirm again.")
            return redirect("transcripts:retranscribe", audio_file_pk=audio_file.pk)
        asked_at = timezone.now()
        try:
            job = transcription_start(audio_file=audio_file, user=request.user, replace=True)
        except TranscriptionRefused as exc:
            messages.error(request, str(exc))
            return redirect(audio_file.get_absolute_url())
        _report_start(
            request,
            job,
            asked_at,
            "Transcription started. The current transcript will be archived, with its "
            "human versions, when the new one is ready.",
        )
        return redirect(audio_file.get_absolute_url())
    if live is None:
        return redirect(audio_file.get_absolute_url())
    versions = list(
        TranscriptionVersion.objects.filter(transcription=live)
        .order_by("version_number")
        .values_list("version_type", flat=True)
    )
    return render(
        request,
        "transcripts/retranscribe_confirm.html",
        {"audio_file": audio_file, "transcription": live, "versions": versions},
    )


def _confirm_url(audio_file: AudioFile) -> str:
    return reverse("transcripts:retranscribe", kwargs={"audio_file_pk": audio_file.pk})
