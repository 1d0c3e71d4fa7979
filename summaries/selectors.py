"""Reads for summaries: the feedback dashboard, prompt versions, feedback examples.

The seed's "Get Feedback Summary" runs as written; the dashboard's breakdown by prompt
version and the kinds of edit are our own, over the same rows (finalized, created in the
last 30 days).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection
from django.db.models import Avg, Count, F, FloatField, Q
from django.db.models.functions import Cast, Length
from django.utils import timezone

from summaries.models import FeedbackLog, GeneratedSummary, PromptTemplate, PromptVersion
from transcripts.models import Transcription

FEEDBACK_WINDOW_DAYS = 30

FEEDBACK_SUMMARY_SQL = """
SELECT
  summary_type,
  COUNT(*) as total_generated,
  COUNT(CASE WHEN user_edited_text IS NOT NULL THEN 1 END) as edited,
  AVG(LENGTH(generated_text) - LENGTH(user_edited_text)) as avg_length_change
FROM generated_summaries
WHERE finalized_at IS NOT NULL
  AND NOT is_placeholder
  AND created_at > NOW() - INTERVAL '30 days'
GROUP BY summary_type;
"""

# SQLite (the embedded default) has no INTERVAL; same meaning, its own date syntax.
FEEDBACK_SUMMARY_SQL_SQLITE = """
SELECT
  summary_type,
  COUNT(*) as total_generated,
  COUNT(CASE WHEN user_edited_text IS NOT NULL THEN 1 END) as edited,
  AVG(LENGTH(generated_text) - LENGTH(user_edited_text)) as avg_length_change
FROM generated_summaries
WHERE finalized_at IS NOT NULL
  AND NOT is_placeholder
  AND created_at > datetime('now', '-30 days')
GROUP BY summary_type;
"""


def feedback_summary() -> list[dict]:
    sql = FEEDBACK_SUMMARY_SQL if connection.vendor == "postgresql" else FEEDBACK_SUMMARY_SQL_SQLITE
    with connection.cursor() as cursor:
        cursor.execute(sql)
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _window_start():
    return timezone.now() - timedelta(days=FEEDBACK_WINDOW_DAYS)


@dataclass
class EditKinds:
    """What editors changed, counted over a set of feedback entries."""

    entries: int = 0
    replaces: int = 0
    inserts: int = 0
    deletes: int = 0
    total_changes: int = 0
    tone: Counter = field(default_factory=Counter)
    structure: Counter = field(default_factory=Counter)
    replacements: Counter = field(default_factory=Counter)

    def add(self, analysis: dict) -> None:
        self.entries += 1
        for change in analysis.get("changes") or []:
            if not isinstance(change, dict):
                continue
            kind = change.get("type")
            if kind == "replace":
                self.replaces += 1
                original, edited = str(change.get("original", "")), str(change.get("edited", ""))
                # Short swaps ("utilize" → "use") are the reusable lessons; long rewrites are not.
                if len(original.split()) <= 4 and len(edited.split()) <= 4:
                    self.replacements[(original, edited)] += 1
            elif kind == "insert":
                self.inserts += 1
            elif kind == "delete":
                self.deletes += 1
        self.total_changes = self.replaces + self.inserts + self.deletes
        for phrase in analysis.get("tone_changes") or []:
            self.tone[" ".join(str(phrase).lower().split())] += 1
        for phrase in analysis.get("structure_changes") or []:
            self.structure[" ".join(str(phrase).lower().split())] += 1

    @property
    def avg_changes(self) -> float | None:
        return self.total_changes / self.entries if self.entries else None

    @property
    def top_tone(self) -> list[tuple[str, int]]:
        return self.tone.most_common(5)

    @property
    def top_structure(self) -> list[tuple[str, int]]:
        return self.structure.most_common(5)

    @property
    def top_replacements(self) -> list[tuple[str, str, int]]:
        return [(o, e, n) for (o, e), n in self.replacements.most_common(5) if n > 1]

    @property
    def has_any(self) -> bool:
        return bool(self.total_changes or self.tone or self.structure)


@dataclass
class VersionStats:
    """One prompt version's finalized texts in the window."""

    summary_type: str
    prompt_version_id: str | None
    template_name: str
    version_number: int | None
    total: int
    edited: int
    avg_length_change: float | None  # characters, generated − edited, as in the seed query
    avg_length_change_percent: float | None  # over edited texts, (edited − generated) / generated
    kinds: EditKinds

    @property
    def edited_percent(self) -> int:
        return round(100 * self.edited / self.total) if self.total else 0


@dataclass
class TypeSection:
    summary_type: str
    label: str
    seed_row: dict | None
    versions: list[VersionStats]
    kinds: EditKinds

    @property
    def edited_percent(self) -> int:
        if not self.seed_row or not self.seed_row["total_generated"]:
            return 0
        return round(100 * self.seed_row["edited"] / self.seed_row["total_generated"])

    @property
    def avg_length_change_percent(self) -> float | None:
        """The versions' figure over the whole type (each version weighted by its edited
        texts), so the type's line and its versions' lines measure the same thing."""
        weighted = [
            (v.avg_length_change_percent, v.edited)
            for v in self.versions
            if v.avg_length_change_percent is not None and v.edited
        ]
        edited = sum(n for _, n in weighted)
        return sum(p * n for p, n in weighted) / edited if edited else None


