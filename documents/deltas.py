"""Reverse deltas between consecutive versions (DESIGN.md "Version storage").

The newest version of a document keeps its whole text and timed JSON. When a newer one
arrives, the older row keeps only what turns the newer version back into it, as RCS does:

    {"head": {top-level JSON keys but "segments"} | null (no JSON),
     "lines": {"layout": LAYOUT | null, "old": {"<position>": line}},
     "segments": {"layout": LAYOUT | null, "old": {"<position>": segment}} | null}

A LAYOUT lists the older version's items in order: `[start, count]` is a run of the newer
version's items, an integer `p` is the older version's own item `old["p"]`. A null layout
means "the newer version's items, with `old` put back at its positions" (a text save, which
keeps every position). Pure functions; reading and writing rows is in `documents.selectors`
and `documents.services`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Layout = list[Any]


def layout_of(old_count: int, replaced: Mapping[int, int]) -> Layout:
    """The older version's items as runs of the newer one's: `replaced` maps each older
    position that was replaced to how many newer items took its place (0 when merged away)."""
    layout: Layout = []
    n = 0
    for p in range(old_count):
        if p in replaced:
            layout.append(p)
            n += replaced[p]
            continue
        if layout and isinstance(layout[-1], list) and sum(layout[-1]) == n:
            layout[-1][1] += 1
        else:
            layout.append([n, 1])
        n += 1
    return layout


def _rebuild(newer: Sequence[Any], part: Mapping[str, Any]) -> list[Any]:
    old = part.get("old") or {}
    layout = part.get("layout")
    if layout is None:
        items = list(newer)
        for key, value in old.items():
            items[int(key)] = value
        return items
    items = []
    for entry in layout:
        if isinstance(entry, list):
            items.extend(newer[entry[0] : entry[0] + entry[1]])
        else:
            items.append(old[str(entry)])
    return items


def delta_apply(
    newer_lines: Sequence[str], newer_json: dict | None, delta: Mapping[str, Any]
) -> tuple[list[str], dict | None]:
    """The older version's lines and JSON from the newer version's and the older's delta."""
    lines = _rebuild(newer_lines, delta["lines"])
    head = delta.get("head")
    if head is None:
        return lines, None
    if "json" in delta:  # stored whole (the newer version has no JSON to start from)
        return lines, delta["json"]
    newer_segments = (newer_json or {}).get("segments") or []
    segments = _rebuild(newer_segments, delta["segments"])
    return lines, {**head, "segments": segments}


def delta_lines(newer_lines: Sequence[str], delta: Mapping[str, Any]) -> list[str]:
    """The older version's lines alone."""
    return _rebuild(newer_lines, delta["lines"])


def delta_outline(
    newer_rows: Sequence[Any], newer_head: Mapping[str, Any], delta: Mapping[str, Any]
) -> tuple[list[Any], dict[str, Any]]:
    """The older version's [id, speaker] per segment and its top-level keys, from the newer
    version's (an outline read without the words)."""
    head = delta.get("head")
    if head is None:
        return [], {}
    if "json" in delta:
        segments = (delta["json"] or {}).get("segments") or []
    else:
        part = delta["segments"]
        pairs = {k: [seg.get("id"), seg.get("speaker")] for k, seg in part["old"].items()}
        segments = None
        rows = _rebuild(newer_rows, {"layout": part.get("layout"), "old": pairs})
    if segments is not None:
        rows = [[seg.get("id"), seg.get("speaker")] for seg in segments]
    return rows, {k: head.get(k) for k in ("speakers", "next_segment_id", "next_speaker")}


def _diff_part(old: Sequence[Any], new: Sequence[Any]) -> dict[str, Any]:
    """A part of a delta found by comparing: positions when the counts match, else the common
    start and end of both with the middle kept whole."""
    if len(old) == len(new):
        return {
            "layout": None,
            "old": {str(p): a for p, (a, b) in enumerate(zip(old, new, strict=True)) if a != b},
        }
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    layout: Layout = [[0, start]] if start else []
    layout += list(range(start, len(old) - end))
    if end:
        layout.append([len(new) - end, end])
    return {"layout": layout, "old": {str(p): old[p] for p in range(start, len(old) - end)}}


def delta_between(
    old_lines: Sequence[str],
    old_json: dict | None,
    new_lines: Sequence[str],
    new_json: dict | None,
) -> dict[str, Any]:
    """The reverse delta that turns the newer version into the older one, by comparison (for
    saves that hold both in Python: restores, SQLite, the data migration)."""
    delta: dict[str, Any] = {"lines": _diff_part(old_lines, new_lines)}
    if old_json is None:
        delta["head"] = None
        delta["segments"] = None
        return delta
    delta["head"] = {k: v for k, v in old_json.items() if k != "segments"}
    old_segments = old_json.get("segments")
    if not isinstance(old_segments, list) or new_json is None:
        delta["json"] = old_json
        delta["segments"] = None
        return delta
    delta["segments"] = _diff_part(old_segments, (new_json or {}).get("segments") or [])
    return delta
