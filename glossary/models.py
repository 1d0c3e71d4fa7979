from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from core.db import ArchivableQuerySet, archived, created_at, updated_at, uuid_pk
from glossary.matcher import fold


class DictionaryEntry(models.Model):
    """A glossary term: what a machine might write and what is correct.

    Entries whose original equals the correction are canonical terms: they change
    nothing, but are counted and handed to translators as terms to keep.
    """

    id = uuid_pk()
    term_original = models.TextField()
    term_corrected = models.TextField()
    language_code = models.TextField(default="en", db_default="en")
    context = models.TextField(null=True, blank=True)
    # The English term a target-language entry renders (the termbase's concept): null for
    # English entries and for target entries that translate no particular English term.
    source_term = models.TextField(null=True, blank=True)
    # The original as the matcher compares it (Unicode case folding, which SQL lower()
    # does not do): indexed, so finding an entry's duplicates is one lookup however large
    # the dictionary. Kept by save(); bulk writes set it themselves.
    term_key = models.TextField(default="", db_default="", editable=False)
    usage_count = models.IntegerField(default=0, db_default=0, editable=False)
    # A speaker's term (the seed's "speaker-specific terms"): applies only to that speaker's
    # segments of that transcript and its translations; null applies everywhere.
    speaker = models.ForeignKey(
        "transcripts.Speaker",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dictionary_entries",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        db_column="created_by",
        related_name="+",
    )
    created_at = created_at()
    updated_at = updated_at()
    archived = archived()

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        db_table = "dictionary"
        verbose_name = "dictionary entry"
        verbose_name_plural = "dictionary"
        ordering = ["term_original"]
        indexes = [
            models.Index(fields=["term_original"], name="idx_dictionary_original"),
            models.Index(fields=["language_code"], name="idx_dictionary_language"),
            models.Index(fields=["-usage_count"], name="idx_dictionary_usage"),
            models.Index(fields=["language_code", "term_key"], name="idx_dictionary_key"),
            models.Index(Lower("source_term"), "language_code", name="idx_dictionary_source_term"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["term_original", "language_code"],
                name="dictionary_term_original_language_code_key",
            ),
            # The matcher ignores case, so "Implane" and "implane" would be one entry.
            # Services check by full Unicode case folding under a lock; this backs them up.
            models.UniqueConstraint(
                Lower("term_original"),
                "language_code",
                name="dictionary_original_ci_language_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term_original} → {self.term_corrected} ({self.language_code})"

    def save(self, *args, **kwargs):
        self.term_key = fold(self.term_original)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "term_original" in update_fields:
            kwargs["update_fields"] = {*update_fields, "term_key"}
        super().save(*args, **kwargs)

    @property
    def is_canonical(self) -> bool:
        return self.term_original == self.term_corrected
