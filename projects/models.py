from django.conf import settings
from django.db import models
from django.urls import reverse

from core.db import ArchivableQuerySet, archived, created_at, updated_at, uuid_pk


class ProjectType(models.Model):
    """A fixed category of project (Lecture, Webinar, …); created only by admins."""

    id = uuid_pk()
    name = models.TextField(unique=True)
    slug = models.TextField(unique=True)
    created_at = created_at()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_column="created_by",
        related_name="+",
    )
    archived = archived()

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        db_table = "project_types"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """A collection of recordings, organised by type and metadata."""

    id = uuid_pk()
    name = models.TextField()
    project_type = models.ForeignKey(
        ProjectType, on_delete=models.PROTECT, db_index=False, related_name="projects"
    )
    metadata = models.JSONField(default=dict, db_default={}, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        db_column="created_by",
        db_index=False,
        related_name="projects",
    )
    created_at = created_at()
    updated_at = updated_at()
    archived = archived()
    # Finalize becomes "request approval": a version is final once someone with the
    # approve permission, not its author, approves it (collaboration).
    requires_approval = models.BooleanField(default=False, db_default=False)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        db_table = "projects"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["project_type"], name="idx_projects_project_type"),
            models.Index(fields=["created_by"], name="idx_projects_created_by"),
            models.Index(fields=["-created_at"], name="idx_projects_created_at"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", args=[self.pk])

    @property
    def location(self) -> str:
        return (self.metadata or {}).get("location", "")

    @property
    def date(self) -> str:
        return (self.metadata or {}).get("date", "")

    @property
    def misc(self) -> str:
        return (self.metadata or {}).get("misc", "")
