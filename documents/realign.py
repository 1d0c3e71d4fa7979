"""Word timings carried through edits: every word keeps a start and end inside its segment."""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Any

from documents.text import document_segments, normalize_text

# ---------------------------------------------------------------------------------------------
# Word timings through edits
# ---------------------------------------------------------------------------------------------


def _token_key(token: str) -> str:
    """What makes two words "the same word": case and surrounding punctuation do not count."""
    core = "".join(ch for ch in token if unicodedata.category(ch)[0] in "LMN")
    return (core or token).casefold()


def _round(value: float, lo: float, hi: float) -> float:
    return min(max(round(value, 3), lo), hi)


def _spread(count: int, lo: float | None, hi: float | None) -> list[tuple[Any, Any]]:
    """`count` equal slices of [lo, hi]; the first starts exactly at lo, the last ends at hi."""
    if lo is None or hi is None:
        return [(lo, hi)] * count
    hi = max(hi, lo)
    step = (hi - lo) / count
    slices = []
    for k in range(count):
        start = lo if k == 0 else _round(lo + step * k, lo, hi)
        end = hi if k == count - 1 else _round(lo + step * (k + 1), lo, hi)
        slices.append((start, end))
    return slices


# Shortest time a realigned word may get. Whisper's own words are rarely under 50 ms; a
# change with less room than this per word borrows the span of an unchanged neighbour
# (see `realign_words`), so a rewrite never leaves words of zero length stacked at one
# instant.
MIN_WORD_SECONDS = 0.01


def _word_times(word: dict) -> tuple[Any, Any]:
    return word.get("start"), word.get("end")


def _is_timed(word: dict) -> bool:
    start, end = _word_times(word)
    return isinstance(start, int | float) and isinstance(end, int | float) and end >= start


def _carried_over(old_word: dict | None, token: str, start: Any, end: Any) -> dict:
    """The new word dict. An engine's confidence (`probability`) only describes the word it
    heard: a word a human typed or changed is certain, so it carries none."""
    if old_word is None:
        return {"word": token, "start": start, "end": end}
    kept = {k: v for k, v in old_word.items() if k not in ("word", "start", "end")}
    if str(old_word.get("word", "")).strip() != token:
        kept.pop("probability", None)
    return {"word": token, "start": start, "end": end, **kept}


