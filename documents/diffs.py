"""`diff_from_previous` (operations plus a diff-match-patch patch) and the word diff."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from diff_match_patch import diff_match_patch

from documents.text import join_segments

# ---------------------------------------------------------------------------------------------
# diff_from_previous: operations plus a diff-match-patch patch
# ---------------------------------------------------------------------------------------------


def new_patcher() -> diff_match_patch:
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
    dmp = new_patcher()
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
    dmp = new_patcher()
    patches = dmp.patch_make(old_text, diffs)
    return {
        "user_id": str(user_id),
        "timestamp": timestamp,
        "operations": diff_operations(diffs),
        "patch": dmp.patch_toText(patches),
    }


def patch_rebuild(previous_text: str, patch_text: str) -> str:
    """Apply a stored patch to the previous version's text (raises if any hunk fails)."""
    dmp = new_patcher()
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
    # Text edits only (they carry a position): splits, merges and speaker changes are listed
    # on their own in the history.
    operations = [op for op in data.get("operations") or [] if "position" in op]
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
