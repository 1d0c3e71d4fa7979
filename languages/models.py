"""Which languages Max works in: the bottom of every app that names a language."""

from django.db import models

from core.db import created_at, updated_at, uuid_pk


class LanguageQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def targets(self):
        """Languages a transcript can be translated into (every active one but English)."""
        return self.filter(active=True).exclude(code="en")


class Language(models.Model):
    """The seed's "language_codes table": which languages Max works in."""

    class Direction(models.TextChoices):
        LTR = "ltr", "Left to right"
        RTL = "rtl", "Right to left"

    id = uuid_pk()
    code = models.TextField(unique=True)
    name = models.TextField()
    direction = models.TextField(
        choices=Direction.choices, default=Direction.LTR, db_default=Direction.LTR
    )
    # Chinese is written without spaces: glossary matches ignore word boundaries.
    word_boundaries = models.BooleanField(default=True, db_default=True)
    active = models.BooleanField(default=True, db_default=True)
    # The caption profile (DESIGN.md "Captions and timing budgets"). Defaults are Netflix's
    # timed-text style guides for Latin-script languages as Subtitle Edit's Netflix checker
    # applies them: 42 characters a line, two lines, 17 characters a second (adult reading
    # speed), a cue at least 5/6 s (20 frames at 24 fps) and at most 7 s, 2 frames (83 ms)
    # between cues. Migration 0002 sets zh, hi and ar to their own guides.
    caption_chars_per_line = models.PositiveSmallIntegerField(default=42, db_default=42)
    caption_lines = models.PositiveSmallIntegerField(default=2, db_default=2)
    caption_chars_per_second = models.FloatField(default=17.0, db_default=17.0)
    caption_min_duration = models.FloatField(default=0.833, db_default=0.833)
    caption_max_duration = models.FloatField(default=7.0, db_default=7.0)
    caption_min_gap = models.FloatField(default=0.083, db_default=0.083)
    created_at = created_at()
    # Moves with every change: the admin's edit form refuses a stale save by it.
    updated_at = updated_at()

    objects = LanguageQuerySet.as_manager()

    class Meta:
        db_table = "languages"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(direction__in=["ltr", "rtl"]), name="languages_direction_check"
            ),
            models.CheckConstraint(
                condition=models.Q(caption_chars_per_line__gte=8)
                & models.Q(caption_lines__gte=1)
                & models.Q(caption_chars_per_second__gt=0)
                & models.Q(caption_min_duration__gte=0)
                & models.Q(caption_max_duration__gt=models.F("caption_min_duration"))
                & models.Q(caption_min_gap__gte=0),
                name="languages_caption_profile_check",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
