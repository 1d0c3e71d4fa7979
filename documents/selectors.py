"""Reads of versioned documents: snapshots, history, diffs and draft state."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Field

from documents import drafts
from documents.deltas import delta_apply, delta_outline
from documents.diffs import ChangeSummary, Piece, change_summary, word_diff
from documents.document import VersionedDocument
from documents.merge import MergeResult, merge_segments
from documents.realign import realign_document
from documents.structure import (
    Outline,
    describe_operation,
    merge_structured,
    outline_from_parts,
    outline_of,
    segment_ids,
    segment_speaker,
    speaker_name,
)
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


def _document_of(version) -> VersionedDocument:
    from documents.hooks import registry

    for doc in registry.values():
        if isinstance(version, doc.version_model):
            return doc
    raise LookupError(f"No versioned document keeps {type(version).__name__}.")


def _delta_chain(doc: VersionedDocument, version) -> tuple[Any, list[dict]]:
    """The first newer version stored whole, and the deltas that lead from it back down to
    `version` (newest first). One query, deltas only (they are small)."""
    parent_key = f"{doc.parent_field}_id"
    newer = (
        doc.version_model._default_manager.filter(
            **{parent_key: getattr(version, parent_key)},
            version_number__gt=version.version_number,
        )
        .order_by("version_number")
        .values_list("pk", "json_delta")
    )
    chain = [version.json_delta]
    for pk, later_delta in newer:
        if later_delta is None:
            return pk, chain[::-1]
        chain.append(later_delta)
    raise LookupError(f"Version {version.version_number} cannot be rebuilt: no newer whole one.")


def version_content(version, doc: VersionedDocument | None = None) -> tuple[str, dict | None]:
    """A version's `edited_text` and `json_with_timestamps`, the JSON rebuilt when the row
    keeps a reverse delta instead (DESIGN.md "Version storage"): the first newer version that
    is stored whole, then each delta applied back down to this one. Every read of an older
    version's timings goes through here (the newest is stored whole: nothing to rebuild).
    Every version keeps its whole text: the seed's queries read it."""
    if version.json_delta is None:
        return version.edited_text, version.json_with_timestamps
    cached = getattr(version, "_rebuilt_json", None)
    if cached is None:
        doc = doc or _document_of(version)
        # The chain and the whole row are two reads: a save committed between them turns
        # that row into a delta, so the chain is looked up again (a save needs the row lock,
        # so this settles at once).
        for _attempt in range(5):
            whole_pk, chain = _delta_chain(doc, version)
            text, data, became_delta = (
                doc.version_model._default_manager.filter(pk=whole_pk)
                .values_list("edited_text", "json_with_timestamps", "json_delta")
                .get()
            )
            if became_delta is None:
                break
        else:
            raise LookupError(f"Version {version.version_number} kept moving while rebuilt.")
        lines: list[str] = text.split("\n")
        for step in chain:
            lines, data = delta_apply(lines, data, step)
        version._rebuilt_json = cached = (data,)
    return version.edited_text, cached[0]


def version_snapshot(version, *, with_json: bool = True) -> Snapshot:
    data = version_content(version)[1] if with_json else None
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
    structure: tuple[str, ...] = ()  # split, merge and speaker changes, described


def _structure_lines(diff_from_previous: str | None) -> tuple[str, ...]:
    """The structure operations a version's diff record lists, one line each (a run of
    speaker changes to one speaker is one line)."""
    if not diff_from_previous or '"structure"' not in diff_from_previous:
        return ()
    try:
        operations = json.loads(diff_from_previous).get("operations") or []
    except (ValueError, AttributeError):
        return ()
    lines: list[str] = []
    names: dict[str, str] = {}
    run = 0
    for op in operations:
        if "position" in op:
            continue
        if op.get("operation") == "rename":
            names[op.get("speaker", "")] = op.get("name", "")
        line = describe_operation(op, names)
        if (
            op.get("operation") == "speaker"
            and lines
            and lines[-1].split(" → ")[-1] == line.split(" → ")[-1]
        ):
            run += 1
            lines[-1] = f"{run + 1} segments → {line.split(' → ')[-1]}"
            continue
        run = 0
        lines.append(line)
    return tuple(lines)


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
            structure=_structure_lines(v.diff_from_previous),
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
    note: str = ""  # a structure change: "new segment (split)", "merged away", a speaker


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
    if doc.structure_edits:
        structured = _structured_diff(doc, parent, old, new)
        if structured is not None:
            return structured
    base_segments = document_segments(doc.base_json(parent), doc.base_text(parent))
    rows = []
    for index, (a, b) in enumerate(zip(old.texts, new.texts, strict=False)):
        if a == b:
            continue
        left, right = word_diff(a, b)
        start = base_segments[index].get("start") if index < len(base_segments) else None
        rows.append(DiffRow(index, format_timestamp(start), left, right))
    return DocumentDiff(old, new, rows, max(len(old.texts), len(new.texts)))


