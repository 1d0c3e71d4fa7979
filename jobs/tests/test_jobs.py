import pytest
from django.urls import reverse

from jobs import services
from jobs.models import Job
from jobs.tests import tasks_for_tests

pytestmark = pytest.mark.django_db


def start(project, editor, django_capture_on_commit_callbacks, **params):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(
            kind="sample",
            task_name="jobs.tests.sample",
            target=project,
            user=editor,
            params=params,
        )
    job.refresh_from_db()
    return job


def test_a_job_runs_to_success(project, editor, django_capture_on_commit_callbacks):
    job = start(project, editor, django_capture_on_commit_callbacks)
    assert job.status == Job.Status.SUCCEEDED
    assert job.progress == 100 and job.result == {"ok": True} and job.attempts == 1
    assert job.started_at and job.finished_at


def test_permanent_errors_fail_the_job_with_the_message(
    project, editor, django_capture_on_commit_callbacks
):
    job = start(project, editor, django_capture_on_commit_callbacks, mode="permanent")
    assert job.status == Job.Status.FAILED
    assert job.error == "The file has no audio stream."
    assert job.can_retry


def test_transient_errors_are_retried(project, editor, django_capture_on_commit_callbacks):
    job = start(
        project, editor, django_capture_on_commit_callbacks, mode="transient", failures_left=1
    )
    assert job.status == Job.Status.SUCCEEDED
    assert job.attempts == 2


def test_crashes_fail_the_job_in_plain_words(project, editor, django_capture_on_commit_callbacks):
    job = start(project, editor, django_capture_on_commit_callbacks, mode="crash")
    assert job.status == Job.Status.FAILED
    assert "RuntimeError" in job.error and "boom" in job.error


def test_cancel_stops_a_running_job(project, editor, django_capture_on_commit_callbacks):
    job = start(project, editor, django_capture_on_commit_callbacks, mode="cancel")
    assert job.status == Job.Status.CANCELLED


def test_a_second_click_returns_the_active_job(project, editor):
    first = services.job_create(
        kind="sample", task_name="jobs.tests.sample", target=project, user=editor
    )
    second = services.job_create(
        kind="sample", task_name="jobs.tests.sample", target=project, user=editor
    )
    assert first.pk == second.pk
    assert Job.objects.count() == 1


def test_a_redelivered_task_does_not_run_a_finished_job_again(
    project, editor, django_capture_on_commit_callbacks
):
    job = start(project, editor, django_capture_on_commit_callbacks)
    assert tasks_for_tests.sample.apply(args=[str(job.pk)]).get() is None
    job.refresh_from_db()
    assert job.attempts == 1


def test_retry_and_cancel_from_the_page(
    editor_client, project, editor, django_capture_on_commit_callbacks
):
    job = start(project, editor, django_capture_on_commit_callbacks, mode="permanent")
    page = editor_client.get(reverse("jobs:detail", args=[job.pk]))
    assert b"The file has no audio stream." in page.content and b"Retry" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(reverse("jobs:retry", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.attempts == 2  # ran again, failed again

    queued = services.job_create(
        kind="other", task_name="jobs.tests.sample", target=project, user=editor
    )
    fragment = editor_client.post(reverse("jobs:cancel", args=[queued.pk]), HTTP_HX_REQUEST="true")
    assert b'data-job-status="cancelled"' in fragment.content


def test_active_job_fragment_polls(editor_client, project, editor):
    job = services.job_create(
        kind="sample", task_name="jobs.tests.sample", target=project, user=editor
    )
    fragment = editor_client.get(reverse("jobs:detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert b'hx-trigger="every 1s"' in fragment.content
    assert b"<html" not in fragment.content


def test_backoff_grows_and_honours_retry_after():
    assert services.backoff_seconds(0, retry_after=30) >= 30
    assert all(0 <= services.backoff_seconds(3) <= 16 for _ in range(100))
    assert services.backoff_seconds(50) <= 600


def test_jobs_with_different_params_run_side_by_side_when_asked(project, editor):
    def create(language):
        return services.job_create(
            kind="sample",
            task_name="jobs.tests.sample",
            target=project,
            user=editor,
            params={"language": language},
            per_params=True,
        )

    es, fr, es_again = create("es"), create("fr"), create("es")
    assert es.pk != fr.pk and es_again.pk == es.pk
    assert Job.objects.count() == 2
