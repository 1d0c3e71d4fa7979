from django.conf import settings
from django.db import models
from django.urls import reverse

from core.db import ArchivableQuerySet, archived, created_at, updated_at, uuid_pk


class AudioFile(models.Model):
    """An uploaded or Sonix-imported recording (seed table `audio_files`)."""

    class FileType(models.TextChoices):
        AUDIO = "audio", "Audio"
        VIDEO = "video", "Video"

    id = uuid_pk()
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, db_index=False, related_name="audio_files"
    )
    file_name = models.TextField()
    file_path = models.TextField()
    file_size_bytes = models.BigIntegerField(null=True, blank=True)
    duration_seconds = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        db_column="uploaded_by",
        db_index=False,
        related_name="audio_files",
    )
    created_at = created_at()
    updated_at = updated_at()
    archived = archived()
    sonix_media_id = models.TextField(null=True, blank=True)
    file_type = models.TextField(
        choices=FileType.choices, default=FileType.AUDIO, db_default=FileType.AUDIO
    )
    sonix_status = models.TextField(null=True, blank=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        db_table = "audio_files"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["project"], name="idx_audio_files_project"),
            models.Index(fields=["uploaded_by"], name="idx_audio_files_uploaded_by"),
            models.Index(fields=["-created_at"], name="idx_audio_files_created_at"),
            models.Index(
                fields=["sonix_media_id"],
                name="idx_audio_files_sonix_media_id",
                condition=models.Q(sonix_media_id__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(file_type__in=["audio", "video"]),
                name="audio_files_file_type_check",
            )
        ]

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("media_files:detail", args=[self.pk])

    @property
    def live_transcription(self):
        """The current (not archived) transcription, or None."""
        return self.transcriptions.filter(archived=False).first()
