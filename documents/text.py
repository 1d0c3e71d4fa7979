"""A document's text: one line per segment, and the segments of its timed JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from core.text import clean_line, lines_are_clean

# ---------------------------------------------------------------------------------------------
# Segments and text
# ---------------------------------------------------------------------------------------------

BASE_VERSION = 0  # the number that stands for the machine text (T-1) in forms and URLs


def normalize_text(text: str | None) -> str:
    """One segment's text as stored: single spaces, no line breaks, no edge whitespace, no
    control characters."""
    return clean_line(text)


def join_segments(texts: Sequence[str]) -> str:
    """A document's text is its segments, one per line."""
    return "\n".join(texts)


def split_lines(text: str) -> list[str]:
    if not text:
        return []
    lines = text.split("\n")
    # Saved versions' texts are stored normalized: checked once rather than line by line.
    return lines if lines_are_clean(text) else [normalize_text(line) for line in lines]


def normalize_texts(texts: Sequence[str]) -> list[str]:
    """`normalize_text` of each segment's text, with one check of them all when (as for a
    stored version's texts) they already are."""
    if not all(isinstance(t, str) for t in texts):
        return [normalize_text(t) for t in texts]
    joined = "\n".join(texts)
    if joined.count("\n") == max(len(texts) - 1, 0) and lines_are_clean(joined):
        return list(texts)
    return [normalize_text(t) for t in texts]


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
