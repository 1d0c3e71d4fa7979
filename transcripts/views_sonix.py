"""The Sonix import page: pick media in Sonix, import them into a project, sync now."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from integrations.errors import PermanentError, TransientError
from media_files.models import AudioFile
from projects.models import Project
from transcripts import sonix
from transcripts.selectors import audio_files_with_status


@require_http_methods(["GET", "POST"])
def sonix_import(request):
    configured = sonix.sonix_configured()
    projects = Project.objects.active().filter(project_type__archived=False).order_by("name")
    selected_project = _project_from(request, projects)
    if request.method == "POST" and configured:
        media_ids = request.POST.getlist("media")
        if selected_project is None:
            messages.error(request, "Choose the project to import into.")
        elif not media_ids:
            messages.error(request, "Tick at least one Sonix recording to import.")
        else:
            return _sonix_import_post(request, selected_project, media_ids)

    context = {
        "configured": configured,
        "projects": projects,
        "selected_project": selected_project,
        "media_page": None,
        "sonix_error": "",
        "imported": {},
        "pending": [],
    }
    if not configured:
        return render(request, "transcripts/sonix_import.html", context)
    context["pending"] = audio_files_with_status(
        sonix.sonix_pending().select_related("project", "uploaded_by").order_by("-created_at")
    )
    if request.htmx and request.htmx.target == "sonix-pending":  # the list's own refresh
        return render(request, "transcripts/_sonix_pending.html", context)
    context.update(_sonix_listing(request))
    return render(request, "transcripts/sonix_import.html", context)


def _project_from(request, projects):
    project_id = request.POST.get("project") or request.GET.get("project")
    if not project_id:
        return None
    try:
        return projects.filter(pk=project_id).first()
    except ValidationError:  # not a UUID
        return None


def _sonix_import_post(request, project, media_ids):
    try:
        result = sonix.sonix_import(project=project, media_ids=media_ids, user=request.user)
    except (ValidationError, PermanentError, TransientError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect(f"{reverse('transcripts:sonix_import')}?project={project.pk}")
    for audio_file in result.imported:
        messages.success(
            request,
            f"Imported “{audio_file.file_name}” from Sonix (status: {audio_file.sonix_status}).",
        )
    for reason in result.skipped:
        messages.warning(request, reason)
    return redirect(project)


class _SonixPage(Page):
    """A page of Sonix's own pagination, shaped for templates/pagination.html."""

    def __init__(self, object_list, number, num_pages):
        paginator = Paginator(range(num_pages), 1)
        super().__init__(object_list, number, paginator)


def _sonix_listing(request) -> dict:
    try:
        page_number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page_number = 1
    try:
        listing = sonix.sonix_client().list_media_page(page_number)
    except (PermanentError, TransientError) as exc:
        return {"sonix_error": str(exc)}
    ids = [str(m["id"]) for m in listing.media]
    imported = {
        a.sonix_media_id: a
        for a in AudioFile.objects.active().filter(sonix_media_id__in=ids).select_related("project")
    }
    rows = [
        {
            "id": str(m["id"]),
            "name": str(m.get("name") or m["id"]),
            "status": str(m.get("status") or "unknown"),
            "duration": _float_or_none(m.get("duration")),
            "language": str(m.get("language") or ""),
            "imported": imported.get(str(m["id"])),
        }
        for m in listing.media
    ]
    return {
        "media_page": _SonixPage(rows, min(listing.page, listing.total_pages), listing.total_pages)
    }


def _float_or_none(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@require_POST
def sonix_sync_now(request):
    if not sonix.sonix_configured():
        messages.error(request, "Sonix is not configured: set SONIX_API_KEY.")
        return redirect("transcripts:sonix_import")
    ids = request.POST.getlist("audio_file") or None
    sonix.sonix_sync_queue(audio_file_ids=ids)
    messages.info(request, "Checking Sonix now; statuses and transcripts update in a moment.")
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect("transcripts:sonix_import")
