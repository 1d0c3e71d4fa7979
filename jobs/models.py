from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone

from core.db import created_at, updated_at, uuid_pk


class Job(models.Model):
    """One background run (transcribe, translate, summarise…): status, progress, error."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE = (Status.QUEUED, Status.RUNNING)
    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    id = uuid_pk()
    kind = models.TextField()  # e.g. "transcribe", "translate", "summarize"
    task_name = models.TextField()  # the Celery task that runs it, for Retry
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.UUIDField()
    target = GenericForeignKey("target_type", "target_id")
    params = models.JSONField(default=dict, blank=True)
    status = models.TextField(choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(blank=True, default="")
    error = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    result = models.JSONField(null=True, blank=True)
    celery_task_id = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = created_at()
    updated_at = updated_at()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The running worker's lease: renewed every JOB_HEARTBEAT_SECONDS while it works. A
    # lease older than JOB_LEASE_SECONDS means the worker is gone (see `worker_lost`).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The broker refused the job's message (Redis down): nothing will run it until it is
    # sent again, by Retry or by the sweep once the broker answers.
    enqueue_failed = models.BooleanField(default=False, db_default=False)

    class Meta:
        db_table = "jobs"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "kind"], name="idx_jobs_target"),
            models.Index(fields=["status", "updated_at"], name="idx_jobs_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="jobs_progress_at_most_100"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["queued", "running", "succeeded", "failed", "cancelled"]
                ),
                name="jobs_status_check",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.status} ({self.progress}%)"

    def get_absolute_url(self) -> str:
        return reverse("jobs:detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def worker_lost(self) -> bool:
        """Running, but its worker stopped renewing the lease (killed, out of memory,
        machine gone): nobody is working on it, whatever the status says."""
        if self.status != self.Status.RUNNING or self.heartbeat_at is None:
            return False
        return self.heartbeat_at < timezone.now() - timedelta(seconds=settings.JOB_LEASE_SECONDS)

    @property
    def can_retry(self) -> bool:
        return self.status in (self.Status.FAILED, self.Status.CANCELLED) or self.worker_lost

    @classmethod
    def for_target(cls, obj, kind: str | None = None):
        qs = cls.objects.filter(
            target_type=ContentType.objects.get_for_model(obj), target_id=obj.pk
        )
        return qs.filter(kind=kind) if kind else qs
