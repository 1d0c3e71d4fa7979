"""What a glossary entry would change in existing documents, and applying it on request.

A glossary edit never rewrites a stored document by itself. This module is the
translations app's `glossary.hooks.ImpactProvider`:

- a target-language entry (es, fr, …) is previewed against the newest version of every
  translation into that language, and applied to the chosen ones as a new version each;
- an English entry is previewed against every finalized English transcript (the text a
  translation is made from), and applied to it as a new version ("apply to the English
  first"), so the English and its translations never silently disagree.

Previews read plain text only, in one query per kind, and match with one small
Aho-Corasick automaton over each whole document: a glossary of thousands of entries costs
nothing here (only the entries being edited are matched), and a 3,000-segment document is
one pass.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse

from accounts.services import activity_record
from documents.selectors import document_snapshot
from documents.services import document_save_version
from glossary.hooks import (
    AppliedRow,
    ConsistencyCell,
    ConsistencyLecture,
    ImpactRow,
    TermTuple,
    register_consistency_provider,
    register_impact_provider,
)
from glossary.matcher import Matcher
from glossary.services import glossary_record_usage
from languages.models import Language
from transcripts.document import TRANSCRIPT_DOCUMENT
from transcripts.models import Transcription, TranscriptionVersion
from translations.models import Translation, TranslationVersion
from translations.services_review import unreviewed_edit


@dataclass(frozen=True)
class Count:
    segments: int
    occurrences: int
    total_segments: int


def _already_corrected(text: str, match) -> bool:
    """The match lies inside the correction itself ("implante" in "implante dental"):
    applying the entry there again would repeat it. Compared as the replacement would be
    written, case included: "root canal" is not yet "Root Canal"."""
    corrected = match.replacement
    window_start = max(0, match.end - len(corrected))
    window = text[window_start : match.start + len(corrected)]
    index = window.find(corrected)
    while index >= 0:
        if (
            window_start + index <= match.start
            and window_start + index + len(corrected) >= match.end
        ):
            return True
        index = window.find(corrected, index + 1)
    return False


def changes_in(matcher: Matcher, text: str) -> list:
    """The matches that would change `text` (not canonical, not already corrected)."""
    return [
        m for m in matcher.find(text) if m.replacement != m.text and not _already_corrected(text, m)
    ]


def count_changes(matcher: Matcher, text: str) -> Count:
    """Segments (lines) and places where `matcher` would change `text`."""
    starts = [0]
    index = text.find("\n")
    while index >= 0:
        starts.append(index + 1)
        index = text.find("\n", index + 1)
    changed = changes_in(matcher, text)
    lines = {bisect.bisect_right(starts, m.start) - 1 for m in changed}
    return Count(len(lines), len(changed), len(starts) if text else 0)


def _replaced(text: str, found: list) -> str:
    """`text` with each of its (ordered, non-overlapping) matches replaced."""
    pieces, at = [], 0
    for m in found:
        pieces += [text[at : m.start], m.replacement]
        at = m.end
    return "".join(pieces) + text[at:]


def changed_segments(matcher: Matcher, texts: Sequence[str]) -> tuple[dict[int, str], list]:
    """{segment index: new text} for the segments `matcher` changes, and the matches."""
    changed: dict[int, str] = {}
    matches = []
    for index, text in enumerate(texts):
        found = changes_in(matcher, text)
        if not found:
            continue
        changed[index] = _replaced(text, found)
        matches.extend(found)
    return changed, matches


def with_speaker_terms(
    transcription: Transcription,
    texts: Sequence[str],
    timed_json: Callable[[], dict | None],
    changed: dict[int, str],
    matches: list,
) -> tuple[dict[int, str], list]:
    """`changed` and `matches` with the English entries limited to one speaker applied to
    that speaker's segments only (after the general entries). `timed_json` gives the
    version's timed JSON (who speaks each segment); it is read only when such entries
    exist."""
    from documents.structure import segment_speaker
    from glossary.selectors import glossary_speaker_matchers_by_label

    matchers = glossary_speaker_matchers_by_label(
        language_code="en", scope={"speaker__transcription_id": transcription.pk}
    )
    data = timed_json() if matchers else None
    if not data:
        return changed, matches
    changed, matches = dict(changed), list(matches)
    for index, segment in enumerate(data.get("segments") or []):
        matcher = matchers.get(segment_speaker(segment))
        if matcher is None or index >= len(texts):
            continue
        text = changed.get(index, texts[index])
        found = changes_in(matcher, text)
        if not found:
            continue
        changed[index] = _replaced(text, found)
        matches.extend(found)
    return changed, matches


def _language_name(code: str) -> str:
    return Language.objects.filter(code=code).values_list("name", flat=True).first() or code


# --- reads ---------------------------------------------------------------------------------


def _translation_rows(language_code: str, pks: Sequence[Any] | None = None):
    latest = TranslationVersion.objects.filter(translation=OuterRef("pk")).order_by(
        "-version_number"
    )
    rows = Translation.objects.filter(
        language_code=language_code, transcription__archived=False
    ).annotate(
        latest_number=Subquery(latest.values("version_number")[:1]),
        latest_label=Subquery(latest.values("version_type")[:1]),
        latest_text=Subquery(latest.values("edited_text")[:1]),
    )
    if pks is not None:
        rows = rows.filter(pk__in=list(pks))
    return rows.order_by("transcription__audio_file__file_name", "pk").values(
        "pk",
        "translated_text",
        "latest_number",
        "latest_label",
        "latest_text",
        "final_version__version_number",
        "transcription__audio_file__file_name",
    )


def _transcript_rows(pks: Sequence[Any] | None = None):
    newest = TranscriptionVersion.objects.filter(transcription=OuterRef("pk")).order_by(
        "-version_number"
    )
    rows = Transcription.objects.filter(archived=False, final_version__isnull=False).annotate(
        latest_number=Subquery(newest.values("version_number")[:1])
    )
    if pks is not None:
        rows = rows.filter(pk__in=list(pks))
    return rows.order_by("audio_file__file_name", "pk").values(
        "pk",
        "latest_number",
        "final_version__version_number",
        "final_version__version_type",
        "final_version__edited_text",
        "audio_file__file_name",
    )


class TranslationImpact:
    """The translations app's part of the glossary's impact preview and apply."""

    def preview(
        self, *, terms: Sequence[TermTuple], language_code: str, word_boundaries: bool
    ) -> list[ImpactRow]:
        matcher = Matcher(list(terms), word_boundaries=word_boundaries)
        if not len(matcher):
            return []
        if language_code == "en":
            return self._preview_english(matcher)
        kind = f"{_language_name(language_code)} translation"
        found = []
        for row in _translation_rows(language_code):
            text = (
                row["latest_text"] if row["latest_number"] is not None else row["translated_text"]
            )
            count = count_changes(matcher, text or "")
            if not count.segments:
                continue
            number = row["latest_number"] or 0
            found.append(
                ImpactRow(
                    key=f"translation:{row['pk']}",
                    kind=kind,
                    title=row["transcription__audio_file__file_name"],
                    url=reverse("translations:editor", args=[row["pk"]]),
                    version_label=row["latest_label"] or f"T-1-{language_code}",
                    segments=count.segments,
                    occurrences=count.occurrences,
                    finalized=row["final_version__version_number"] == number and number > 0,
                    total_segments=count.total_segments,
                )
            )
        return found

    def _preview_english(self, matcher: Matcher) -> list[ImpactRow]:
        found = []
        for row in _transcript_rows():
            count = count_changes(matcher, row["final_version__edited_text"] or "")
            if not count.segments:
                continue
            found.append(
                ImpactRow(
                    key=f"transcript:{row['pk']}",
                    kind="English transcript (final)",
                    title=row["audio_file__file_name"],
                    url=reverse("transcripts:editor", args=[row["pk"]]),
                    version_label=row["final_version__version_type"],
                    segments=count.segments,
                    occurrences=count.occurrences,
                    finalized=True,
                    total_segments=count.total_segments,
                )
            )
        return found

    def apply(
        self,
        *,
        terms: Sequence[TermTuple] | None,
        language_code: str,
        word_boundaries: bool,
        keys: Sequence[str],
        user: Any,
        reason: str,
    ) -> list[AppliedRow]:
        if terms is None:  # the language's whole dictionary (its general entries)
            from glossary.registry import matcher_for

            matcher = matcher_for(language_code)
        else:
            matcher = Matcher(list(terms), word_boundaries=word_boundaries)
        wanted: dict[str, list[str]] = {}
        for key in keys:
            kind, _, pk = str(key).partition(":")
            wanted.setdefault(kind, []).append(pk)
        applied: list[AppliedRow] = []
        if not len(matcher):
            return applied
        if language_code == "en":
            for row in _transcript_rows(_valid_uuids(wanted.get("transcript", []))):
                done = apply_to_transcript(
                    transcription=Transcription.objects.get(pk=row["pk"]),
                    matcher=matcher,
                    user=user,
                    reason=reason,
                )
                if done is not None:
                    applied.append(done)
            return applied
        for row in _translation_rows(language_code, _valid_uuids(wanted.get("translation", []))):
            done = apply_to_translation(
                translation=Translation.objects.get(pk=row["pk"]),
                matcher=matcher,
                user=user,
                reason=reason,
            )
            if done is not None:
                applied.append(done)
        return applied


def _valid_uuids(values: Sequence[str]) -> list[str]:
    import uuid

    valid = []
    for value in values:
        try:
            valid.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    return valid


# --- writes --------------------------------------------------------------------------------


def apply_to_translation(
    *, translation: Translation, matcher: Matcher, user, reason: str = ""
) -> AppliedRow | None:
    """Apply glossary terms to a translation's newest text as a new version (None when
    they change nothing). A finalized translation keeps its final: the new version waits
    for review and finalize like any edit."""
    from translations.services import TRANSLATION_DOCUMENT

    with transaction.atomic():
        # Locked: a double click's second request waits, then finds nothing left to apply.
        Translation.objects.select_for_update().filter(pk=translation.pk).first()
        latest = document_snapshot(doc=TRANSLATION_DOCUMENT, parent=translation, with_json=False)
        changed, matches = changed_segments(matcher, latest.texts)
        if not changed:
            return None
        # The changed segments need review (no human read them); none enters the memory.
        with unreviewed_edit():
            result = document_save_version(
                doc=TRANSLATION_DOCUMENT,
                parent=translation,
                user=user,
                based_on_version_number=latest.number,
                segments_text=changed,
            )
        activity_record(
            user=user,
            action="dictionary.apply",
            target=translation,
            project_id=translation.transcription.audio_file.project_id,
            details={
                "version": result.label,
                "version_number": result.number,
                "segments": len(changed),
                "occurrences": len(matches),
                "terms": sorted({f"{m.term_original} → {m.term_corrected}" for m in matches})[:50],
                "reason": reason,
            },
        )
        glossary_record_usage(
            corrections=[m.as_correction(translation.language_code) for m in matches]
        )
    return AppliedRow(
        key=f"translation:{translation.pk}",
        kind=f"{_language_name(translation.language_code)} translation",
        title=translation.transcription.audio_file.file_name,
        version_label=result.label,
        segments=len(changed),
    )


def apply_to_transcript(
    *,
    transcription: Transcription,
    matcher: Matcher,
    user,
    reason: str = "",
    speaker_terms: bool = False,
) -> AppliedRow | None:
    """Apply English terms to a transcript's final version as a new version, which becomes
    the final (the English a translation is made from). Refused when the transcript has
    unfinalized edits after its final: those would become final too."""
    with transaction.atomic():
        # Locked: a double click's second request waits, then finds nothing left to apply.
        transcription = (
            Transcription.objects.select_for_update(of=("self",))
            .select_related("final_version", "audio_file")
            .get(pk=transcription.pk)
        )
        final = transcription.final_version
        if final is None:
            return None
        latest = document_snapshot(doc=TRANSCRIPT_DOCUMENT, parent=transcription, with_json=False)
        if latest.number != final.version_number:
            raise ValidationError(
                f"{transcription.audio_file.file_name}: the English has edits after its final "
                f"version {final.version_type}; finalize or discard them in the editor first."
            )
        changed, matches = changed_segments(matcher, latest.texts)
        if speaker_terms:
            changed, matches = with_speaker_terms(
                transcription,
                latest.texts,
                lambda: document_snapshot(doc=TRANSCRIPT_DOCUMENT, parent=transcription).json,
                changed,
                matches,
            )
        if not changed:
            return None
        result = document_save_version(
            doc=TRANSCRIPT_DOCUMENT,
            parent=transcription,
            user=user,
            based_on_version_number=latest.number,
            segments_text=changed,
        )
        activity_record(
            user=user,
            action="dictionary.apply",
            target=transcription,
            project_id=transcription.audio_file.project_id,
            details={
                "version": result.label,
                "version_number": result.number,
                "segments": len(changed),
                "occurrences": len(matches),
                "terms": sorted({f"{m.term_original} → {m.term_corrected}" for m in matches})[:50],
                "reason": reason,
            },
        )
        glossary_record_usage(corrections=[m.as_correction("en") for m in matches])
    return AppliedRow(
        key=f"transcript:{transcription.pk}",
        kind="English transcript",
        title=transcription.audio_file.file_name,
        version_label=result.label,
        segments=len(changed),
    )


# --- the translation start page's "apply to the English first" -----------------------------


@dataclass(frozen=True)
class EnglishPending:
    """English glossary corrections the final English still lacks (the translate job
    translates the English as it is, so they reach no translation unless applied first)."""

    segments: int
    occurrences: int
    terms: list[tuple[str, str, int]]  # (original, corrected, occurrences)
    final_label: str


def _english_matcher() -> Matcher:
    from glossary.registry import matcher_for

    return matcher_for("en")


def english_pending(transcription: Transcription) -> EnglishPending | None:
    """What the English glossary would change in the transcript's final version (the
    general entries, and each speaker's own entries in that speaker's segments), or None."""
    from documents.selectors import version_content

    final = transcription.final_version
    if final is None:
        return None
    text = final.edited_text or ""
    matches = changes_in(_english_matcher(), text)
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    lines = {bisect.bisect_right(starts, m.start) - 1 for m in matches}
    spoken, spoken_matches = with_speaker_terms(
        transcription, text.split("\n"), lambda: version_content(final)[1], {}, []
    )
    lines |= set(spoken)
    matches += spoken_matches
    if not matches:
        return None
    counts: dict[tuple[str, str], int] = {}
    for m in matches:
        counts[(m.term_original, m.term_corrected)] = (
            counts.get((m.term_original, m.term_corrected), 0) + 1
        )
    return EnglishPending(
        segments=len(lines),
        occurrences=len(matches),
        terms=sorted(((o, c, n) for (o, c), n in counts.items()), key=lambda t: -t[2]),
        final_label=final.version_type,
    )


def english_apply_first(*, transcription: Transcription, user) -> AppliedRow | None:
    """The start page's one click: the English glossary's corrections written into the
    English final as a new final version, before anything is translated from it."""
    return apply_to_transcript(
        transcription=transcription,
        matcher=_english_matcher(),
        user=user,
        reason="apply to the English before translating",
        speaker_terms=True,
    )


register_impact_provider(TranslationImpact())


# --- term consistency across lectures ---------------------------------------------------------


def term_consistency(concepts) -> dict[str, list[ConsistencyLecture]]:
    """For each termbase concept with renderings: per lecture and language, how many of
    the segments whose English has the term use the termbase's rendering. Reads every
    translation's newest text and the English it was made from in one query."""
    from translations.terms import contains_term

    wanted = [c for c in concepts if c.renderings]
    if not wanted:
        return {}
    spellings, seen = [], set()
    for concept in wanted:
        for name in concept.spellings:
            if name.casefold() not in seen:  # one concept per spelling (the matcher's rule)
                seen.add(name.casefold())
                spellings.append((concept.key, name, name))
    english = Matcher(spellings)
    boundaries = dict(Language.objects.values_list("code", "word_boundaries"))
    codes = sorted({code for c in wanted for code in c.renderings})
    latest = TranslationVersion.objects.filter(translation=OuterRef("pk")).order_by(
        "-version_number"
    )
    rows = (
        Translation.objects.filter(
            language_code__in=codes, transcription__archived=False, source_version__isnull=False
        )
        .annotate(latest_text=Subquery(latest.values("edited_text")[:1]))
        .order_by("transcription__audio_file__file_name", "transcription_id", "language_code")
        .values(
            "pk",
            "language_code",
            "translated_text",
            "latest_text",
            "transcription_id",
            "transcription__audio_file__file_name",
            "source_version__edited_text",
        )
    )
    by_key = {c.key: c for c in wanted}
    lectures: dict[str, dict[Any, ConsistencyLecture]] = {}
    for row in rows:
        source_lines = (row["source_version__edited_text"] or "").split("\n")
        target_lines = (row["latest_text"] or row["translated_text"] or "").split("\n")
        code = row["language_code"]
        counts: dict[str, list[int]] = {}
        for index, line in enumerate(source_lines):
            keys = {m.entry_id for m in english.find(line)}
            target = target_lines[index] if index < len(target_lines) else ""
            for key in keys:
                entry = by_key[key].renderings.get(code)
                if entry is None:
                    continue
                pair = counts.setdefault(key, [0, 0])
                pair[0] += 1
                if contains_term(
                    target, entry.term_corrected, word_boundaries=boundaries.get(code, True)
                ):
                    pair[1] += 1
        for key, (with_term, with_rendering) in counts.items():
            lecture = lectures.setdefault(key, {}).setdefault(
                row["transcription_id"],
                ConsistencyLecture(
                    row["transcription__audio_file__file_name"],
                    reverse("translations:overview", args=[row["transcription_id"]]),
                    {},
                ),
            )
            lecture.cells[code] = ConsistencyCell(with_term, with_rendering)
    return {key: list(found.values()) for key, found in lectures.items()}


register_consistency_provider(term_consistency)