def _structured_diff(doc: VersionedDocument, parent, old: Snapshot, new: Snapshot):
    """Segments matched by id when the two states differ in structure or speakers: split
    parts, merged-away segments and speaker changes are rows of their own."""
    a = document_outline(doc, base_snapshot(doc, parent) if old.is_base else old)[0]
    b = document_outline(doc, base_snapshot(doc, parent) if new.is_base else new)[0]
    if (a.ids, a.speakers, a.names) == (b.ids, b.speakers, b.names):
        return None
    default_name = doc.default_speaker(parent) if doc.default_speaker else ""
    before = {i: (t, s) for i, t, s in zip(a.ids, a.texts, a.speakers, strict=True)}
    after_position = {i: k for k, i in enumerate(b.ids)}
    # Rows in the new order; a merged-away segment right after the one that took its words.
    keyed: list[tuple[tuple[int, int], DiffRow]] = []
    for k, (i, text, speaker) in enumerate(zip(b.ids, b.texts, b.speakers, strict=True)):
        name = speaker_name(b.names, speaker, default_name)
        if i not in before:
            row = DiffRow(k, "", [], [Piece("ins", text)], f"new segment (split) · {name}")
            keyed.append(((k, 0), row))
            continue
        old_text, old_speaker = before[i]
        old_name = speaker_name(a.names, old_speaker, default_name)
        note = f"{old_name} → {name}" if old_name != name else ""
        if old_text == text and not note:
            continue
        left, right = word_diff(old_text, text)
        keyed.append(((k, 0), DiffRow(k, "", left, right, note)))
    holder = 0
    for n, i in enumerate(a.ids):
        if i in after_position:
            holder = after_position[i]
            continue
        row = DiffRow(
            holder, "", [Piece("del", before[i][0])], [], "merged into the previous segment"
        )
        keyed.append(((holder, 1 + n), row))
    rows = [row for _key, row in sorted(keyed, key=lambda pair: pair[0])]
    return DocumentDiff(old, new, rows, len(set(a.ids) | set(b.ids)))


@dataclass(frozen=True)
class DraftState:
    """A draft laid over the latest text: what the editor shows when the draft is restored."""

    draft: drafts.Draft
    latest: Snapshot
    base: Snapshot
    merge: MergeResult
    # For a draft with structure changes: their merge onto the latest version.
    structured: Any = None

    @property
    def dirty(self) -> list[int]:
        if self.structured is not None:
            merged = self.structured
            changed = set(merged.texts_by_id) | set(merged.touched)
            before = set(merged.intermediate.ids) - {
                op.get("new_segment") for op in merged.operations
            }
            return [k for k, i in enumerate(merged.outline.ids) if i in changed or i not in before]
        return [i for i, t in enumerate(self.merge.texts) if t != self.latest.texts[i]]


def document_draft_state(
    *, doc: VersionedDocument, parent, draft: drafts.Draft, latest: Snapshot
) -> DraftState | None:
    """Merge a draft onto the latest text, or None when the draft no longer fits."""
    if draft.structure or _outline_moved(doc, parent, draft.based_on, latest):
        structured = document_structured_draft_merge(
            doc=doc, parent=parent, draft=draft, latest=latest
        )
        if structured is None:
            return None
        try:
            base = document_snapshot(
                doc=doc, parent=parent, version_number=draft.based_on, with_json=False
            )
        except ValidationError:
            return None
        merge = MergeResult(texts=list(structured.outline.texts), conflicts=structured.conflicts)
        return DraftState(draft, latest, base, merge, structured)
    try:
        base = document_snapshot(
            doc=doc, parent=parent, version_number=draft.based_on, with_json=False
        )
        merge = merge_segments(base.texts, draft.segments, latest.texts)
    except (ValidationError, ValueError):
        return None
    return DraftState(draft, latest, base, merge)


def _outline_moved(doc: VersionedDocument, parent, based_on: int, latest: Snapshot) -> bool:
    """Whether segments were split or merged since `based_on` (then a draft's positions no
    longer name the same segments, and it merges by segment id)."""
    if not doc.structure_edits or based_on == latest.number:
        return False
    try:
        return (
            document_outline_of(doc, parent, based_on).ids != document_outline(doc, latest)[0].ids
        )
    except ValidationError:
        return False


