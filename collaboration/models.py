"""Review and collaboration: the approval log and comments on any versioned document.

A document is named by its kind ("transcript", "translation": `documents.hooks.registry`)
and its id, so one table serves every kind without this app importing the apps above it.
"""

from django.conf import settings
from django.db import models

from core.db import archived, created_at, updated_at, uuid_pk


class ApprovalLog(models.Model):
    """One step of a version's review: requested, approved or rejected (the seed's
    `approval_log`). Rows are only ever added."""

    class Action(models.TextChoices):
        REQUESTED = "requested", "Approval requested"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    id = uuid_pk()
    document_kind = models.TextField()
    document_id = models.UUIDField()
    version_id = models.UUIDField()
    version_label = models.TextField()
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="approval_steps"
    )
    action = models.TextField(choices=Action.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, db_column="by", related_name="+"
    )
    note = models.TextField(blank=True, default="", db_default="")
    created_at = created_at()

    class Meta:
        db_table = "approval_log"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["version_id", "-created_at"], name="idx_approval_log_version"),
            models.Index(fields=["document_kind", "document_id"], name="idx_approval_log_doc"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=["requested", "approved", "rejected"]),
                name="approval_log_action_check",
            ),
        ]
        permissions = [
            ("approve_version", "Can approve or reject transcript and translation versions"),
        ]
        verbose_name = "approval step"

    def __str__(self) -> str:
        return f"{self.version_label}: {self.get_action_display()}"


class Comment(models.Model):
    """A remark on one segment of a document (optionally a word range in it). A reply names
    its thread's first comment as `parent`; resolving applies to the thread. Anchored by the
    segment's id, which new versions keep, so comments survive edits."""

    id = uuid_pk()
    document_kind = models.TextField()
    document_id = models.UUIDField()
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="comments"
    )
    segment_id = models.IntegerField()
    word_start = models.IntegerField(null=True, blank=True)
    word_end = models.IntegerField(null=True, blank=True)  # exclusive
    quote = models.TextField(blank=True, default="", db_default="")
    version_label = models.TextField(blank=True, default="", db_default="")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    body = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, db_column="author", related_name="+"
    )
    created_at = created_at()
    updated_at = updated_at()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_column="resolved_by",
        related_name="+",
    )
    archived = archived()

    class Meta:
        db_table = "comments"
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["document_kind", "document_id"], name="idx_comments_document"),
            models.Index(fields=["project"], name="idx_comments_project"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(word_start__isnull=True, word_end__isnull=True)
                | models.Q(word_start__gte=0, word_end__gt=models.F("word_start")),
                name="comments_word_range_check",
            ),
        ]

    def __str__(self) -> str:
        return f"Comment on segment {self.segment_id}: {self.body[:60]}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None
