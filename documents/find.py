"""Find and replace across a document's segments."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from documents.text import normalize_text

# ---------------------------------------------------------------------------------------------
# Find and replace
# ---------------------------------------------------------------------------------------------


def _is_word_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LMN"


def find_matches(
    text: str, needle: str, *, match_case: bool = False, whole_words: bool = False
) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) spans of `needle` in `text`, left to right."""
    if not needle:
        return []
    pattern = re.compile(re.escape(needle), 0 if match_case else re.IGNORECASE)
    spans: list[tuple[int, int]] = []
    pos = 0
    while True:
        found = pattern.search(text, pos)
        if found is None:
            return spans
        start, end = found.span()
        if whole_words and (
            (start > 0 and _is_word_char(text[start - 1]))
            or (end < len(text) and _is_word_char(text[end]))
        ):
            pos = start + 1
            continue
        spans.append((start, end))
        pos = max(end, start + 1)


def replace_in_segments(
    texts: Sequence[str],
    find: str,
    replace: str,
    *,
    match_case: bool = False,
    whole_words: bool = False,
) -> tuple[dict[int, str], int]:
    """Replace every match in every segment: ({index: new text} for changed segments, count)."""
    find = normalize_text(find)
    replace = normalize_text(replace)
    changed: dict[int, str] = {}
    count = 0
    for index, text in enumerate(texts):
        spans = find_matches(text, find, match_case=match_case, whole_words=whole_words)
        if not spans:
            continue
        pieces, last = [], 0
        for start, end in spans:
            pieces.extend((text[last:start], replace))
            last = end
        pieces.append(text[last:])
        new = normalize_text("".join(pieces))
        count += len(spans)
        if new != text:
            changed[index] = new
    return changed, count
