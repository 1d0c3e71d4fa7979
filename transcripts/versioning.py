"""Versioned timed documents: the machinery behind the transcript editor, reused by translations.

Nothing here knows about Transcription or Translation. A document is a base text (T-1) plus
numbered immutable versions; its text is one line per segment, and segments carry word timings
in the seed's JSON shape ({"segments": [{"id", "start", "end", "text", "words": [{"word",
"start", "end"}]}], "metadata": {...}}). Untimed documents (a translation without JSON) are
just lines: each line is a segment without times.

Reuse API (how the translation review page plugs in — see also transcripts/views_editor.py):

1. Describe the document once with `VersionedDocument` (below): its version model, the name of
   the foreign key from version to parent, how to read the base text/JSON, how to label a
   version (`H-3`, `H-2-es`), the project of a parent (for the audit trail), its language,
   optional extra fields per new version (`version_fields("edit"|"restore"|"finalize")`) and
   an optional `after_save(parent, version, user)` hook that runs in the save transaction.
2. Writes go through the generic services in `transcripts.services`:
   `document_save_version(doc=, parent=, user=, based_on_version_number=, segments_text= | text=,
   keep_draft=False) -> SaveResult` (row lock, number = Max()+1, three-way merge of stale saves,
   realignment, diff record, audit; raises `SaveConflict` with the edits kept as a draft),
   `document_restore_version(...)`, `document_finalize(...)`, `document_replace_all(...)`;
   reads through `document_snapshot(...)` (latest / base 0 / version N), `document_history(...)`,
   `document_diff(...)`, `document_draft_state(...)`. Translations wrap them as
   `translation_save_version(...)` etc. Whether a translation is outdated:
   `transcripts.services.transcript_is_outdated_for(translation)`.
3. Drafts: `transcripts.drafts` (`draft_save/draft_get/draft_discard`, cache per
   (kind, document, user)); the `kind` is `doc.kind`.
4. Pages: subclass `transcripts.views_editor.DocumentEditor` (class attributes `doc`,
   `parent_model`, `namespace`, `name_prefix`, `template_dir`, `kind_label`; hooks
   `get_parent(pk, purpose=)`, `header_context`, `player_url`, `source_texts`, `direction`,
   `export_title`) and mount `urlpatterns()`: editor, save, autosave, draft discard, conflict,
   history, diff, restore, finalize, find/replace, add-to-dictionary, export. Templates under
   `transcripts/templates/transcripts/editor/` take their URLs from the context (`urls.*`) and
   can be extended (`{% extends "transcripts/editor/editor.html" %}`, blocks `editor_title`,
   `editor_side`); static/js/editor.js reads everything from data- attributes and the
   `editor-data` JSON, including an optional read-only `source` column.

The pure functions (realignment, diff record, three-way merge, find/replace, word diff) work on
plain lists and dicts and are what the property tests exercise.
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from diff_match_patch import diff_match_patch

# ---------------------------------------------------------------------------------------------
# The document description (what translations supply for their own models)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionedDocument:
    """How one parent model and its version model fit the generic machinery.

    The version model must have: `version_number` (int), `version_type` (label), `edited_text`,
    `json_with_timestamps` (nullable JSON), `diff_from_previous` (JSON text), `edited_by`,
    `created_at`, and a foreign key named `parent_field` to the parent. The parent must have a
    nullable `final_version` foreign key to the version model.
    """

    kind: str  # "transcript", "translation": cache keys, audit actions, CSS hooks
    version_model: type
    parent_field: str  # the version model's foreign key to its parent
    base_text: Callable[[Any], str]
    base_json: Callable[[Any], dict | None]
    base_label: Callable[[Any], str]  # "T-1", "T-1-es"
    version_label: Callable[[Any, int], str]  # (parent, number) -> "H-3", "H-2-es"
    project_id: Callable[[Any], Any]
    language_code: Callable[[Any], str]
    activity_prefix: str  # "transcription" -> "transcription.save_version"
    # A finalized document that is edited stays finalized at its newest text, so anything
    # made from the old final (translations) shows as outdated.
    edits_after_final_become_final: bool = True
    # Called inside the save transaction with (parent, new_version, user); for side effects
    # that must land with the version.
    after_save: Callable[[Any, Any, Any], None] | None = None
    # Extra fields for a new version row, given why it is made: "edit", "restore" or
    # "finalize" (e.g. translations' `origin` column).
    version_fields: Callable[[str], dict[str, Any]] | None = None
    # For a parent that can be archived: the live document that replaced it, if any (what a
    # refused write to the archived one points the editor at).
    live_document: Callable[[Any], Any] | None = None
    # Called with (parent, snapshot about to be finalized) under the parent's lock; raises
    # ValidationError to refuse (translations refuse offline placeholders).
    finalize_check: Callable[[Any, Any], None] | None = None


# ---------------------------------------------------------------------------------------------
# Segments and text
# ---------------------------------------------------------------------------------------------

BASE_VERSION = 0  # the number that stands for the machine text (T-1) in forms and URLs


def normalize_text(text: str | None) -> str:
    """One segment's text as stored: single spaces, no line breaks, no edge whitespace."""
    return " ".join((text or "").split())


