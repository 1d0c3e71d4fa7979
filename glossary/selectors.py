"""Reads of the dictionary: where its entries occur in a text, and its terms for prompts.

Called by other apps (keep these names and signatures):

    glossary_find(text=, language_code=) -> [Match]            # no side effects
    glossary_terms(language_code=) -> [(original, corrected)]   # active entries
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
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


# --- the termbase: English concepts and their renderings ----------------------------------


@dataclass
class Concept:
    """One English term and its rendering per language (target entries naming it in
    `source_term`). `entry` is the English entry, None when only target entries name it."""

    term: str
    spellings: list[str]  # every English spelling that stands for it (wrong ones too)
    entry: DictionaryEntry | None = None
    renderings: dict[str, DictionaryEntry] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.term.casefold()


def termbase_concepts(*, q: str = "") -> list[Concept]:
    """Every English concept with its renderings, sorted by term: two queries however large
    the glossary. `q` keeps concepts whose term or any rendering contains it."""
    concepts: dict[str, Concept] = {}
    by_name: dict[str, Concept] = {}
    english = (
        DictionaryEntry.objects.filter(archived=False, language_code="en", speaker__isnull=True)
        .order_by("created_at", "pk")
        .only("pk", "term_original", "term_corrected", "language_code", "updated_at")
    )
    for entry in english:
        concept = concepts.get(entry.term_corrected.casefold())
        if concept is None:
            concept = Concept(entry.term_corrected, [entry.term_corrected], entry)
            concepts[concept.key] = concept
        if entry.term_original not in concept.spellings:
            concept.spellings.append(entry.term_original)
        if entry.is_canonical or concept.entry is None:
            concept.entry = entry
    for concept in concepts.values():
        for name in concept.spellings:
            by_name.setdefault(name.casefold(), concept)
    targets = (
        DictionaryEntry.objects.filter(
            archived=False, speaker__isnull=True, source_term__isnull=False
        )
        .exclude(language_code="en")
        .order_by("created_at", "pk")
        .only(
            "pk",
            "term_original",
            "term_corrected",
            "language_code",
            "source_term",
            "updated_at",
        )
    )
    for entry in targets:
        name = " ".join((entry.source_term or "").split())
        if not name:
            continue
        concept = by_name.get(name.casefold())
        if concept is None:
            concept = Concept(name, [name])
            concepts[concept.key] = by_name[name.casefold()] = concept
        # The first entry of a language wins a cell; a canonical one (the term itself) first.
        current = concept.renderings.get(entry.language_code)
        if current is None or (entry.is_canonical and not current.is_canonical):
            concept.renderings[entry.language_code] = entry
    rows = sorted(concepts.values(), key=lambda c: c.key)
    if q := " ".join(q.split()).casefold():
        rows = [
            c
            for c in rows
            if any(q in s.casefold() for s in c.spellings)
            or any(
                q in e.term_corrected.casefold() or q in e.term_original.casefold()
                for e in c.renderings.values()
            )
        ]
    return rows


def termbase_concept(term: str) -> Concept | None:
    """The concept an English term (any spelling) stands for, or None."""
    wanted = " ".join(term.split()).casefold()
    for concept in termbase_concepts():
        if wanted in {s.casefold() for s in concept.spellings}:
            return concept
    return None
