"""Read-only views of translations: the per-transcript overview.

The overview runs the seed's "Get All Translations for an English Transcription" query
as written (PostgreSQL, `$1` bound server-side through psycopg's RawCursor, inside
Django's connection and transaction); on SQLite, which cannot run it, the ORM computes
the same rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import OuterRef, Subquery

from documents.realign import PLACEHOLDER_KEY
from documents.selectors import version_content
from documents.structure import changed_ids, outline_of, segment_speaker
from documents.text import document_segments, split_lines
from integrations.llm import chat_engine_label
from integrations.llm_offline import offline_translation_label
from jobs.models import Job
from languages.models import Language
from projects.models import Project
from transcripts.models import Transcription, TranscriptionVersion
from translations.budgets import BudgetSummary, budget_summary
from translations.models import Translation, TranslationVersion

TRANSLATE_KIND = "translate"

# Copied from the seed (max-database-schema.md, "Query Patterns"), unchanged.
GET_ALL_TRANSLATIONS = """
SELECT 
  tr.language_code,
  COALESCE(trv.edited_text, tr.translated_text) as latest_text,
  trv.version_number,
  tr.dictionary_corrections_applied
FROM translations tr
LEFT JOIN translation_versions trv
  ON tr.id = trv.translation_id
WHERE tr.transcription_id = $1
ORDER BY tr.language_code, trv.version_number DESC NULLS LAST;
"""  # noqa: W291 (the seed's trailing spaces are kept byte for byte)


@dataclass(frozen=True)
class SeedRow:
    language_code: str
    latest_text: str
    version_number: int | None
    dictionary_corrections_applied: list[dict[str, Any]] | None


def all_translations(transcription_id) -> list[SeedRow]:
    """The seed query's rows: every version of every language, newest first per language."""
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        with psycopg.RawCursor(connection.connection) as cursor:
            cursor.execute(GET_ALL_TRANSLATIONS, (transcription_id,))
            # Django registers a jsonb loader that hands back text (its JSONField parses it).
            return [
                SeedRow(code, text, number, json.loads(fixes) if isinstance(fixes, str) else fixes)
                for code, text, number, fixes in cursor.fetchall()
            ]
    rows: list[SeedRow] = []
    translations = Translation.objects.filter(transcription_id=transcription_id).order_by(
        "language_code"
    )
    versions: dict[Any, list[TranslationVersion]] = {}
    for version in TranslationVersion.objects.filter(
        translation__transcription_id=transcription_id
    ).order_by("-version_number"):
        versions.setdefault(version.translation_id, []).append(version)
    for tr in translations:
        found: list[TranslationVersion | None] = [*versions.get(tr.pk, [])] or [None]
        for v in found:
            rows.append(
                SeedRow(
                    tr.language_code,
                    v.edited_text if v is not None else tr.translated_text,
                    v.version_number if v is not None else None,
                    tr.dictionary_corrections_applied,
                )
            )
    return rows


def latest_per_language(transcription_id) -> dict[str, SeedRow]:
    """The first seed row per language: its latest text and version number."""
    latest: dict[str, SeedRow] = {}
    for row in all_translations(transcription_id):
        latest.setdefault(row.language_code, row)
    return latest


STATUS_LABELS = {
    "not_started": "Not started",
    "running": "Running",
    "draft": "Offline draft, not a translation",
    "machine": "Machine translation",
    "edited": "Edited",
    "final": "Final",
    "outdated": "Outdated",
}


