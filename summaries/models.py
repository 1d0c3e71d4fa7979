import hashlib
import json
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

from core.db import created_at, updated_at, uuid_pk
from integrations.llm import chat_engine_label
from integrations.llm_offline import OFFLINE_LABEL


class PromptTemplate(models.Model):
    """An editable prompt; every saved content is also a PromptVersion row."""

    EMAIL = "email_summary"
    LINKEDIN = "linkedin_summary"
    BLOG = "blog_summary"

    id = uuid_pk()
    template_name = models.TextField(unique=True)
    template_content = models.TextField()
    version_number = models.IntegerField(default=1, db_default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        db_column="created_by",
        related_name="+",
    )
    created_at = created_at()
    updated_at = updated_at()

    class Meta:
        db_table = "prompt_templates"
        ordering = ["template_name"]
        indexes = [models.Index(fields=["template_name"], name="idx_templates_name")]

    def __str__(self) -> str:
        return f"{self.template_name} v{self.version_number}"


class PromptVersion(models.Model):
    """The content of a template at one version number, with who changed it and why."""

    id = uuid_pk()
    template = models.ForeignKey(
        PromptTemplate, on_delete=models.PROTECT, db_index=False, related_name="versions"
    )
    version_number = models.IntegerField()
    template_content = models.TextField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        db_column="changed_by",
        related_name="+",
    )
    change_notes = models.TextField(null=True, blank=True)
    created_at = created_at()

    class Meta:
        db_table = "prompt_versions"
        ordering = ["template", "-version_number"]
        indexes = [models.Index(fields=["template"], name="idx_prompt_versions_template")]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "version_number"],
                name="prompt_versions_template_id_version_number_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.template.template_name} v{self.version_number}"


class GeneratedSummary(models.Model):
    """An AI draft (email, LinkedIn, blog) of a transcript, and the editor's final text."""

    class SummaryType(models.TextChoices):
        EMAIL = "email", "Email"
        LINKEDIN = "linkedin", "LinkedIn"
        BLOG = "blog", "Blog"

    TEMPLATE_FOR_TYPE = {
        SummaryType.EMAIL: PromptTemplate.EMAIL,
        SummaryType.LINKEDIN: PromptTemplate.LINKEDIN,
        SummaryType.BLOG: PromptTemplate.BLOG,
    }

    id = uuid_pk()
    transcription = models.ForeignKey(
        "transcripts.Transcription",
        on_delete=models.PROTECT,
        db_index=False,
        related_name="summaries",
    )
    summary_type = models.TextField(choices=SummaryType.choices)
    generated_text = models.TextField()
    user_edited_text = models.TextField(null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_column="edited_by",
        related_name="+",
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    generated_at = created_at()
    finalized_at = models.DateTimeField(null=True, blank=True)
    created_at = created_at()
    prompt_version = models.ForeignKey(
        PromptVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="summaries",
    )
    # The engine that wrote `generated_text` ("anthropic", "openai", "offline"), and whether
    # that text is an offline stand-in rather than a real draft (DESIGN.md "Trust comes
    # first": shown as such, never finalized unchanged).
    engine = models.TextField(blank=True, default="", db_default="")
    is_placeholder = models.BooleanField(default=False, db_default=False)
    # Which feedback_log entries were shown to the model as examples of human edits.
    feedback_examples = models.ManyToManyField(
        "summaries.FeedbackLog", blank=True, related_name="used_as_example_in"
    )

    class Meta:
        db_table = "generated_summaries"
        verbose_name_plural = "generated summaries"
        ordering = ["transcription", "summary_type"]
        indexes = [
            models.Index(fields=["transcription"], name="idx_summaries_transcription"),
            models.Index(fields=["summary_type"], name="idx_summaries_type"),
            models.Index(fields=["finalized_at"], name="idx_summaries_finalized"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["transcription", "summary_type"],
                name="generated_summaries_transcription_id_summary_type_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_summary_type_display()} of {self.transcription_id}"

    def get_absolute_url(self) -> str:
        url = reverse("summaries:transcript", args=[self.transcription_id])
        return f"{url}#summary-{self.summary_type}"

    @property
    def current_text(self) -> str:
        """What the editor sees now: their edited text, or the AI draft if they have none."""
        return self.user_edited_text if self.user_edited_text is not None else self.generated_text

    @property
    def is_edited(self) -> bool:
        # user_edited_text is only ever set to a text that differs from the AI draft.
        return self.user_edited_text is not None

    @property
    def is_finalized(self) -> bool:
        return self.finalized_at is not None

    @property
    def engine_label(self) -> str:
        """The engine that wrote the draft, in words (not its stored code)."""
        return chat_engine_label(self.engine)

    @property
    def is_offline_draft(self) -> bool:
        """The current text is still the offline engine's labelled stand-in (a human who
        rewrote it made it theirs; one who only added to it left the label in)."""
        return self.is_placeholder and (
            self.user_edited_text is None or OFFLINE_LABEL in self.current_text
        )

    @property
    def warnings(self) -> list[str]:
        from summaries.texts import summary_warnings

        return summary_warnings(self.summary_type, self.current_text)

    @property
    def edit_token(self) -> str:
        """Changes whenever the text changes; a form carries it to detect a stale save."""
        edited_at = self.edited_at.isoformat() if self.edited_at else ""
        raw = f"{self.generated_at.isoformat()}|{edited_at}|{self.current_text}"
        return hashlib.sha256(raw.encode()).hexdigest()[:20]


class FeedbackLog(models.Model):
    """What an editor changed in an AI summary when finalizing it."""

    id = uuid_pk()
    summary = models.ForeignKey(
        GeneratedSummary, on_delete=models.PROTECT, db_index=False, related_name="feedback"
    )
    generated_text = models.TextField()
    user_edited_text = models.TextField()
    diff_analysis = models.TextField(null=True, blank=True)  # JSON text, seed format
    created_at = created_at()

    class Meta:
        db_table = "feedback_log"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["summary"], name="idx_feedback_summary"),
            models.Index(fields=["-created_at"], name="idx_feedback_created_at"),
        ]

    def __str__(self) -> str:
        return f"Feedback on {self.summary_id} at {self.created_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("summaries:feedback_detail", args=[self.pk])

    @cached_property
    def analysis(self) -> dict[str, Any]:
        try:
            value = json.loads(self.diff_analysis or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def _list(self, key: str) -> list:
        value = self.analysis.get(key)
        return value if isinstance(value, list) else []

    @property
    def changes(self) -> list[dict[str, str]]:
        return [
            {
                "type": str(c.get("type", "")),
                "original": str(c.get("original", "")),
                "edited": str(c.get("edited", "")),
            }
            for c in self._list("changes")
            if isinstance(c, dict)
        ]

    @property
    def tone_changes(self) -> list[str]:
        return [str(x) for x in self._list("tone_changes")]

    @property
    def structure_changes(self) -> list[str]:
        return [str(x) for x in self._list("structure_changes")]

    @property
    def additions(self) -> list[str]:
        return [str(x) for x in self._list("additions")]

    @property
    def deletions(self) -> list[str]:
        return [str(x) for x in self._list("deletions")]

    @property
    def length_change_percent(self) -> int | None:
        value = self.analysis.get("length_change_percent")
        return value if isinstance(value, (int, float)) else None

    @property
    def is_unchanged(self) -> bool:
        return self.generated_text == self.user_edited_text