# --------------------------------------------------------------------------------------------
# Outlines: segment ids, speakers and names (documents.structure)
# --------------------------------------------------------------------------------------------


def json_column(doc: VersionedDocument) -> tuple[str, str]:
    """The version table and its JSON column, quoted from the model's own metadata."""
    qn = connection.ops.quote_name
    model = doc.version_model
    json_field = model._meta.get_field("json_with_timestamps")
    # A concrete column on every version model (VersionedDocument's contract).
    assert isinstance(json_field, Field) and json_field.column
    return qn(model._meta.db_table), qn(json_field.column)


def _stored_outline(doc: VersionedDocument, version, texts: list[str]) -> tuple[Outline, bool]:
    """Segment ids and speakers of a stored version, read in SQL without its words (an older
    version: the newer whole one's, with the deltas applied to them). The flag says whether
    the stored segments carry their ids (else positions stand in)."""
    chain: list[dict] = []
    row_pk = version.pk
    if version.json_delta is not None:
        row_pk, chain = _delta_chain(doc, version)
    table, column = json_column(doc)
    # One row, one JSON value: [[[id, speaker], …], speakers, next id, next speaker] (a value
    # per segment would cost a JSON decode each, 3,000 for a three-hour lecture).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (jsonb_build_array(COALESCE((SELECT jsonb_agg(jsonb_build_array("
            "e.value -> 'id', e.value -> 'speaker') ORDER BY e.ord) "
            f"FROM jsonb_array_elements(v.{column} -> 'segments') WITH ORDINALITY AS e(value, ord)"
            f"), '[]'::jsonb), v.{column} -> 'speakers', v.{column} -> 'next_segment_id', "
            f"v.{column} -> 'next_speaker'))::text "
            f"FROM {table} AS v WHERE v.id = %s",
            [row_pk],
        )
        found = cursor.fetchone()
    rows, speakers, next_id, next_speaker = (
        json.loads(found[0]) if found else ([], None, None, None)
    )
    head = {"speakers": speakers, "next_segment_id": next_id, "next_speaker": next_speaker}
    for step in chain:
        rows, head = delta_outline(rows, head, step)
    raw_ids = [r[0] for r in rows]
    stored = len(rows) == len(texts) and all(
        isinstance(i, int) and not isinstance(i, bool) for i in raw_ids
    )
    stored = stored and len(set(raw_ids)) == len(raw_ids)
    ids = raw_ids if stored else list(range(len(texts)))
    speakers_list = [segment_speaker({"speaker": r[1]}) for r in rows]
    if len(speakers_list) != len(texts):
        speakers_list = ["S1"] * len(texts)
    return outline_from_parts(ids, speakers_list, texts, head), stored


def document_outline(doc: VersionedDocument, snapshot: Snapshot) -> tuple[Outline, bool]:
    """A state's outline (ids, speakers, names); the JSON is read in SQL when it can be."""
    if snapshot.json is None and snapshot.version is not None and connection.vendor == "postgresql":
        return _stored_outline(doc, snapshot.version, snapshot.texts)
    data = snapshot.json
    if data is None and snapshot.version is not None and snapshot.version.json_delta is not None:
        data = version_content(snapshot.version, doc)[1]  # an older version: rebuilt
    if data is None and snapshot.version is not None:
        data = snapshot.version.json_with_timestamps  # deferred: one query (SQLite)
    segments = (data or {}).get("segments") or []
    stored = len(segments) == len(snapshot.texts) and segment_ids(segments) is not None
    return outline_of(data, snapshot.texts), stored


def document_outline_of(doc: VersionedDocument, parent, version_number: int) -> Outline:
    snapshot = document_snapshot(
        doc=doc, parent=parent, version_number=version_number, with_json=False
    )
    if snapshot.is_base:
        snapshot = base_snapshot(doc, parent)
    return document_outline(doc, snapshot)[0]


def document_structured_draft_merge(
    *, doc: VersionedDocument, parent, draft: drafts.Draft, latest: Snapshot, force=frozenset()
):
    """A draft with structure changes merged onto `latest` (documents.structure), or None
    when it does not fit at all."""
    try:
        base = document_outline_of(doc, parent, draft.based_on)
        now = base if draft.based_on == latest.number else document_outline(doc, latest)[0]
        default_name = doc.default_speaker(parent) if doc.default_speaker else ""
        return merge_structured(
            base, now, draft.structure, draft.segments, default_name=default_name, force=force
        )
    except (ValidationError, ValueError, KeyError, TypeError):
        return None