@dataclass
class LanguageRow:
    language: Language
    translation: Translation | None
    job: Job | None  # shown while it runs, and when it failed or was cancelled
    latest: TranslationVersion | None
    seed: SeedRow | None

    @property
    def is_outdated(self) -> bool:
        return self.translation is not None and self.translation.is_outdated

    @property
    def is_running(self) -> bool:
        return self.job is not None and self.job.is_active

    @property
    def is_final(self) -> bool:
        return (
            self.translation is not None
            and self.latest is not None
            and self.translation.final_version_id == self.latest.pk
        )

    @cached_property
    def placeholder_count(self) -> int:
        """Segments of the latest text that are still offline stand-ins."""
        if self.translation is None:
            return 0
        latest = self.latest
        return len(
            placeholder_segments(
                data=(latest or self.translation).json_with_timestamps,
                text=latest.edited_text if latest else self.translation.translated_text,
                language_code=self.translation.language_code,
            )
        )

    @cached_property
    def budget(self) -> BudgetSummary | None:
        """How many timed segments of the latest text fit their voice-over budget."""
        if self.translation is None:
            return None
        data = (self.latest or self.translation).json_with_timestamps
        return budget_summary(translation_segments(data), self.language.caption_chars_per_second)

    @property
    def status(self) -> str:
        if self.is_running:
            return "running"
        if self.translation is None:
            return "not_started"
        if self.is_outdated:
            return "outdated"
        if self.placeholder_count:
            return "draft"
        if self.is_final:
            return "final"
        if self.latest is None or self.latest.is_machine:
            return "machine"
        return "edited"

    @property
    def status_label(self) -> str:
        if self.status == "machine":
            # Statuses name the engine that really ran.
            return f"{STATUS_LABELS['machine']} ({self.engine})"
        return STATUS_LABELS[self.status]

    @property
    def engine(self) -> str:
        """The engine that wrote the newest machine text."""
        if self.translation is None:
            return ""
        data = self.translation.json_with_timestamps
        if self.latest is not None and self.latest.is_machine:
            data = self.latest.json_with_timestamps
        return ((data or {}).get("metadata") or {}).get("engine") or "machine"

    @property
    def state_label(self) -> str:
        """What the text is, apart from being outdated or running."""
        if self.translation is None:
            return ""
        if self.placeholder_count:
            return "offline draft"
        if self.is_final:
            return "final"
        if self.latest is None or self.latest.is_machine:
            return "machine"
        return "edited"

    @property
    def latest_label(self) -> str:
        if self.translation is None:
            return ""
        return self.latest.version_type if self.latest else self.translation.machine_label

    @property
    def who(self) -> str:
        if self.latest is not None and not self.latest.is_machine:
            return self.latest.edited_by.get_full_name() or self.latest.edited_by.email
        if self.translation is None:
            return ""
        meta = (self.translation.json_with_timestamps or {}).get("metadata") or {}
        engine = meta.get("engine") or "machine"
        requested = meta.get("requested_by")
        if self.latest is not None:
            engine = ((self.latest.json_with_timestamps or {}).get("metadata") or {}).get(
                "engine", engine
            )
            requested = self.latest.edited_by.get_full_name()
        engine = chat_engine_label(engine)
        return f"{engine} (asked by {requested})" if requested else engine

    @property
    def when(self):
        if self.latest is not None:
            return self.latest.created_at
        return self.translation.created_at if self.translation else None

    @property
    def excerpt(self) -> str:
        return (self.seed.latest_text[:140] if self.seed else "").replace("\n", " ")

    @property
    def corrections_count(self) -> int:
        """Dictionary corrections recorded for the current machine text (both passes)."""
        if self.seed is None or self.translation is None:
            return 0
        label = self.translation.current_machine_label
        return sum(
            1
            for c in self.seed.dictionary_corrections_applied or []
            if c.get("version", self.translation.machine_label) == label
        )


def overview_rows(transcription: Transcription) -> list[LanguageRow]:
    """One row per active target language, plus any other language already translated."""
    latest_version = TranslationVersion.objects.filter(translation=OuterRef("pk")).order_by(
        "-version_number"
    )
    latest_machine = latest_version.filter(origin=TranslationVersion.Origin.MACHINE)
    translations = {
        t.language_code: t
        for t in Translation.objects.filter(transcription=transcription)
        .select_related("source_version")
        .annotate(
            latest_version_id=Subquery(latest_version.values("pk")[:1]),
            latest_machine_label=Subquery(latest_machine.values("version_type")[:1]),
        )
    }
    for t in translations.values():
        t.transcription = transcription  # is_outdated reads its final version
    latest_ids = [t.latest_version_id for t in translations.values() if t.latest_version_id]
    versions = {
        v.pk: v
        for v in TranslationVersion.objects.filter(pk__in=latest_ids).select_related("edited_by")
    }
    languages = {lang.code: lang for lang in Language.objects.targets()}
    missing = set(translations) - set(languages)
    if missing:
        languages.update({lang.code: lang for lang in Language.objects.filter(code__in=missing)})
    jobs = translate_jobs_by_language(transcription)
    seed = latest_per_language(transcription.pk)
    rows = []
    for code in sorted(languages):
        translation = translations.get(code)
        job = jobs.get(code)
        if job is not None and job.status == Job.Status.SUCCEEDED:
            job = None  # the translation it made speaks for it
        rows.append(
            LanguageRow(
                language=languages[code],
                translation=translation,
                job=job,
                latest=versions.get(translation.latest_version_id) if translation else None,
                seed=seed.get(code),
            )
        )
    # Review progress and the QA summary per language (DESIGN.md "Translation review").
    from translations.selectors_review import attach_review

    attach_review(rows)
    return rows


# --- one translation, its source and its jobs ---------------------------------------------


def target_language(code: str) -> Language:
    """The active target language `code`, or ValidationError saying what is wrong."""
    code = (code or "").strip()
    language = Language.objects.filter(code=code).first()
    if language is None:
        raise ValidationError(f"“{code}” is not a language Max knows.")
    if code == "en":
        raise ValidationError("English is the source language; it is not translated into.")
    if not language.active:
        raise ValidationError(
            f"{language.name} ({code}) is not active: an admin can switch it on under Languages."
        )
    return language


def translation_source(transcription: Transcription) -> TranscriptionVersion:
    """The English text to translate: the transcript's final version."""
    if transcription.archived:
        raise ValidationError("This transcript is archived; restore it before translating.")
    # Without a final_version_id this is None, and costs no query.
    final = transcription.final_version
    if final is None:
        raise ValidationError(
            "This transcript has no final version yet: finalize the English transcript "
            "in the editor before translating it."
        )
    if final.approved_at is None and _requires_approval(transcription.audio_file.project_id):
        raise ValidationError(
            f"This project requires approval: the English final {final.version_type} is not "
            "approved. Translation starts from an approved final version."
        )
    return final