def feedback_dashboard() -> list[TypeSection]:
    """Per summary type: the seed's row, one row per prompt version, the common edits."""
    seed_rows = {row["summary_type"]: row for row in feedback_summary()}
    start = _window_start()
    # An offline stand-in an editor replaced says nothing about a prompt template's drafts.
    finalized = GeneratedSummary.objects.filter(
        finalized_at__isnull=False, created_at__gt=start, is_placeholder=False
    )
    grouped = (
        finalized.values(
            "summary_type",
            "prompt_version_id",
            "prompt_version__version_number",
            "prompt_version__template__template_name",
        )
        .annotate(
            total=Count("id"),
            edited=Count("id", filter=Q(user_edited_text__isnull=False)),
            avg_length_change=Avg(Length("generated_text") - Length("user_edited_text")),
            avg_length_change_percent=Avg(
                (Length("user_edited_text") - Length("generated_text"))
                * 100.0
                / Cast(Length("generated_text"), FloatField()),
                filter=Q(user_edited_text__isnull=False),
            ),
        )
        .order_by("summary_type", F("prompt_version__version_number").desc(nulls_last=True))
    )
    # One pass over the window's feedback for the kinds of edit (diff_analysis is JSON text).
    kinds_by_version: dict[tuple[str, str | None], EditKinds] = {}
    kinds_by_type: dict[str, EditKinds] = {}
    feedback = FeedbackLog.objects.filter(
        summary__finalized_at__isnull=False,
        summary__created_at__gt=start,
        summary__is_placeholder=False,
    ).values_list("summary__summary_type", "summary__prompt_version_id", "diff_analysis")
    for summary_type, version_id, raw in feedback:
        try:
            analysis = json.loads(raw or "{}")
        except ValueError:
            continue
        if not isinstance(analysis, dict):
            continue
        key = (summary_type, str(version_id) if version_id else None)
        kinds_by_version.setdefault(key, EditKinds()).add(analysis)
        kinds_by_type.setdefault(summary_type, EditKinds()).add(analysis)

    versions: dict[str, list[VersionStats]] = {}
    for row in grouped:
        version_id = str(row["prompt_version_id"]) if row["prompt_version_id"] else None
        versions.setdefault(row["summary_type"], []).append(
            VersionStats(
                summary_type=row["summary_type"],
                prompt_version_id=version_id,
                template_name=row["prompt_version__template__template_name"] or "",
                version_number=row["prompt_version__version_number"],
                total=row["total"],
                edited=row["edited"],
                avg_length_change=row["avg_length_change"],
                avg_length_change_percent=row["avg_length_change_percent"],
                kinds=kinds_by_version.get((row["summary_type"], version_id), EditKinds()),
            )
        )
    return [
        TypeSection(
            summary_type=choice.value,
            label=choice.label,
            seed_row=seed_rows.get(choice.value),
            versions=versions.get(choice.value, []),
            kinds=kinds_by_type.get(choice.value, EditKinds()),
        )
        for choice in GeneratedSummary.SummaryType
    ]


def feedback_entries(*, summary_type: str = "", prompt_version_id: str = ""):
    """Feedback rows, newest first, optionally for one type and one prompt version."""
    entries = (
        FeedbackLog.objects.select_related(
            "summary__prompt_version__template",
            "summary__edited_by",
            "summary__transcription__audio_file",
        )
        .filter(summary__is_placeholder=False)  # as on the dashboard: no model wrote these
        .order_by("-created_at")
    )
    if summary_type:
        entries = entries.filter(summary__summary_type=summary_type)
    if prompt_version_id:
        entries = entries.filter(summary__prompt_version_id=prompt_version_id)
    return entries


def transcription_project_id(transcription_id):
    """The project of a transcript's recording, for the activity log."""
    return (
        Transcription.objects.filter(pk=transcription_id)
        .values_list("audio_file__project_id", flat=True)
        .first()
    )


def prompt_version_current(template_name: str) -> PromptVersion | None:
    """The version a template's current text was saved as (None if either is missing)."""
    template = PromptTemplate.objects.filter(template_name=template_name).first()
    if template is None:
        return None
    return (
        PromptVersion.objects.select_related("template")
        .filter(template=template, version_number=template.version_number)
        .first()
    )


def feedback_example_candidates(summary_type: str, *, limit: int):
    """The latest feedback of this type in which an editor changed a model's draft."""
    return (
        FeedbackLog.objects.filter(summary__summary_type=summary_type)
        .exclude(user_edited_text=F("generated_text"))
        # A text written over an offline stand-in is no correction of a model's draft.
        .exclude(summary__is_placeholder=True)
        .order_by("-created_at")[:limit]
    )
