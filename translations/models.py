from django.conf import settings
from django.db import models
from django.urls import reverse

from core.db import created_at, updated_at, uuid_pk
from documents.fields import VersionJSONField


class Translation(models.Model):
    """One machine translation per language of an English transcription (T-1-<lang>)."""

    id = uuid_pk()
    transcription = models.ForeignKey(
        "transcripts.Transcription",
        on_delete=models.PROTECT,
        db_index=False,
        related_name="translations",
    )
    language_code = models.TextField()
    translated_text = models.TextField()
    json_with_timestamps = models.JSONField(null=True, blank=True)
    dictionary_corrections_applied = models.JSONField(null=True, blank=True)
    created_at = created_at()
    updated_at = updated_at()
    source_version = models.ForeignKey(
        "transcripts.TranscriptionVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
    )
    final_version = models.ForeignKey(
        "translations.TranslationVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
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

    class Meta:
        db_table = "translations"
        ordering = ["language_code"]
        indexes = [
            models.Index(fields=["transcription"], name="idx_translations_transcription"),
            models.Index(fields=["language_code"], name="idx_translations_language"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["transcription", "language_code"],
                name="translations_transcription_id_language_code_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.language_code} translation of {self.transcription_id}"

    def get_absolute_url(self) -> str:
        return reverse("translations:editor", args=[self.pk])

    @property
    def machine_label(self) -> str:
        """The label of the first machine text, kept in this row: T-1-<lang>."""
        return f"T-1-{self.language_code}"

    @property
    def source_label(self) -> str:
        """The English version the current machine text was made from (H-2, or T-1)."""
        return self.source_version.version_type if self.source_version_id else "T-1"

    @property
    def current_machine_label(self) -> str:
        """The label of the newest machine text: T-1-<lang>, or T-<n>-<lang> after
        re-translations (list pages annotate `latest_machine_label` to save a query)."""
        if hasattr(self, "latest_machine_label"):
            label = self.latest_machine_label
        else:
            label = (
                self.versions.filter(origin=TranslationVersion.Origin.MACHINE)
                .order_by("-version_number")
                .values_list("version_type", flat=True)
                .first()
            )
        return label or self.machine_label

    @property
    def is_outdated(self) -> bool:
        """True when the English final version is no longer the one this was translated from.

        Needs `transcription` loaded (select_related) on list pages.
        """
        final_id = self.transcription.final_version_id
        return final_id is not None and final_id != self.source_version_id


class TranslationVersion(models.Model):
    """An immutable snapshot of a translation, labelled e.g. H-2-es.

    Most are human edits (`origin` "edit"/"restore"), labelled with the English source
    label plus the language. A re-translation after the English final version changed
    is a machine text kept as a version too (`origin` "machine", labelled T-<n>-<lang>,
    the n-th machine text), so nothing earlier is overwritten.
    """

    class Origin(models.TextChoices):
        EDIT = "edit", "Edited"
        RESTORE = "restore", "Restored"
        MACHINE = "machine", "Machine translation"
        FINALIZE = "finalize", "Finalized as is"

    id = uuid_pk()
    translation = models.ForeignKey(
        Translation, on_delete=models.PROTECT, db_index=False, related_name="versions"
    )
    version_number = models.IntegerField()
    version_type = models.TextField()
    edited_text = models.TextField()
    json_with_timestamps = VersionJSONField(null=True, blank=True)
    # Set on a version that is no longer the newest: what turns the next version's JSON back
    # into this one's (DESIGN.md "Version storage"). `json_with_timestamps` is then NULL in
    # the table; reading the attribute rebuilds it. Every version keeps its `edited_text`.
    json_delta = models.JSONField(null=True, blank=True, editable=False)
    diff_from_previous = models.TextField(null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        db_column="edited_by",
        related_name="+",
    )
    created_at = created_at()
    origin = models.TextField(choices=Origin.choices, default=Origin.EDIT, db_default="edit")
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
        db_table = "translation_versions"
        ordering = ["translation", "version_number"]
        indexes = [
            models.Index(fields=["translation"], name="idx_trans_lang_versions_translation"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["translation", "version_number"],
                name="translation_versions_translation_id_version_number_key",
            )
        ]

    def __str__(self) -> str:
        return self.version_type

    @property
    def is_machine(self) -> bool:
        return self.origin == self.Origin.MACHINE


class VoiceOver(models.Model):
    """Audio read from a finalized translation version by a text-to-speech vendor."""

    id = uuid_pk()
    translation = models.ForeignKey(
        Translation, on_delete=models.PROTECT, db_index=False, related_name="voiceovers"
    )
    version = models.ForeignKey(
        TranslationVersion, on_delete=models.PROTECT, related_name="voiceovers"
    )
    file_path = models.TextField()
    file_size_bytes = models.BigIntegerField(null=True, blank=True)
    engine = models.TextField()
    voice_id = models.TextField()
    model_id = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        db_column="created_by",
        related_name="+",
    )
    created_at = created_at()

    class Meta:
        db_table = "translation_voiceovers"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["translation", "-created_at"], name="idx_voiceovers_translation")
        ]

    def __str__(self) -> str:
        return f"Voice-over of {self.version}"

    def get_absolute_url(self) -> str:
        return reverse("translations:voiceover_audio", args=[self.pk])


class TranslationMemory(models.Model):
    """A reviewed segment, reusable in every lecture (DESIGN.md "Translation review").

    One row per English text (normalised whitespace and case: `source_key`) and language
    pair; a later review of the same English replaces the target text. `source_hash` (sha1
    of the key) is the exact-match index, short enough for a B-tree however long the text.
    """

    id = uuid_pk()
    source_text = models.TextField()
    source_language = models.TextField(default="en")
    target_language = models.TextField()
    target_text = models.TextField()
    source_key = models.TextField()
    source_hash = models.CharField(max_length=40)
    translation = models.ForeignKey(
        Translation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
        related_name="+",
    )
    segment = models.IntegerField(null=True, blank=True)  # the segment id in that translation
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_column="created_by",
        related_name="+",
    )
    usage_count = models.IntegerField(default=0, db_default=0)
    created_at = created_at()
    updated_at = updated_at()

    class Meta:
        db_table = "translation_memory"
        ordering = ["source_language", "target_language", "source_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_language", "target_language", "source_hash"],
                name="translation_memory_pair_source_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_language}→{self.target_language}: {self.source_text[:60]}"