def realign_words(
    old_words: Sequence[dict], new_text: str, seg_start: float | None, seg_end: float | None
) -> list[dict]:
    """Timed words for a segment's new text, from its old timed words.

    A word-level diff (common prefix and suffix first, then difflib on the middle) finds the
    words that stayed; those with times are anchors and keep their exact times. Between two
    anchors (or an anchor and the segment's edge) the new words of a change share the span
    of the old words they replace, split evenly; inserted words with no old words under them
    are spread over the gap between their neighbours. A change whose span leaves less than
    `MIN_WORD_SECONDS` per word (an insertion between two words that touch, a rewrite that
    happens to reuse the segment's first word at its end) takes in its neighbouring anchor
    and shares that word's span too, until it has room or the change covers the segment.
    Old words without times are not anchors, so a segment whose words were never timed
    gets its new words spread over the segment. Segment start and end are the caller's and
    never move.
    """
    tokens = new_text.split()
    if not tokens:
        return []
    old = [w for w in old_words if str(w.get("word", "")).strip()]
    a = [_token_key(str(w["word"]).strip()) for w in old]
    b = [_token_key(t) for t in tokens]
    la, lb = len(a), len(b)

    prefix = 0
    while prefix < min(la, lb) and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(la, lb) - prefix and a[la - 1 - suffix] == b[lb - 1 - suffix]:
        suffix += 1

    # matched[j]: the old word new word j is (same word, case and punctuation aside)
    matched: list[int | None] = [None] * lb
    for k in range(prefix):
        matched[k] = k
    for k in range(suffix):
        matched[lb - 1 - k] = la - 1 - k
    middle = SequenceMatcher(None, a[prefix : la - suffix], b[prefix : lb - suffix], autojunk=False)
    for tag, i1, i2, j1, _j2 in middle.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                matched[prefix + j1 + k] = prefix + i1 + k

    timed_old = [w for w in old if _is_timed(w)]
    edge_lo = seg_start if seg_start is not None else (timed_old[0]["start"] if timed_old else None)
    edge_hi = seg_end if seg_end is not None else (timed_old[-1]["end"] if timed_old else None)

    def span(left: int | None, right: int | None) -> tuple[Any, Any]:
        """Where the new words strictly between anchors `left` and `right` (new indexes,
        None = the segment's edge) may go: the old words they replace, else the gap."""
        i_left = matched[left] if left is not None else -1
        i_right = matched[right] if right is not None else la
        gap_lo = old[i_left]["end"] if left is not None else edge_lo
        gap_hi = old[i_right]["start"] if right is not None else edge_hi
        if gap_lo is None or gap_hi is None:
            return gap_lo, gap_hi
        if seg_start is not None:
            gap_lo = max(gap_lo, seg_start)
        if seg_end is not None:
            gap_hi = min(gap_hi, seg_end)
        under = [w for w in old[i_left + 1 : i_right] if _is_timed(w)]
        if under:
            lo, hi = max(under[0]["start"], gap_lo), min(under[-1]["end"], gap_hi)
            if hi - lo >= MIN_WORD_SECONDS * max(1, count_between(left, right)) - 1e-9:
                return lo, hi
        return gap_lo, gap_hi

    def count_between(left: int | None, right: int | None) -> int:
        return (right if right is not None else lb) - (left + 1 if left is not None else 0)

    def has_room(left: int | None, right: int | None) -> bool:
        count = count_between(left, right)
        if count == 0:
            return True
        lo, hi = span(left, right)
        if lo is None or hi is None:
            return True  # untimed: nothing to make room with
        return hi - lo >= MIN_WORD_SECONDS * count - 1e-9

    def duration(j: int) -> float:
        start, end = _word_times(old[matched[j]])  # type: ignore[index]
        return end - start

    anchors = [j for j in range(lb) if matched[j] is not None and _is_timed(old[matched[j]])]

    def cost(k: int, side: int) -> tuple[int, float]:
        """How bad it is to give up anchor k-1 (side -1) or k (side 0) for gap k: sharing a
        word that also borders another change moves that change too; else the longer word
        has more time to share."""
        index = k - 1 if side < 0 else k
        beyond = anchors[index - 1] if side < 0 and index > 0 else None
        if side >= 0:
            beyond = anchors[index + 1] if index + 1 < len(anchors) else None
        outer = (beyond, anchors[index]) if side < 0 else (anchors[index], beyond)
        return (1 if count_between(*outer) else 0, -duration(anchors[index]))

    # Walk the gaps between anchors; a gap without room takes in a neighbouring anchor and
    # is looked at again.
    k = 0
    while k <= len(anchors):
        left = anchors[k - 1] if k > 0 else None
        right = anchors[k] if k < len(anchors) else None
        if has_room(left, right) or (left is None and right is None):
            k += 1
            continue
        if right is None or (left is not None and cost(k, -1) <= cost(k, 0)):
            anchors.pop(k - 1)
            k -= 1
        else:
            anchors.pop(k)

    times: list[tuple[Any, Any]] = [(None, None)] * lb
    bounds = [None, *anchors, None]
    for left, right in itertools.pairwise(bounds):
        if right is not None:
            times[right] = _word_times(old[matched[right]])
        first = left + 1 if left is not None else 0
        last = right if right is not None else lb
        if last > first:
            lo, hi = span(left, right)
            times[first:last] = _spread(last - first, lo, hi)
    return [
        _carried_over(old[m] if m is not None else None, token, start, end)
        for token, m, (start, end) in zip(tokens, matched, times, strict=True)
    ]


def realign_document(old_json: dict | None, old_text: str, new_texts: Sequence[str]) -> dict | None:
    """The new version's JSON: changed segments realigned, unchanged ones kept as they were."""
    segments = document_segments(old_json, old_text)
    if len(segments) != len(new_texts):
        raise ValueError(f"Expected {len(segments)} segments, got {len(new_texts)}.")
    if not old_json:
        return None  # untimed documents stay untimed: the text is the whole truth
    return {
        **old_json,
        "segments": [
            realign_segment(seg, new) for seg, new in zip(segments, new_texts, strict=True)
        ],
    }


# Marks a segment whose text is an offline stand-in, not a real result (DESIGN.md "Trust
# comes first"); the first human edit of the segment removes it.
PLACEHOLDER_KEY = "placeholder"


def realign_segment(segment: dict, new_text: str) -> dict:
    """One segment with a new text: the same dict when the text is unchanged, else a copy
    with realigned words (start and end untouched) that is no longer a placeholder."""
    if normalize_text(segment.get("text")) == new_text:
        return segment if segment.get("text") == new_text else {**segment, "text": new_text}
    changed = {
        **segment,
        "text": new_text,
        "words": realign_words(
            segment.get("words") or [], new_text, segment.get("start"), segment.get("end")
        ),
    }
    changed.pop(PLACEHOLDER_KEY, None)
    return changed


def display_words(segment: dict) -> list[dict]:
    """Timed words that match the segment's text token for token (what the editor shows)."""
    text = normalize_text(segment.get("text"))
    words = segment.get("words") or []
    tokens = text.split()
    if len(words) == len(tokens) and all(
        str(w.get("word", "")).strip() == t for w, t in zip(words, tokens, strict=True)
    ):
        return words
    return realign_words(words, text, segment.get("start"), segment.get("end"))
