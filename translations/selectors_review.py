"""Review reads: each segment's state and QA issues, progress and QA summaries, memory
suggestions (DESIGN.md "Translation review")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from documents.text import document_segments
from integrations.llm_offline import offline_translation_label
from languages.models import Language
from translations import qa
from translations.memory import document_matches
from translations.models import Translation
from translations.selectors import source_segments, translation_changed_english
from translations.terms import glossary_for_language

MACHINE, NEEDS_REVIEW, REVIEWED = "machine", "needs_review", "reviewed"


def stored_state(segment: dict[str, Any]) -> str:
    state = segment.get("state")
    return state if state in (MACHINE, NEEDS_REVIEW, REVIEWED) else MACHINE


def term_finder(language_code: str) -> qa.TermFinder:
    """The glossary's English → target term pairs (translations.terms) for the QA check."""
    glossary = glossary_for_language(language_code)
    return qa.TermFinder(
        [
            qa.TermPair(tuple(link.names or (link.english,)), link.english, link.target_corrected)
            for link in glossary.links
        ]
    )


_finders: dict[str, tuple[Any, qa.TermFinder]] = {}


def term_finders(codes: list[str]) -> dict[str, qa.TermFinder]:
    """Each language's term finder, rebuilt only when its or the English glossary changed
    (one query for all languages: a page of eight languages stays at a fixed query count)."""
    from django.db.models import Count, Max

    from glossary.models import DictionaryEntry

    stamps = {
        row["language_code"]: (row["n"], row["at"])
        for row in DictionaryEntry.objects.filter(language_code__in=["en", *codes])
        .order_by()
        .values("language_code")
        .annotate(n=Count("pk"), at=Max("updated_at"))
    }
    result = {}
    for code in codes:
        stamp = (stamps.get("en"), stamps.get(code))
        cached = _finders.get(code)
        if cached is None or cached[0] != stamp:
            cached = _finders[code] = (stamp, term_finder(code))
        result[code] = cached[1]
    return result


def attach_review(rows: list[Any]) -> None:
    """The overview's rows get `review` (ReviewProgress of the latest text, or None)."""
    for row in rows:
        row.review = None
        if row.translation is None:
            continue
        latest = row.latest
        row.review = review_progress(
            row.translation,
            (latest or row.translation).json_with_timestamps,
            latest.edited_text if latest else row.translation.translated_text,
            language=row.language,
            # The overview leaves glossary terms to the term consistency page: its query
            # count stays fixed however many languages (the review page checks them).
            glossary=False,
        )


def _language(code: str) -> Language | None:
    return Language.objects.filter(code=code).first()


def qa_issues(
    translation: Translation,
    data: dict[str, Any] | None,
    texts: list[str],
    *,
    language: Language | None = None,
    finder: qa.TermFinder | None = None,
    glossary: bool = True,
) -> dict[int, list[qa.Issue]]:
    """QA issues by segment index of a translation text (its JSON and segment texts)."""
    if translation.source_version is None:
        return {}
    language = language or _language(translation.language_code)
    english = {seg["id"]: seg["text"] for seg in source_segments(translation.source_version)}
    segments = document_segments(data, "\n".join(texts))
    return qa.document_issues(
        english,
        segments,
        language_code=translation.language_code,
        finder=(
            finder
            if finder is not None or not glossary
            else term_finders([translation.language_code])[translation.language_code]
        ),
        chars_per_second=language.caption_chars_per_second if language else None,
        placeholder_label=offline_translation_label(translation.language_code),
        word_boundaries=language.word_boundaries if language else True,
    )


@dataclass
class ReviewProgress:
    reviewed: int
    needs_review: int
    total: int  # segments with text
    qa: dict[str, Any]


def review_states(translation: Translation, segments: list[dict[str, Any]]) -> list[str]:
    """Each segment's state: as stored, but `needs_review` where the English changed since
    the translation was made."""
    changed = translation_changed_english(translation) if translation.is_outdated else {}
    return [
        NEEDS_REVIEW if int(seg.get("id", i)) in changed else stored_state(seg)
        for i, seg in enumerate(segments)
    ]


def review_progress(
    translation: Translation,
    data: dict[str, Any] | None,
    text: str,
    *,
    language: Language | None = None,
    finder: qa.TermFinder | None = None,
    glossary: bool = True,
) -> ReviewProgress:
    segments = document_segments(data, text)
    states = review_states(translation, segments)
    issues = qa_issues(
        translation,
        data,
        [str(s.get("text") or "") for s in segments],
        language=language,
        finder=finder,
        glossary=glossary,
    )
    with_text = [i for i, s in enumerate(segments) if str(s.get("text") or "").strip()]
    return ReviewProgress(
        reviewed=sum(1 for i in with_text if states[i] == REVIEWED),
        needs_review=sum(1 for i in with_text if states[i] == NEEDS_REVIEW),
        total=len(with_text),
        qa=qa.summary(issues.values()),
    )


def review_marks(translation: Translation, data: dict[str, Any] | None, text: str) -> dict:
    """What the review page marks on each segment: state and QA issues (by position), the
    counts for the filters and the QA summary."""
    segments = document_segments(data, text)
    states = review_states(translation, segments)
    issues = qa_issues(translation, data, [str(s.get("text") or "") for s in segments])
    return {
        "segments": [
            {
                "i": i,
                "id": int(seg.get("id", i)),
                "state": states[i],
                "qa": [issue.as_json() for issue in issues.get(i, [])],
            }
            for i, seg in enumerate(segments)
        ],
        "reviewed": sum(1 for s in states if s == REVIEWED),
        "needs_review": sum(1 for s in states if s == NEEDS_REVIEW),
        "total": len(segments),
        "qa": qa.summary(issues.values()),
    }


def memory_suggestions(translation: Translation, segments: list[dict[str, Any]]) -> dict:
    """Memory matches for every segment's English (by position), best first."""
    if translation.source_version is None:
        return {"segments": {}}
    english = {seg["id"]: seg["text"] for seg in source_segments(translation.source_version)}
    texts = [english.get(int(seg.get("id", i)), "") for i, seg in enumerate(segments)]
    matches = document_matches(texts, target_language=translation.language_code)
    result = {}
    for i, found in matches.items():
        # A suggestion equal to the text the segment already has helps nobody.
        useful = [m.as_json() for m in found if m.target_text != str(segments[i].get("text"))]
        if useful:
            result[str(i)] = useful
    return {"segments": result}
