from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from jobs import services
from jobs.models import Job


def _back(request, job: Job):
    nxt = request.POST.get("next") or request.META.get("HTTP_REFERER")
    if nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}):
        return redirect(nxt)
    return redirect("jobs:detail", pk=job.pk)


@require_GET
def job_detail(request, pk):
    """A job's status; htmx polls the fragment while the job is queued or running."""
    job = get_object_or_404(Job, pk=pk)
    template = "jobs/_job.html" if request.htmx else "jobs/job_detail.html"
    return render(request, template, {"job": job})


@require_POST
def job_cancel(request, pk):
    job = services.job_cancel(job=get_object_or_404(Job, pk=pk), user=request.user)
    if request.htmx:
        return render(request, "jobs/_job.html", {"job": job})
    messages.info(request, "Cancel requested.")
    return _back(request, job)


@require_POST
def job_retry(request, pk):
    job = services.job_retry(job=get_object_or_404(Job, pk=pk), user=request.user)
    if request.htmx:
        return render(request, "jobs/_job.html", {"job": job})
    messages.info(request, "Job queued again.")
    return _back(request, job)