def join_segments(texts: Sequence[str]) -> str:
    """A document's text is its segments, one per line."""
    return "\n".join(texts)


def split_lines(text: str) -> list[str]:
    return [normalize_text(line) for line in text.split("\n")] if text else []


def document_segments(json_with_timestamps: dict | None, text: str) -> list[dict]:
    """Segments of a document: from the timed JSON, or one untimed segment per line of text."""
    if json_with_timestamps and isinstance(json_with_timestamps.get("segments"), list):
        return json_with_timestamps["segments"]
    return [
        {"id": i, "start": None, "end": None, "text": line, "words": []}
        for i, line in enumerate(split_lines(text))
    ]


def segment_texts(json_with_timestamps: dict | None, text: str) -> list[str]:
    return [
        normalize_text(seg.get("text")) for seg in document_segments(json_with_timestamps, text)
    ]


def texts_from_version_text(edited_text: str, expected: int) -> list[str] | None:
    """A saved version's segment texts straight from its text (no JSON parse), if they line up."""
    lines = split_lines(edited_text)
    if expected == 0 and edited_text == "":
        return []
    return lines if len(lines) == expected else None


def parse_segment_fields(data: Mapping[str, Any], prefix: str = "seg-") -> dict[int, str]:
    """`seg-12` form fields → {12: text}. Unknown keys are ignored, bad indexes raise ValueError."""
    result: dict[int, str] = {}
    for key, value in data.items():
        if not key.startswith(prefix):
            continue
        index = key[len(prefix) :]
        if not index.isdigit():
            raise ValueError(f"“{key}” is not a segment field.")
        result[int(index)] = value if isinstance(value, str) else str(value)
    return result


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


# ---------------------------------------------------------------------------------------------
# diff_from_previous: operations plus a diff-match-patch patch
# ---------------------------------------------------------------------------------------------


def _dmp() -> diff_match_patch:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 2.0
    return dmp


def _append(diffs: list[tuple[int, str]], op: int, text: str) -> None:
    if not text:
        return
    if diffs and diffs[-1][0] == op:
        diffs[-1] = (op, diffs[-1][1] + text)
    else:
        diffs.append((op, text))


def text_diffs(
    old_text: str,
    new_text: str,
    *,
    old_segments: Sequence[str] | None = None,
    new_segments: Sequence[str] | None = None,
) -> list[tuple[int, str]]:
    """diff-match-patch diffs from old to new text.

    When both texts are their segments joined by newlines (every saved version is), the diff
    is built segment by segment: a three-hour transcript with a few edits diffs in
    milliseconds instead of running the bisection over 200 kB.
    """
    dmp = _dmp()
    aligned = (
        old_segments is not None
        and new_segments is not None
        and len(old_segments) == len(new_segments)
        and join_segments(old_segments) == old_text
        and join_segments(new_segments) == new_text
    )
    if not aligned:
        diffs = dmp.diff_main(old_text, new_text, True)
        dmp.diff_cleanupSemantic(diffs)
        return diffs
    diffs: list[tuple[int, str]] = []
    pending_equal: list[str] = []

    def flush() -> None:
        if pending_equal:
            _append(diffs, dmp.DIFF_EQUAL, "".join(pending_equal))
            pending_equal.clear()

    for index, (old, new) in enumerate(zip(old_segments, new_segments, strict=True)):
        if index:
            pending_equal.append("\n")
        if old == new:
            pending_equal.append(old)
            continue
        flush()
        piece = dmp.diff_main(old, new, False)
        dmp.diff_cleanupSemantic(piece)
        for op, text in piece:
            _append(diffs, op, text)
    flush()
    return diffs


def diff_operations(diffs: Sequence[tuple[int, str]]) -> list[dict[str, Any]]:
    """Operations in DESIGN.md's shape; `position` is an offset in the previous text."""
    operations: list[dict[str, Any]] = []
    position = 0
    i = 0
    while i < len(diffs):
        op, text = diffs[i]
        if op == diff_match_patch.DIFF_EQUAL:
            position += len(text)
            i += 1
            continue
        start, old, new = position, [], []
        while i < len(diffs) and diffs[i][0] != diff_match_patch.DIFF_EQUAL:
            op, text = diffs[i]
            if op == diff_match_patch.DIFF_DELETE:
                old.append(text)
                position += len(text)
            else:
                new.append(text)
            i += 1
        old_text, new_text = "".join(old), "".join(new)
        kind = "replace" if old_text and new_text else ("delete" if old_text else "insert")
        operations.append(
            {"operation": kind, "position": start, "old_text": old_text, "new_text": new_text}
        )
    return operations


def diff_record(
    old_text: str,
    new_text: str,
    *,
    user_id: Any,
    timestamp: str,
    old_segments: Sequence[str] | None = None,
    new_segments: Sequence[str] | None = None,
) -> dict[str, Any]:
    """`diff_from_previous` as DESIGN.md specifies it; `patch` rebuilds new from old."""
    diffs = text_diffs(old_text, new_text, old_segments=old_segments, new_segments=new_segments)
    dmp = _dmp()
    patches = dmp.patch_make(old_text, diffs)
    return {
        "user_id": str(user_id),
        "timestamp": timestamp,
        "operations": diff_operations(diffs),
        "patch": dmp.patch_toText(patches),
    }