def _requires_approval(project_id) -> bool:
    return Project.objects.filter(pk=project_id, requires_approval=True).exists()


def source_segments(source: TranscriptionVersion) -> list[dict[str, Any]]:
    """The English segments (id, start, end, text) of a transcript version."""
    # The source is often an older English version: rebuilt from its delta.
    source_text, source_json = version_content(source)
    data = source_json or source.transcription.json_with_timestamps or {}
    segments = [
        {
            "id": int(seg.get("id", index)),
            "start": seg.get("start"),
            "end": seg.get("end"),
            "text": str(seg.get("text", "")).strip(),
            "speaker": segment_speaker(seg),
        }
        for index, seg in enumerate(data.get("segments") or [])
    ]
    if not segments and source_text.strip():
        # A version without timings: one segment per line, untimed.
        segments = [
            {"id": i, "start": None, "end": None, "text": line.strip(), "speaker": "S1"}
            for i, line in enumerate(source_text.splitlines())
            if line.strip()
        ]
    return segments


def translation_segments(data: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [
        {
            "id": int(seg.get("id", index)),
            "start": seg.get("start"),
            "end": seg.get("end"),
            "text": str(seg.get("text", "")),
        }
        for index, seg in enumerate((data or {}).get("segments") or [])
    ]


@dataclass(frozen=True)
class TranslationLatest:
    text: str
    json_with_timestamps: dict[str, Any]
    version_number: int | None  # None: the machine text T-1-<lang> in the row
    label: str
    version: TranslationVersion | None

    @property
    def segments(self) -> list[dict[str, Any]]:
        return translation_segments(self.json_with_timestamps)


def translation_latest(translation: Translation) -> TranslationLatest:
    version = translation.versions.order_by("-version_number").first()
    if version is None:
        return TranslationLatest(
            translation.translated_text,
            translation.json_with_timestamps or {},
            None,
            translation.machine_label,
            None,
        )
    return TranslationLatest(
        version.edited_text,
        version.json_with_timestamps or translation.json_with_timestamps or {},
        version.version_number,
        version.version_type,
        version,
    )


def human_label(translation: Translation) -> str:
    """The label a human save gets: English source label + language (H-2-es)."""
    return f"{translation.source_label}-{translation.language_code}"


def translation_text(segments: list[dict[str, Any]]) -> str:
    return "\n".join(seg["text"].strip() for seg in segments)


def translate_jobs_by_language(transcription: Transcription) -> dict[str, Job]:
    """The newest translate job per language for a transcript."""
    latest: dict[str, Job] = {}
    for job in Job.for_target(transcription, TRANSLATE_KIND).order_by("-created_at")[:200]:
        latest.setdefault(job.params.get("language", ""), job)
    return latest


def placeholder_segments(
    *, data: dict[str, Any] | None, text: str, language_code: str
) -> list[int]:
    """Indexes of the segments that are offline stand-ins, not translations: marked so by
    the translate job, or (a text stored before the mark existed, or a human edit that kept
    it) still starting with the offline engine's label. A segment a human rewrote is neither.
    """
    label = offline_translation_label(language_code)
    return [
        index
        for index, seg in enumerate(document_segments(data, text))
        if seg.get(PLACEHOLDER_KEY) or str(seg.get("text") or "").strip().startswith(label)
    ]


def placeholder_message(*, count: int, total: int, language_code: str) -> str:
    label = offline_translation_label(language_code)
    return (
        f"{count} of {total} segments are still offline drafts (“{label} …”: the English "
        "text with a label, made because no translation engine was configured), not a "
        "translation. Configure a translation engine (an administrator sets ANTHROPIC_API_KEY, "
        "or LLM_ENGINE=openai with OPENAI_API_KEY) and re-translate, or replace the text of "
        "those segments with the translation and save."
    )


def translation_changed_english(translation: Translation) -> dict[int, str]:
    """Segments whose English changed since the translation was made (their text, a split,
    a merge or their speaker), by segment id: the English they have now (the parts a split
    made, joined; "" for one merged into its neighbour). Empty when the translation is of
    the final English. Only these need another look; the rest is current."""
    source = translation.source_version
    final = translation.transcription.final_version
    if source is None or final is None or source.pk == final.pk:
        return {}

    def outline(version):
        text, data = version_content(version)
        data = data or translation.transcription.json_with_timestamps
        return outline_of(data, split_lines(text))

    before, now = outline(source), outline(final)
    changed = changed_ids(before, now)
    known = set(before.ids)
    english: dict[int, list[str]] = {}
    current: int | None = None
    for segment_id, text in zip(now.ids, now.texts, strict=True):
        if segment_id in known:
            current = segment_id
            english[segment_id] = [text]
        elif current is not None:
            english[current].append(text)  # split off the segment before it
            changed.add(current)
    return {i: " ".join(english.get(i, [])) for i in sorted(changed)}
