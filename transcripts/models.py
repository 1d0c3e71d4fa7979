from django.conf import settings
from django.db import models
from django.urls import reverse

from core.db import ArchivableQuerySet, archived, created_at, updated_at, uuid_pk
from documents.fields import VersionJSONField


class Transcription(models.Model):
    """The machine transcript (T-1) of a recording: plain text plus timed segments.

    `json_with_timestamps` has the seed's shape: {"segments": [{"id", "start", "end",
    "text", "words": [{"word", "start", "end"}]}], "metadata": {"source", "duration"}}.
    """

    class Source(models.TextChoices):
        WHISPER = "whisper", "Whisper / own pipeline"
        SONIX = "sonix", "Sonix"

    id = uuid_pk()
    audio_file = models.ForeignKey(
        "media_files.AudioFile",
        on_delete=models.PROTECT,
        db_index=False,
        related_name="transcriptions",
    )
    transcription_type = models.TextField(default="T-1", db_default="T-1")
    language_code = models.TextField(default="en", db_default="en")
    raw_text = models.TextField()
    json_with_timestamps = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        db_column="created_by",
        related_name="+",
    )
    created_at = created_at()
    updated_at = updated_at()
    source = models.TextField(
        choices=Source.choices, default=Source.WHISPER, db_default=Source.WHISPER
    )
    final_version = models.ForeignKey(
        "transcripts.TranscriptionVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
        related_name="+",
    )
    archived = archived()
    # A soft lock (collaboration): who has the editor open, renewed while they do; it
    # expires on its own and anyone may take it over.
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_column="locked_by",
        related_name="+",
    )
    locked_at = models.DateTimeField(null=True, blank=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        db_table = "transcriptions"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["audio_file"], name="idx_transcriptions_audio"),
            models.Index(fields=["-created_at"], name="idx_transcriptions_created_at"),
            models.Index(fields=["source"], name="idx_transcriptions_source"),
            models.Index(fields=["final_version"], name="idx_transcriptions_final_version"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source__in=["whisper", "sonix"]),
                name="transcriptions_source_check",
            ),
            # One live T-1 per recording; re-transcribing archives the old one first.
            models.UniqueConstraint(
                fields=["audio_file"],
                condition=models.Q(archived=False),
                name="transcriptions_one_live_per_audio_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.transcription_type} of {self.audio_file_id}"

    def get_absolute_url(self) -> str:
        return reverse("transcripts:editor", args=[self.pk])


class TranscriptionVersion(models.Model):
    """An immutable human edit of a transcription: version N is labelled H-N."""

    id = uuid_pk()
    transcription = models.ForeignKey(
        Transcription, on_delete=models.PROTECT, db_index=False, related_name="versions"
    )
    version_number = models.IntegerField()
    version_type = models.TextField()
    edited_text = models.TextField()
    json_with_timestamps = VersionJSONField(null=True, blank=True)
    # Set on a version that is no longer the newest: what turns the next version's JSON back
    # into this one's (DESIGN.md "Version storage"). `json_with_timestamps` is then NULL in
    # the table; reading the attribute rebuilds it. Every version keeps its `edited_text`.
    json_delta = models.JSONField(null=True, blank=True, editable=False)
    # JSON text: {"user_id", "timestamp", "operations": [...], "patch": "<dmp patch>"}
    diff_from_previous = models.TextField(null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        db_column="edited_by",
        db_index=False,
        related_name="+",
    )
    created_at = created_at()
    # Set when an approver approves this version (projects that require approval).
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_column="approved_by",
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "transcription_versions"
        ordering = ["transcription", "version_number"]
        indexes = [
            models.Index(fields=["transcription"], name="idx_trans_versions_transcription"),
            models.Index(fields=["edited_by"], name="idx_trans_versions_edited_by"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["transcription", "version_number"],
                name="transcription_versions_transcription_id_version_number_key",
            )
        ]

    def __str__(self) -> str:
        return self.version_type


class Speaker(models.Model):
    """A voice in a transcript (DESIGN.md "Speakers and segments"): segments name it by
    `label` ("S1") in the version JSON, and each version keeps the names it had (renaming is a
    versioned edit). This table mirrors the newest version's speakers, for the dictionary's
    speaker terms and for pages; a speaker merged away is archived, never deleted."""

    id = uuid_pk()
    transcription = models.ForeignKey(
        Transcription, on_delete=models.PROTECT, db_index=False, related_name="speakers"
    )
    label = models.TextField()
    name = models.TextField()
    created_at = created_at()
    updated_at = updated_at()
    archived = archived()

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        db_table = "speakers"
        ordering = ["transcription", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["transcription", "label"], name="speakers_transcription_id_label_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.label})"
