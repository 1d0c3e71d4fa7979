from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import render
from django.views.decorators.http import require_GET

from projects.models import Project, ProjectType


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
