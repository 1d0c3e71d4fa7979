"""Jobs on the activity page (see accounts/activity.py)."""

from django.utils.html import format_html

from accounts.activity import Subject, register_action, register_subjects
from jobs.models import Job


def _jobs(ids):
    return {
        job.pk: Subject(f"the {job.kind} job", job.get_absolute_url())
        for job in Job.objects.filter(pk__in=ids).only("id", "kind")
    }


def _retried(entry, subject, cache):
    return format_html("ran {} again", subject)


def _cancelled(entry, subject, cache):
    return format_html("cancelled {}", subject)


register_subjects("jobs.Job", _jobs)
register_action("job.retry", "Retried a job", _retried)
register_action("job.cancel", "Cancelled a job", _cancelled)
