import uuid
from dataclasses import replace

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from media_files import services
from media_files.models import AudioFile
from media_files.streaming import content_type_for, stream_response
from media_files.upload_handlers import SizeLimitUploadHandler
from projects.models import Project
from transcripts.selectors import (
    audio_files_with_status,
    recordings_with_comment_counts,
    status_poll,
)


@require_http_methods(["GET"])
def audio_file_detail(request, pk):
    audio_file = get_object_or_404(
        AudioFile.objects.select_related("project__project_type", "uploaded_by"), pk=pk
    )
    (audio_file,) = recordings_with_comment_counts(audio_files_with_status([audio_file]))
    return render(
        request,
        "media_files/audio_file_detail.html",
        {
            "audio_file": audio_file,
            "status_poll": status_poll([audio_file], watch=True),
            "project": audio_file.project,
            "sonix_only": services.is_sonix_only(audio_file),
            "content_type": content_type_for(audio_file),
        },
    )


# A page shows at most one page of recordings (projects.views.MEDIA_PER_PAGE is 50).
STATUS_IDS_LIMIT = 100
# Sent with an update in which some recording reached a final status, so other parts of the
# page that depend on it (the transcription panel) refresh themselves once.
STATUS_FINAL_EVENT = "recording-status-final"


@require_GET
def recording_statuses(request):
    """Current transcript statuses of the recordings a page polls: each badge as an
    out-of-band swap, and the poller again, without its timer once none can change any
    more, so the polling ends.

    `id`: recordings the page last saw running; `watch`: recordings the page follows
    whatever their state (the recording page, whose panel can start a job).
    """
    try:
        was_active = {uuid.UUID(value) for value in request.GET.getlist("id")}
        watched = {uuid.UUID(value) for value in request.GET.getlist("watch")}
    except ValueError:
        return HttpResponseBadRequest("Each id must be a recording's id.")
    wanted = was_active | watched
    if not wanted or len(wanted) > STATUS_IDS_LIMIT:
        return HttpResponseBadRequest(f"Ask for 1 to {STATUS_IDS_LIMIT} recordings.")
    audio_files = audio_files_with_status(
        AudioFile.objects.filter(pk__in=wanted).order_by("created_at")
    )
    poll = status_poll(audio_files)
    poll = replace(poll, watch=tuple(str(a.pk) for a in audio_files if a.pk in watched))
    response = render(
        request,
        "media_files/_status_updates.html",
        {"audio_files": audio_files, "status_poll": poll},
    )
    if any(a.pk in was_active and not a.transcription_status.is_active for a in audio_files):
        response["HX-Trigger"] = STATUS_FINAL_EVENT
    return response


@require_http_methods(["GET", "HEAD"])
def audio_file_stream(request, pk):
    audio_file = get_object_or_404(AudioFile, pk=pk)
    return stream_response(request, audio_file)


@require_POST
def audio_file_archive(request, pk):
    audio_file = get_object_or_404(AudioFile, pk=pk)
    services.audio_file_archive(audio_file=audio_file, user=request.user)
    messages.success(request, f"Archived “{audio_file.file_name}”. You can restore it later.")
    return redirect(audio_file.project)


@require_POST
def audio_file_restore(request, pk):
    audio_file = get_object_or_404(AudioFile, pk=pk)
    services.audio_file_restore(audio_file=audio_file, user=request.user)
    messages.success(request, f"Restored “{audio_file.file_name}”.")
    return redirect(audio_file)


# -- upload ----------------------------------------------------------------------


@csrf_exempt  # CSRF is checked below, once the size-limit handler is in place
@require_http_methods(["GET", "POST"])
def audio_file_upload(request, project_pk):
    # Upload handlers can only change before the body is read (CSRF reads it).
    limiter = SizeLimitUploadHandler(request)
    request.upload_handlers.insert(0, limiter)
    return _audio_file_upload(request, project_pk, limiter)


@csrf_protect
def _audio_file_upload(request, project_pk, limiter: SizeLimitUploadHandler):
    project = get_object_or_404(Project.objects.select_related("project_type"), pk=project_pk)
    if request.method == "GET":
        return render(
            request,
            "media_files/upload.html",
            {"project": project, "max_upload_bytes": settings.MAX_UPLOAD_BYTES},
        )

    wants_json = "application/json" in request.headers.get("Accept", "")
    uploads = request.FILES.getlist("files")  # reads the body; the limiter runs now
    results = []
    limit = filesizeformat(limiter.limit)
    for name in limiter.too_large:
        results.append(
            {"name": name, "ok": False, "error": f"“{name}” is larger than the {limit} limit."}
        )
    for uploaded in uploads:
        try:
            audio_file = services.audio_file_upload(
                project=project, uploaded_file=uploaded, user=request.user
            )
        except ValidationError as exc:
            results.append({"name": uploaded.name, "ok": False, "error": " ".join(exc.messages)})
        else:
            results.append(
                {
                    "name": audio_file.file_name,
                    "ok": True,
                    "id": str(audio_file.pk),
                    "url": audio_file.get_absolute_url(),
                    "file_type": audio_file.file_type,
                    "duration_seconds": float(audio_file.duration_seconds),
                    "file_size_bytes": audio_file.file_size_bytes,
                }
            )
    if not results:
        results.append({"name": "", "ok": False, "error": "Choose at least one file to upload."})

    if wants_json:
        status = 200 if all(r["ok"] for r in results) else 400
        return JsonResponse({"results": results}, status=status)
    for result in results:
        if result["ok"]:
            messages.success(request, f"Uploaded “{result['name']}”.")
        else:
            messages.error(request, result["error"])
    return redirect(project)
