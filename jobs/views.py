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


def _fragment_or_back(request, job: Job):
    if request.htmx:
        return render(request, "jobs/_job.html", {"job": job})
    return _back(request, job)


@require_GET
def job_detail(request, pk):
    """A job's status; htmx polls the fragment while the job is queued or running."""
    job = get_object_or_404(Job, pk=pk)
    template = "jobs/_job.html" if request.htmx else "jobs/job_detail.html"
    return render(request, template, {"job": job})


@require_POST
def job_cancel(request, pk):
    job = get_object_or_404(Job, pk=pk)
    try:
        job = services.job_cancel(job=job, user=request.user)
    except services.JobRefused as exc:
        messages.info(request, str(exc))
        return _fragment_or_back(request, job)
    # Say what happened: cancelled now, or asked to stop at its next step.
    if job.status == Job.Status.CANCELLED:
        messages.info(request, "Cancelled.")
    else:
        messages.info(request, "Cancel requested; the job stops at its next step.")
    return _fragment_or_back(request, job)


@require_POST
def job_retry(request, pk):
    job = get_object_or_404(Job, pk=pk)
    try:
        job = services.job_retry(job=job, user=request.user)
    except services.JobRefused as exc:
        messages.info(request, str(exc))
        return _fragment_or_back(request, job)
    job.refresh_from_db()  # the message went to the broker on commit, or did not
    if job.enqueue_failed:
        messages.error(request, job.error)
    else:
        messages.info(request, "Job queued again.")
    return _fragment_or_back(request, job)
