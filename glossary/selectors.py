"""Reads of the dictionary: where its entries occur in a text, and its terms for prompts.

Called by other apps (keep these names and signatures):

    glossary_find(text=, language_code=) -> [Match]            # no side effects
    glossary_terms(language_code=) -> [(original, corrected)]   # active entries
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from glossary.matcher import Match, Matcher
from glossary.models import DictionaryEntry
from glossary.registry import matcher_for


def glossary_find(*, text: str, language_code: str) -> list[Match]:
    """Where the language's active entries occur in `text` (for the editor's suggestions).

    Each `Match` has `start`/`end` (into `text`), `text` (as written there),
    `replacement` (the correction in the matched text's case), `term_original`,
    `term_corrected`, `entry_id` and `canonical`. Nothing is written.
    """
    return matcher_for(language_code).find(text)


def glossary_terms(*, language_code: str) -> list[tuple[str, str]]:
    """The language's active entries as (original, corrected), most used first: what
    prompts and transcription vocabularies are built from."""
    return list(
        DictionaryEntry.objects.filter(language_code=language_code, archived=False)
        .order_by("-usage_count", "term_original")
        .values_list("term_original", "term_corrected")
    )


def glossary_speaker_matchers(
    *, language_code: str, speaker_ids: Iterable[Any]
) -> dict[Any, Matcher]:
    """The active entries limited to each of these speakers (the seed's speaker-specific
    terms), as one small matcher per speaker that has any: applied only to that speaker's
    segments. Speaker terms are few, so they are built per call (one query)."""
    wanted = {str(i) for i in speaker_ids if i is not None}
    if not wanted:
        return {}
    rows = (
        DictionaryEntry.objects.filter(
            language_code=language_code, archived=False, speaker_id__in=wanted
        )
        .order_by("created_at", "pk")
        .values_list("speaker_id", "pk", "term_original", "term_corrected")
    )
    by_speaker: dict[str, list[tuple[str, str, str]]] = {}
    for speaker_id, pk, original, corrected in rows:
        by_speaker.setdefault(str(speaker_id), []).append((str(pk), original, corrected))
    return {speaker: Matcher(terms) for speaker, terms in by_speaker.items()}


def glossary_speaker_matchers_by_label(
    *, language_code: str, scope: dict[str, Any]
) -> dict[str, Matcher]:
    """Like `glossary_speaker_matchers`, for the speakers of one document (`scope` filters
    the entries, e.g. {"speaker__transcription_id": …}), keyed by speaker label. One query."""
    rows = (
        DictionaryEntry.objects.filter(
            language_code=language_code, archived=False, speaker__archived=False, **scope
        )
        .order_by("created_at", "pk")
        .values_list("speaker__label", "pk", "term_original", "term_corrected")
    )
    by_label: dict[str, list[tuple[str, str, str]]] = {}
    for label, pk, original, corrected in rows:
        by_label.setdefault(str(label), []).append((str(pk), original, corrected))
    return {label: Matcher(terms) for label, terms in by_label.items()}