def patch_rebuild(previous_text: str, patch_text: str) -> str:
    """Apply a stored patch to the previous version's text (raises if any hunk fails)."""
    dmp = _dmp()
    result, applied = dmp.patch_apply(dmp.patch_fromText(patch_text), previous_text)
    if not all(applied):
        raise ValueError("The patch does not apply to this text.")
    return result


@dataclass(frozen=True)
class ChangeSummary:
    """How much a version changed, for the history list."""

    changes: int
    chars_added: int
    chars_removed: int
    words_changed: int

    @property
    def is_empty(self) -> bool:
        return self.changes == 0


def change_summary(diff_from_previous: str | dict | None) -> ChangeSummary | None:
    if not diff_from_previous:
        return None
    data = (
        json.loads(diff_from_previous)
        if isinstance(diff_from_previous, str)
        else diff_from_previous
    )
    operations = data.get("operations") or []
    return ChangeSummary(
        changes=len(operations),
        chars_added=sum(len(op.get("new_text", "")) for op in operations),
        chars_removed=sum(len(op.get("old_text", "")) for op in operations),
        words_changed=sum(
            max(len(op.get("old_text", "").split()), len(op.get("new_text", "").split()), 1)
            for op in operations
        ),
    )


# ---------------------------------------------------------------------------------------------
# Three-way merge for stale saves
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    index: int
    base: str
    mine: str
    theirs: str


@dataclass
class MergeResult:
    texts: list[str]
    conflicts: list[Conflict] = field(default_factory=list)
    mine_changed: list[int] = field(default_factory=list)  # segments this save changes
    patched: list[int] = field(default_factory=list)  # overlapping edits merged by dmp

    @property
    def clean(self) -> bool:
        return not self.conflicts


def merge_text(base: str, mine: str, theirs: str) -> str | None:
    """Both edits of one segment, if diff-match-patch merges them cleanly either way round.

    Patching theirs with my change and mine with their change must both apply every hunk and
    agree; fuzzy matching that lands somewhere odd shows up as a disagreement.
    """
    dmp = _dmp()
    dmp.Match_Threshold = 0.3
    mine_on_theirs, ok1 = dmp.patch_apply(dmp.patch_make(base, mine), theirs)
    theirs_on_mine, ok2 = dmp.patch_apply(dmp.patch_make(base, theirs), mine)
    if all(ok1) and all(ok2) and mine_on_theirs == theirs_on_mine:
        return normalize_text(mine_on_theirs)
    return None


def merge_segments(
    base: Sequence[str], mine: Mapping[int, str], theirs: Sequence[str]
) -> MergeResult:
    """Merge my segment edits (made on `base`) into the latest texts (`theirs`).

    Segments only one side changed take that side; the same change on both sides is one
    change; overlapping changes go through `merge_text`, and what it cannot merge is a
    conflict. With `base == theirs` (nobody saved meanwhile) this simply applies my edits.
    """
    if len(base) != len(theirs):
        raise ValueError("Versions of one document always have the same segments.")
    result = MergeResult(texts=[normalize_text(t) for t in theirs])
    for index in sorted(mine):
        if not 0 <= index < len(base):
            raise ValueError(f"There is no segment {index + 1}.")
        my_text = normalize_text(mine[index])
        base_text, their_text = normalize_text(base[index]), result.texts[index]
        if my_text in (base_text, their_text):
            continue
        result.mine_changed.append(index)
        if their_text == base_text:
            result.texts[index] = my_text
            continue
        merged = merge_text(base_text, my_text, their_text)
        if merged is None:
            result.conflicts.append(Conflict(index, base_text, my_text, their_text))
        else:
            result.texts[index] = merged
            result.patched.append(index)
    return result


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


# ---------------------------------------------------------------------------------------------
# Word diff for the side-by-side view
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    kind: str  # "same", "del", "ins"
    text: str


def word_diff(old: str, new: str) -> tuple[list[Piece], list[Piece]]:
    """Left (old, with deletions) and right (new, with insertions) pieces for one segment."""
    a, b = old.split(), new.split()
    left: list[Piece] = []
    right: list[Piece] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            left.append(Piece("same", " ".join(a[i1:i2])))
            right.append(Piece("same", " ".join(b[j1:j2])))
            continue
        if i2 > i1:
            left.append(Piece("del", " ".join(a[i1:i2])))
        if j2 > j1:
            right.append(Piece("ins", " ".join(b[j1:j2])))
    return left, right


def format_timestamp(seconds: float | None, *, hours: bool | None = None) -> str:
    """01:02:03 (or 02:03 under an hour) for segment start times."""
    if seconds is None:
        return ""
    total = int(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    if hours or (hours is None and h):
        return f"{h:02d}:{m:02d}:{s:02d}"
    return f"{m:02d}:{s:02d}"
