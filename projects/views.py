from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.stale import StaleEdit, form_status
from media_files.models import AudioFile
from projects import services
from projects.forms import ProjectForm
from projects.models import Project, ProjectType
from transcripts.selectors import (
    audio_files_with_status,
    recordings_with_comment_counts,
    status_poll,
)

MEDIA_PER_PAGE = 50


@require_GET
def project_list(request):
    """Home page: projects, newest first, filterable by type, text and archived state."""
    q = request.GET.get("q", "").strip()
    type_slug = request.GET.get("type", "")
    show_archived = request.GET.get("archived") == "1"

    projects = Project.objects.select_related("project_type", "created_by").annotate(
        media_count=Count("audio_files", filter=Q(audio_files__archived=False))
    )
    if not show_archived:
        projects = projects.filter(archived=False)
    if type_slug:
        projects = projects.filter(project_type__slug=type_slug)
    if q:
        projects = projects.filter(
            Q(name__icontains=q)
            | Q(metadata__location__icontains=q)
            | Q(metadata__date__icontains=q)
            | Q(metadata__misc__icontains=q)
        )
    page_obj = Paginator(projects.order_by("-created_at", "name"), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "projects/project_list.html",
        {
            "page_obj": page_obj,
            "projects": page_obj.object_list,
            "project_types": ProjectType.objects.active(),
            "q": q,
            "type_slug": type_slug,
            "show_archived": show_archived,
        },
    )


@require_http_methods(["GET", "POST"])
def project_create(request):
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(
                user=request.user,
                name=form.cleaned_data["name"],
                project_type=form.cleaned_data["project_type"],
                metadata=form.metadata(),
                requires_approval=form.cleaned_data["requires_approval"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, f"Created the project “{project.name}”. Add recordings below."
            )
            return redirect(project)
    return render(
        request,
        "projects/project_form.html",
        {"form": form, "project": None},
        status=form_status(form),
    )


@require_http_methods(["GET", "POST"])
def project_edit(request, pk):
    project = get_object_or_404(Project.objects.select_related("project_type"), pk=pk)
    if project.archived:
        messages.error(request, "This project is archived; restore it before editing it.")
        return redirect(project)
    form = ProjectForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_update(
                project=project,
                user=request.user,
                name=form.cleaned_data["name"],
                project_type=form.cleaned_data["project_type"],
                metadata=form.metadata(),
                requires_approval=form.cleaned_data["requires_approval"],
                based_on=form.cleaned_data["based_on"],
            )
        except StaleEdit as exc:
            form.show_newer(exc)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Saved.")
            return redirect(project)
    return render(
        request,
        "projects/project_form.html",
        {"form": form, "project": project},
        status=form_status(form),
    )


@require_GET
def project_detail(request, pk):
    project = get_object_or_404(Project.objects.select_related("project_type", "created_by"), pk=pk)
    show_archived = request.GET.get("archived") == "1"
    media = AudioFile.objects.filter(project=project).select_related("uploaded_by")
    counts = media.aggregate(
        live=Count("pk", filter=Q(archived=False)), archived=Count("pk", filter=Q(archived=True))
    )
    if not show_archived:
        media = media.filter(archived=False)
    page_obj = Paginator(media.order_by("-created_at", "file_name"), MEDIA_PER_PAGE).get_page(
        request.GET.get("page")
    )
    comments = {"open": 0, "total": 0}
    audio_files = recordings_with_comment_counts(
        audio_files_with_status(page_obj.object_list), project_totals=comments
    )
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "page_obj": page_obj,
            "audio_files": audio_files,
            "status_poll": status_poll(audio_files),
            "show_archived": show_archived,
            "live_count": counts["live"],
            "archived_count": counts["archived"],
            "can_add_media": not project.archived and not project.project_type.archived,
            "max_upload_bytes": settings.MAX_UPLOAD_BYTES,
            "sonix_configured": bool(settings.SONIX_API_KEY),
            "comments": comments,
        },
    )


@require_POST
def project_archive(request, pk):
    project = get_object_or_404(Project, pk=pk)
    services.project_archive(project=project, user=request.user)
    messages.success(
        request, f"Archived “{project.name}”. It is hidden from the list; restore it any time."
    )
    return redirect(project)


@require_POST
def project_restore(request, pk):
    project = get_object_or_404(Project, pk=pk)
    services.project_restore(project=project, user=request.user)
    messages.success(request, f"Restored “{project.name}”.")
    return redirect(project)
