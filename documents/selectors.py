"""Reads of versioned documents: snapshots, history, diffs and draft state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError

from documents import drafts
from documents.diffs import ChangeSummary, Piece, change_summary, word_diff
from documents.document import VersionedDocument
from documents.merge import MergeResult, merge_segments
from documents.realign import realign_document
from documents.text import (
    BASE_VERSION,
    document_segments,
    format_timestamp,
    segment_texts,
    split_lines,
)


@dataclass(frozen=True)
class Snapshot:
    """One state of a document: the machine text (number 0) or a saved version."""

    number: int
    label: str
    text: str
    json: dict | None
    texts: list[str]
    version: Any | None = None

    @property
    def is_base(self) -> bool:
        return self.number == BASE_VERSION

    @property
    def segments(self) -> list[dict]:
        return document_segments(self.json, self.text)


def versions_of(doc: VersionedDocument, parent):
    return doc.version_model._default_manager.filter(**{doc.parent_field: parent})


def base_snapshot(doc: VersionedDocument, parent) -> Snapshot:
    text = doc.base_text(parent)
    data = doc.base_json(parent)
    return Snapshot(BASE_VERSION, doc.base_label(parent), text, data, segment_texts(data, text))


def version_snapshot(version, *, with_json: bool = True) -> Snapshot:
    data = version.json_with_timestamps if with_json else None
    text = version.edited_text
    # Saved versions keep one segment per line, so the texts come without parsing the JSON.
    texts = split_lines(text) if text or not with_json else segment_texts(data, text)
    return Snapshot(version.version_number, version.version_type, text, data, texts, version)


def document_snapshot(
    *, doc: VersionedDocument, parent, version_number: int | None = None, with_json: bool = True
) -> Snapshot:
    """The latest state (version_number None), the machine text (0), or version N.

    The latest is the seed's "Get Latest Version": the highest version number, else T-1.
    """
    if version_number == BASE_VERSION:
        return base_snapshot(doc, parent)
    versions = versions_of(doc, parent)
    if not with_json:
        versions = versions.defer("json_with_timestamps")
    if version_number is None:
        version = versions.order_by("-version_number").first()
        if version is None:
            return base_snapshot(doc, parent)
    else:
        version = versions.filter(version_number=version_number).first()
        if version is None:
            raise ValidationError(f"There is no version {version_number}.")
    snapshot = version_snapshot(version, with_json=with_json)
    if with_json and snapshot.json is None and doc.base_json(parent):
        # An older version stored without timings: fall back to the machine timings.
        snapshot = Snapshot(
            snapshot.number,
            snapshot.label,
            snapshot.text,
            realign_document(doc.base_json(parent), doc.base_text(parent), snapshot.texts),
            snapshot.texts,
            version,
        )
    return snapshot


# --------------------------------------------------------------------------------------------
# Reads for the history, diff and conflict pages
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    number: int
    label: str
    who: str
    when: datetime | None
    summary: ChangeSummary | None
    is_final: bool
    is_latest: bool
    origin: str


def document_history(*, doc: VersionedDocument, parent) -> list[HistoryRow]:
    """Every version, newest first, then the machine text. One query."""
    versions = list(
        versions_of(doc, parent)
        .select_related("edited_by")
        .defer("edited_text", "json_with_timestamps")
        .order_by("-version_number")
    )
    final_id = parent.final_version_id
    rows = [
        HistoryRow(
            number=v.version_number,
            label=v.version_type,
            who=v.edited_by.get_full_name(),
            when=v.created_at,
            summary=change_summary(v.diff_from_previous),
            is_final=v.pk == final_id,
            is_latest=i == 0,
            origin=getattr(v, "origin", "edit"),
        )
        for i, v in enumerate(versions)
    ]
    rows.append(
        HistoryRow(
            number=BASE_VERSION,
            label=doc.base_label(parent),
            who="Machine",
            when=getattr(parent, "created_at", None),
            summary=None,
            is_final=False,
            is_latest=not versions,
            origin="machine",
        )
    )
    return rows


@dataclass(frozen=True)
class DiffRow:
    index: int
    time: str
    left: list[Piece]
    right: list[Piece]


@dataclass(frozen=True)
class DocumentDiff:
    old: Snapshot
    new: Snapshot
    rows: list[DiffRow]
    segment_count: int


def document_diff(
    *, doc: VersionedDocument, parent, old_number: int, new_number: int
) -> DocumentDiff:
    """Changed segments between two states, word-highlighted, for the side-by-side view."""
    old = document_snapshot(doc=doc, parent=parent, version_number=old_number, with_json=False)
    new = document_snapshot(doc=doc, parent=parent, version_number=new_number, with_json=False)
    base_segments = document_segments(doc.base_json(parent), doc.base_text(parent))
    rows = []
    for index, (a, b) in enumerate(zip(old.texts, new.texts, strict=False)):
        if a == b:
            continue
        left, right = word_diff(a, b)
        start = base_segments[index].get("start") if index < len(base_segments) else None
        rows.append(DiffRow(index, format_timestamp(start), left, right))
    return DocumentDiff(old, new, rows, max(len(old.texts), len(new.texts)))


@dataclass(frozen=True)
class DraftState:
    """A draft laid over the latest text: what the editor shows when the draft is restored."""

    draft: drafts.Draft
    latest: Snapshot
    base: Snapshot
    merge: MergeResult

    @property
    def dirty(self) -> list[int]:
        return [i for i, t in enumerate(self.merge.texts) if t != self.latest.texts[i]]


def document_draft_state(
    *, doc: VersionedDocument, parent, draft: drafts.Draft, latest: Snapshot
) -> DraftState | None:
    """Merge a draft onto the latest text, or None when the draft no longer fits."""
    try:
        base = document_snapshot(
            doc=doc, parent=parent, version_number=draft.based_on, with_json=False
        )
        merge = merge_segments(base.texts, draft.segments, latest.texts)
    except (ValidationError, ValueError):
        return None
    return DraftState(draft, latest, base, merge)
