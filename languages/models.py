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
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
