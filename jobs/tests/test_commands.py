"""manage.py status_report: jobs by state, stuck jobs, and marking them failed."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from jobs.models import Job
from jobs.services import job_fail_stuck

pytestmark = pytest.mark.django_db


def make_job(project, *, kind="transcribe", status=Job.Status.QUEUED, silent_minutes=0, **extra):
    job = Job.objects.create(
        kind=kind, task_name=f"x.tasks.{kind}", target=project, status=status, **extra
    )
    Job.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - timedelta(minutes=silent_minutes)
    )
    return Job.objects.get(pk=job.pk)


def run(*args):
    out = StringIO()
    try:
        call_command("status_report", *args, stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue()


@pytest.fixture
def jobs(project):
    return {
        "fresh_running": make_job(project, status="running", silent_minutes=5, progress=40),
        "stuck_running": make_job(
            project, status="running", silent_minutes=90, progress=45, message="piece 3 of 8"
        ),
        "stuck_queued": make_job(project, kind="translate", status="queued", silent_minutes=240),
        "old_done": make_job(project, kind="translate", status="succeeded", silent_minutes=900),
        "old_failed": make_job(project, kind="summarize", status="failed", silent_minutes=900),
    }


def test_report_counts_jobs_by_state_and_kind_and_lists_stuck_ones(jobs):
    code, out = run()
    assert code == 2  # stuck jobs remain: monitoring notices
    assert "  queued          1" in out and "  running         2" in out
    assert "  succeeded       1" in out and "  failed          1" in out
    assert "  cancelled       0" in out and "  total           5" in out
    assert "Stuck jobs (worker lost, or no progress for 60+ min): 2" in out
    assert str(jobs["stuck_running"].pk) in out and "piece 3 of 8" in out
    assert str(jobs["stuck_queued"].pk) in out
    assert str(jobs["fresh_running"].pk) not in out
    assert "Run again with --fail-stuck" in out
    # Reporting changes nothing.
    assert Job.objects.filter(status__in=Job.ACTIVE).count() == 3


def test_stuck_minutes_moves_the_threshold(jobs):
    code, out = run("--stuck-minutes", "120")
    assert "no progress for 120+ min): 1" in out
    assert str(jobs["stuck_queued"].pk) in out and str(jobs["stuck_running"].pk) not in out
    code, out = run("--stuck-minutes", "1000")
    assert code == 0 and "): 0" in out


def test_fail_stuck_marks_only_stuck_jobs_failed_with_a_reason(jobs):
    code, out = run("--fail-stuck")
    assert code == 0
    assert "Marked 2 stuck job(s) failed." in out
    for name in ("stuck_running", "stuck_queued"):
        job = Job.objects.get(pk=jobs[name].pk)
        assert job.status == Job.Status.FAILED
        assert job.error == "Marked failed by status_report: no progress for 60 minutes"
        assert job.finished_at is not None and job.can_retry
    assert Job.objects.get(pk=jobs["fresh_running"].pk).status == Job.Status.RUNNING
    assert Job.objects.get(pk=jobs["old_done"].pk).status == Job.Status.SUCCEEDED
    code, out = run()
    assert code == 0 and "): 0" in out


def test_json_output(jobs):
    _code, out = run("--json", "--stuck-minutes", "120")
    report = json.loads(out)
    assert report["by_state"] == {
        "queued": 1,
        "running": 2,
        "succeeded": 1,
        "failed": 1,
        "cancelled": 0,
    }
    assert report["by_kind"]["translate"] == {"queued": 1, "succeeded": 1}
    assert report["stuck_total"] == 1
    assert report["stuck"][0]["id"] == str(jobs["stuck_queued"].pk)
    assert report["stuck"][0]["target"] == "projects.project"


def test_bad_threshold_is_refused(jobs):
    with pytest.raises(CommandError, match="at least 1"):
        call_command("status_report", "--stuck-minutes", "0", stdout=StringIO())
    with pytest.raises(ValueError):
        job_fail_stuck(older_than_minutes=0)


def test_job_fail_stuck_returns_the_number_failed(project):
    make_job(project, status="running", silent_minutes=30)
    assert job_fail_stuck(older_than_minutes=31) == 0
    assert job_fail_stuck(older_than_minutes=29) == 1
    assert job_fail_stuck(older_than_minutes=29) == 0
