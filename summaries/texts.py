"""Pure text work for summaries: filling templates, splitting long transcripts, word diffs,
the seed's diff_analysis numbers and the length/sentence checks. No database here."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

REQUIRED_PLACEHOLDER = "transcription_text"


def prompt_fill(content: str, transcription_text: str) -> str:
    """The template with the transcript where `{transcription_text}` stands.

    `{{` and `}}` become literal braces, as with str.format; the transcript itself is
    inserted verbatim (its braces are never interpreted). Validation (services) has
    already refused any other placeholder, conversion or format spec.
    """
    parts: list[str] = []
    for literal, field, _spec, _conversion in string.Formatter().parse(content):
        parts.append(literal)
        if field is not None:
            if field != REQUIRED_PLACEHOLDER:
                raise ValueError(f"Unknown placeholder {{{field}}}")
            parts.append(transcription_text)
    return "".join(parts)


# --- Splitting long transcripts ---------------------------------------------------------

# Coarsest first: paragraphs, lines (the transcript has one segment per line), sentences,
# words. A piece is only ever cut at the coarsest boundary that makes it fit.
_SPLIT_LEVELS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\n[ \t]*\n\s*"), "\n\n"),
    (re.compile(r"\n\s*"), "\n"),
    (re.compile(r"(?<=[.!?…。！？])\s+"), " "),
    (re.compile(r"\s+"), " "),
]


def _units(text: str, budget: int, level: int, sep: str) -> list[tuple[str, str]]:
    """(separator before it, unit) pairs, each unit at most `budget` characters."""
    if len(text) <= budget:
        return [(sep, text)]
    if level == len(_SPLIT_LEVELS):
        # One "word" longer than the whole budget (a pasted URL, unspaced script):
        # cut by characters, keeping every character.
        chunks = [text[i : i + budget] for i in range(0, len(text), budget)]
        return [(sep if i == 0 else "", chunk) for i, chunk in enumerate(chunks)]
    pattern, joiner = _SPLIT_LEVELS[level]
    parts = [p for p in pattern.split(text) if p.strip()]
    if len(parts) <= 1:
        return _units(text, budget, level + 1, sep)
    units: list[tuple[str, str]] = []
    for index, part in enumerate(parts):
        units.extend(_units(part.strip(), budget, level + 1, sep if index == 0 else joiner))
    return units


def split_for_budget(text: str, budget: int) -> list[str]:
    """Pieces of at most `budget` characters that together hold every word of `text`.

    Pieces break between paragraphs or transcript lines (segments) when they can, then
    between sentences, then between words; nothing is dropped.
    """
    if budget < 1:
        raise ValueError("budget must be positive")
    text = text.strip()
    if not text:
        return []
    pieces: list[str] = []
    current = ""
    for sep, unit in _units(text, budget, 0, ""):
        if current and len(current) + len(sep) + len(unit) <= budget:
            current += sep + unit
        else:
            if current:
                pieces.append(current)
            current = unit
    if current:
        pieces.append(current)
    return pieces


# --- Word-level diffs ------------------------------------------------------------------

# A token is a run of non-space characters plus the whitespace after it, so the pieces of
# a diff put back together give the text with its line breaks.
_TOKEN = re.compile(r"\S+\s*")


@dataclass(frozen=True)
class DiffPiece:
    """One run of a rendered diff: `op` is "equal", "delete" or "insert"."""

    op: str
    text: str


def _tokens(text: str) -> tuple[list[re.Match[str]], list[str]]:
    matches = list(_TOKEN.finditer(text))
    return matches, [m.group().rstrip() for m in matches]


def _span(text: str, matches: list[re.Match[str]], start: int, end: int) -> str:
    if start >= end:
        return ""
    return text[matches[start].start() : matches[end - 1].end()]


def _opcodes(original: str, edited: str):
    a_matches, a_words = _tokens(original)
    b_matches, b_words = _tokens(edited)
    # autojunk off: in a 500-word blog text, common words must not be treated as noise.
    matcher = SequenceMatcher(None, a_words, b_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        yield (
            tag,
            _span(original, a_matches, i1, i2),
            _span(edited, b_matches, j1, j2),
        )


def word_changes(original: str, edited: str) -> list[dict[str, str]]:
    """The seed's `changes`: [{"type": "replace"|"insert"|"delete", "original", "edited"}].

    Words are compared as whitespace-separated tokens (punctuation stays with its word),
    so changing only spacing or line breaks is not a change.
    """
    return [
        {"type": tag, "original": old.strip(), "edited": new.strip()}
        for tag, old, new in _opcodes(original, edited)
        if tag != "equal"
    ]


def diff_pieces(original: str, edited: str) -> list[DiffPiece]:
    """The edited text with deletions and insertions marked, for showing a diff."""
    pieces: list[DiffPiece] = []
    lead = re.match(r"\s*", edited).group()
    if lead:
        pieces.append(DiffPiece("equal", lead))
    for tag, old, new in _opcodes(original, edited):
        if tag == "equal":
            pieces.append(DiffPiece("equal", new))
            continue
        if old:
            # Keep the deleted run's words but not its trailing space, then one space
            # so it does not run into the inserted text.
            pieces.append(DiffPiece("delete", old.rstrip()))
            pieces.append(DiffPiece("equal", " " if new else old[len(old.rstrip()) :]))
        if new:
            pieces.append(DiffPiece("insert", new.rstrip()))
            pieces.append(DiffPiece("equal", new[len(new.rstrip()) :]))
    return [p for p in pieces if p.text]


def length_change_percent(original_length: int, edited_length: int) -> int | None:
    """(edited − original) / original × 100, rounded half away from zero to a whole number.

    Integer arithmetic, so the result is exact (245 → 198 characters gives −19, as in the
    seed's example; +0.5 % gives 1 and −0.5 % gives −1). None when the original is empty.
    """
    if original_length <= 0:
        return None
    numerator = abs(edited_length - original_length) * 100
    rounded = (2 * numerator + original_length) // (2 * original_length)
    return rounded if edited_length >= original_length else -rounded


def diff_analysis(
    original: str,
    edited: str,
    *,
    tone_changes: list[str] | None = None,
    structure_changes: list[str] | None = None,
) -> dict[str, Any]:
    """The seed's diff_analysis for one finalized summary.

    Lengths are characters (as the seed's LENGTH()). `additions`/`deletions` are the
    inserted and deleted word runs; replacements appear only in `changes`.
    """
    changes = word_changes(original, edited)
    return {
        "type": "summary",
        "original_length": len(original),
        "edited_length": len(edited),
        "length_change_percent": length_change_percent(len(original), len(edited)),
        "tone_changes": list(tone_changes or []),
        "structure_changes": list(structure_changes or []),
        "additions": [c["edited"] for c in changes if c["type"] == "insert"],
        "deletions": [c["original"] for c in changes if c["type"] == "delete"],
        "changes": changes,
    }


# --- Checks shown as warnings -------------------------------------------------------------

LINKEDIN_MAX_CHARS = 150
BLOG_MIN_WORDS, BLOG_MAX_WORDS = 300, 500
EMAIL_MAX_SENTENCES = 3

# A full stop after these is not the end of a sentence ("Dr. Soto" is the speaker).
_ABBREVIATIONS = re.compile(
    r"\b(?:Dr|Mr|Mrs|Ms|Prof|St|Sr|Jr|vs|etc|approx|Fig|No|e\.g|i\.e)\.", re.IGNORECASE
)
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s|$)")
_GREETING_MAX_WORDS = 6


def word_count(text: str) -> int:
    """Words that contain a letter or digit: markdown markers (#, -, *) are not words."""
    return sum(1 for token in text.split() if any(ch.isalnum() for ch in token))


def sentence_count(text: str) -> int:
    """Sentences ending in . ! ? or …, plus an unterminated last one.

    A short line with no sentence end at all ("Dear colleagues," / "Best regards,") is a
    greeting or sign-off, not a sentence. Abbreviations such as "Dr." do not end one.
    """
    count = 0
    for line in text.splitlines():
        line = _ABBREVIATIONS.sub(lambda m: m.group().replace(".", "\u2024"), line.strip())
        if not any(ch.isalnum() for ch in line):
            continue
        ends = list(_SENTENCE_END.finditer(line))
        if not ends and word_count(line) <= _GREETING_MAX_WORDS:
            continue
        count += len(ends)
        tail = line[ends[-1].end() :] if ends else line
        if any(ch.isalnum() for ch in tail):
            count += 1
    return count


def summary_warnings(summary_type: str, text: str) -> list[str]:
    """Checks from the prompt templates' own rules, shown to the editor as warnings."""
    text = text.strip()
    warnings: list[str] = []
    if summary_type == "linkedin" and len(text) > LINKEDIN_MAX_CHARS:
        warnings.append(
            f"The LinkedIn post is {len(text)} characters long; "
            f"it should be at most {LINKEDIN_MAX_CHARS}."
        )
    elif summary_type == "blog":
        words = word_count(text)
        if not BLOG_MIN_WORDS <= words <= BLOG_MAX_WORDS:
            warnings.append(
                f"The blog excerpt has {words} words; it should have "
                f"{BLOG_MIN_WORDS}–{BLOG_MAX_WORDS}."
            )
    elif summary_type == "email":
        sentences = sentence_count(text)
        if sentences > EMAIL_MAX_SENTENCES:
            warnings.append(
                f"The email has {sentences} sentences; it should have at most "
                f"{EMAIL_MAX_SENTENCES}."
            )
    return warnings
