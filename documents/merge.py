"""Three-way merge of a stale save with the versions saved since it was opened."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from documents.diffs import new_patcher
from documents.text import normalize_text, normalize_texts

# ---------------------------------------------------------------------------------------------
# Three-way merge for stale saves
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    index: int
    base: str
    mine: str
    theirs: str
    # The segment's id, for a save that changed the document's structure (its index may
    # differ between the two sides).
    segment_id: int | None = None
    speaker: str | None = None  # both sides renamed (or merged away) this speaker


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
    dmp = new_patcher()
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
    result = MergeResult(texts=normalize_texts(theirs))
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
