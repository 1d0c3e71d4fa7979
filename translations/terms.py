"""The glossary as translations use it: the two dictionary passes, the terms handed to the
translator, and the consistency report.

Linking an English term to a target-language term
-------------------------------------------------
A target-language entry names the English term it renders in its own column,
`dictionary.source_term` (the termbase: one English concept, its rendering per
language). The English term the link stands for is the English entry's corrected term
when `source_term` names an English entry's original or corrected term
(case-insensitive), else `source_term` itself. Example: the es entry "faceta" →
"carilla" with source_term "veneers". (The old convention, a context reading
`en: <term>`, survives only in the migration that filled the column.)

A linked entry does two things: while translating, the pair (English term → the
entry's corrected term) goes into the prompt of every batch whose English contains the
term; in the report, a segment whose English contains the term but whose current
translation does not contain the entry's corrected term is listed as *missing*.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from glossary.models import DictionaryEntry

# Unlinked target-language entries handed to every batch, at most (prompt size).
UNLINKED_PROMPT_LIMIT = 200


# --- matching ---------------------------------------------------------------------------


def _is_word_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LMN"


def find_term(text: str, term: str, *, word_boundaries: bool = True) -> list[tuple[int, int]]:
    """Where `term` occurs in `text`: case-insensitive, whole words unless the language
    is written without spaces (the same rule the dictionary uses)."""
    folded_text, folded_term = text.casefold(), term.casefold()
    if not folded_term or len(folded_text) != len(text):
        # Case folding changed lengths (ß → ss): fall back to lower(), which keeps them.
        folded_text, folded_term = text.lower(), term.lower()
    found, start = [], 0
    while True:
        index = folded_text.find(folded_term, start)
        if index < 0:
            return found
        end = index + len(folded_term)
        if not word_boundaries or (
            (index == 0 or not _is_word_char(text[index - 1]))
            and (end == len(text) or not _is_word_char(text[end]))
        ):
            found.append((index, end))
            start = end
        else:
            start = index + 1


def contains_term(text: str, term: str, *, word_boundaries: bool = True) -> bool:
    return bool(find_term(text, term, word_boundaries=word_boundaries))


# --- the two passes ---------------------------------------------------------------------


@dataclass
class PassResult:
    texts: list[str]
    corrections: list[dict[str, Any]]


def apply_pass(
    texts: Sequence[str],
    *,
    language_code: str,
    label: str,
    segment_ids: Sequence[int],
    segment_speakers: Sequence[Any] | None = None,
) -> PassResult:
    """Apply one language's dictionary to the segments, as one text (one pass).

    Each correction is recorded as the dictionary reports it (term_original,
    term_corrected, position [start, end] in the text this pass read, i.e. the segments
    joined by newlines, language_code), plus the segment it fell in and the label of the
    machine text it belongs to. Usage is not counted here: the job counts it when the
    translation is stored, so a failed job leaves the dictionary untouched.
    """
    result = _general_pass(texts, language_code=language_code, label=label, segment_ids=segment_ids)
    if segment_speakers:
        result = _speaker_pass(result, language_code, label, segment_ids, segment_speakers)
    return result


def _speaker_pass(result, language_code, label, segment_ids, segment_speakers) -> PassResult:
    """A speaker's own terms (glossary entries limited to one speaker), applied to that
    speaker's segments only, after the language's general terms."""
    from glossary.selectors import glossary_speaker_matchers

    matchers = glossary_speaker_matchers(
        language_code=language_code, speaker_ids=set(segment_speakers)
    )
    if not matchers:
        return result
    texts = list(result.texts)
    corrections = list(result.corrections)
    starts = _line_starts(texts)
    for index, speaker in enumerate(segment_speakers):
        matcher = matchers.get(str(speaker)) if speaker is not None else None
        if matcher is None:
            continue
        new_text, matches = matcher.apply(texts[index])
        for match in matches:
            found = match.as_correction(language_code)
            start, end = found["position"]
            shifted = {**found, "position": [start + starts[index], end + starts[index]]}
            corrections.append(_tag(shifted, language_code, label, segment_ids[index]))
        texts[index] = new_text
    return PassResult(texts, corrections)


def _general_pass(texts, *, language_code, label, segment_ids) -> PassResult:
    from glossary.services import glossary_apply

    joined = "\n".join(texts)
    new_text, corrections = glossary_apply(
        text=joined, language_code=language_code, record_usage=False
    )
    new_texts = new_text.split("\n")
    if len(new_texts) != len(texts):
        # A replacement spanned a line break: apply segment by segment instead.
        return _apply_per_segment(texts, language_code, label, segment_ids)
    starts = _line_starts(texts)
    return PassResult(
        new_texts,
        [_tag(c, language_code, label, segment_ids[_segment_at(starts, c)]) for c in corrections],
    )


def _apply_per_segment(texts, language_code, label, segment_ids) -> PassResult:
    from glossary.services import glossary_apply

    starts = _line_starts(texts)
    new_texts, corrections = [], []
    for index, text in enumerate(texts):
        new_text, found = glossary_apply(text=text, language_code=language_code, record_usage=False)
        new_texts.append(new_text)
        for correction in found:
            start, end = correction["position"]
            shifted = {**correction, "position": [start + starts[index], end + starts[index]]}
            corrections.append(_tag(shifted, language_code, label, segment_ids[index]))
    return PassResult(new_texts, corrections)


def _line_starts(texts: Sequence[str]) -> list[int]:
    starts, offset = [], 0
    for text in texts:
        starts.append(offset)
        offset += len(text) + 1
    return starts


def _segment_at(starts: list[int], correction: dict[str, Any]) -> int:
    return max(0, bisect.bisect_right(starts, correction["position"][0]) - 1)


def _tag(correction: dict[str, Any], language_code: str, label: str, segment_id: int) -> dict:
    return {
        "term_original": correction["term_original"],
        "term_corrected": correction["term_corrected"],
        "position": list(correction["position"]),
        "language_code": correction.get("language_code") or language_code,
        "segment_id": segment_id,
        "version": label,
    }


# --- links and prompt terms ---------------------------------------------------------------


@dataclass(frozen=True)
class TermLink:
    english: str
    target_original: str
    target_corrected: str
    # Every English spelling that stands for the term (an en entry's original and
    # corrected), so an uncorrected English source still counts.
    names: tuple[str, ...] = ()

    def in_english(self, text: str) -> bool:
        return any(contains_term(text, name) for name in self.names or (self.english,))


@dataclass
class GlossaryForLanguage:
    english_terms: list[str]  # corrected en terms, kept consistent
    links: list[TermLink]
    unlinked: list[tuple[str, str]]  # target entries with no English term

    def for_batch(self, english_texts: Iterable[str]) -> list[tuple[str, str]]:
        """The (term, rendering) pairs for a batch: only terms its English contains."""
        index = WordIndex("\n".join(english_texts))
        pairs: list[tuple[str, str]] = []
        linked = set()
        for link in self.links:
            if any(index.has(name) for name in link.names or (link.english,)):
                pairs.append((link.english, link.target_corrected))
                linked.add(link.english.casefold())
        for term in self.english_terms:
            if term.casefold() not in linked and index.has(term):
                pairs.append((term, term))
        return pairs + self.unlinked[:UNLINKED_PROMPT_LIMIT]


class WordIndex:
    """Which word sequences a text contains, case-insensitively: a set lookup per term
    instead of a scan of the text per term (thousands of terms, every batch).

    Words are runs of letters, marks and digits, so "ortho-dontic" and "ortho dontic"
    look alike here: good enough to choose prompt hints, never used to change text.
    """

    MAX_WORDS = 6

    def __init__(self, text: str):
        words = _tokens(text)
        self.grams: set[str] = set()
        for n in range(1, self.MAX_WORDS + 1):
            for i in range(len(words) - n + 1):
                self.grams.add(" ".join(words[i : i + n]))

    def has(self, term: str) -> bool:
        return _term_key(term) in self.grams


_WORD = re.compile(r"[^\W_]+")


def _tokens(text: str) -> list[str]:
    # English side only (prompt hints): \w's letters and digits are the word characters.
    return _WORD.findall(text.casefold())


@functools.lru_cache(maxsize=50_000)
def _term_key(term: str) -> str:
    # Terms repeat in every batch and job; their key never changes.
    return " ".join(_tokens(term))


def glossary_for_language(language_code: str) -> GlossaryForLanguage:
    entries = list(
        DictionaryEntry.objects.active()
        .filter(language_code__in=["en", language_code])
        .order_by("-usage_count", "term_original")
        .values_list("language_code", "term_original", "term_corrected", "source_term")
    )
    english = [e for e in entries if e[0] == "en"]
    by_name: dict[str, str] = {}
    names: dict[str, list[str]] = {}
    for _, original, corrected, _ in english:
        by_name.setdefault(original.casefold(), corrected)
        by_name.setdefault(corrected.casefold(), corrected)
        spellings = names.setdefault(corrected, [corrected])
        if original not in spellings:
            spellings.append(original)
    links, unlinked = [], []
    for code, original, corrected, source_term in entries:
        if code != language_code or language_code == "en":
            continue
        term = _linked_term(source_term, by_name)
        if term:
            links.append(TermLink(term, original, corrected, tuple(names.get(term, [term]))))
        else:
            unlinked.append((original, corrected))
    english_terms = list(dict.fromkeys(corrected for _, _, corrected, _ in english))
    return GlossaryForLanguage(english_terms, links, unlinked)


def _linked_term(source_term: str | None, english: dict[str, str]) -> str | None:
    name = " ".join((source_term or "").split())
    if not name:
        return None
    return english.get(name.casefold(), name)


# --- the consistency report ---------------------------------------------------------------


@dataclass
class AppliedEntry:
    language_code: str
    term_original: str
    term_corrected: str
    segment_ids: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.segment_ids)

    @property
    def is_canonical(self) -> bool:
        return self.term_original == self.term_corrected


@dataclass(frozen=True)
class MissingTerm:
    segment_id: int
    english: str
    expected: str
    start: float | None
    english_text: str
    translated_text: str


@dataclass
class ConsistencyReport:
    label: str  # the machine text the applied entries belong to
    applied: list[AppliedEntry]
    missing: list[MissingTerm]
    linked_terms: int


def consistency_report(
    *,
    corrections: Sequence[dict[str, Any]],
    label: str,
    english_segments: Sequence[dict[str, Any]],
    translated_segments: Sequence[dict[str, Any]],
    language_code: str,
    word_boundaries: bool = True,
) -> ConsistencyReport:
    """Which entries the job applied where, and which linked terms the text now lacks.

    `corrections` are the machine text's recorded corrections (both passes); the
    missing-term check reads the *current* translation (human edits included), segment
    by segment, against the English source.
    """
    grouped: dict[tuple[str, str, str], AppliedEntry] = {}
    for c in corrections:
        if c.get("version", label) != label:
            continue
        key = (c["language_code"], c["term_original"], c["term_corrected"])
        entry = grouped.setdefault(key, AppliedEntry(*key))
        entry.segment_ids.append(c.get("segment_id"))
    applied = sorted(grouped.values(), key=lambda e: (e.language_code != "en", -e.count))

    glossary = glossary_for_language(language_code)
    translated = {s["id"]: s for s in translated_segments}
    missing = []
    for segment in english_segments:
        target = translated.get(segment["id"])
        if target is None:
            continue
        for link in glossary.links:
            if link.in_english(segment["text"]) and not contains_term(
                target["text"], link.target_corrected, word_boundaries=word_boundaries
            ):
                missing.append(
                    MissingTerm(
                        segment["id"],
                        link.english,
                        link.target_corrected,
                        segment.get("start"),
                        segment["text"],
                        target["text"],
                    )
                )
    return ConsistencyReport(label, applied, missing, len(glossary.links))
