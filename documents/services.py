"""Writes to versioned documents: save, restore, finalize, replace all. Generic over any
`VersionedDocument`; transcripts and translations describe theirs and call these."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Field, JSONField, Max, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.services import activity_record
from documents import drafts, hooks
from documents.deltas import delta_between, layout_of
from documents.diffs import diff_record
from documents.document import VersionedDocument
from documents.find import replace_in_segments
from documents.merge import Conflict, MergeResult, merge_segments
from documents.realign import realign_document, realign_segment
from documents.selectors import (
    Snapshot,
    base_snapshot,
    document_outline,
    document_snapshot,
    version_snapshot,
    versions_of,
)
from documents.structure import (
    apply_replacements,
    merge_structured,
    outline_of,
    parse_operations,
    timed_result,
)
from documents.text import (
    BASE_VERSION,
    join_segments,
    normalize_text,
)

# =============================================================================================
# Generic versioned documents
# =============================================================================================


class SaveConflict(Exception):
    """A stale save whose overlapping edits could not be merged; the edits are kept as a draft."""

    def __init__(self, *, conflicts: list[Conflict], latest_number: int, latest_label: str):
        self.conflicts = conflicts
        self.latest_number = latest_number
        self.latest_label = latest_label
        n = len(conflicts)
        super().__init__(
            f"{n} segment{'' if n == 1 else 's'} {'was' if n == 1 else 'were'} changed by "
            f"someone else in {latest_label}."
        )


@dataclass
class SaveResult:
    version: Any | None  # None when nothing changed
    number: int
    label: str
    created: bool
    merge: MergeResult
    became_final: bool = False
    changed: list[int] = field(default_factory=list)  # segments that differ from the latest
    # The editor started from an older version: the result also holds others' newer edits,
    # so an open editor must reload to show them.
    includes_newer: bool = False
    segments: dict[int, dict] = field(default_factory=dict)  # new timed segments, by index
    ids: list[int] | None = None  # segment ids after a save that changed the structure


class DocumentArchived(ValidationError):
    """A write to a document that is archived (a transcript replaced by re-transcription):
    nobody would see it. `live` is the document that took its place, if there is one."""

    def __init__(self, message: str, *, live=None):
        super().__init__(message)
        self.live = live


def _lock(doc: VersionedDocument, parent):
    """Lock the parent row: version numbers are allocated while it is held.

    Versions are only ever added to a live document; the archived flag is read under the
    same lock, so re-transcription archiving the transcript meanwhile is seen too.
    """
    model = type(parent)
    archivable = any(f.name == "archived" for f in model._meta.concrete_fields)
    fields = ("pk", "final_version", "archived") if archivable else ("pk", "final_version")
    locked = model.objects.select_for_update().only(*fields).get(pk=parent.pk)
    if archivable and locked.archived:
        live = doc.live_document(parent) if doc.live_document else None
        raise DocumentArchived(
            f"This {doc.kind} is archived"
            + (f": a newer {doc.kind} replaced it" if live is not None else "")
            + ". Nothing was changed here, because nobody would see it.",
            live=live,
        )
    return locked


def _next_number(doc: VersionedDocument, parent) -> int:
    current = versions_of(doc, parent).aggregate(n=Max("version_number"))["n"]
    return (current or 0) + 1


def _mine_from_input(
    *, segments_text: Mapping[int, str] | Sequence[str] | None, text: str | None, count: int
) -> dict[int, str]:
    if (segments_text is None) == (text is None):
        raise ValueError("Pass exactly one of segments_text and text.")
    if text is not None:
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if len(lines) == count + 1 and not lines[-1].strip():
            lines.pop()  # a trailing newline from a textarea
        if len(lines) != count:
            raise ValidationError(
                f"The text has {len(lines)} lines but the transcript has {count} segments. "
                "Keep one line per segment."
            )
        return dict(enumerate(lines))
    assert segments_text is not None  # exactly one of the two, checked above
    if isinstance(segments_text, Mapping):
        mine = {int(i): str(t) for i, t in segments_text.items()}
    else:
        if len(segments_text) != count:
            raise ValidationError(f"Expected {count} segments, got {len(segments_text)}.")
        mine = dict(enumerate(str(t) for t in segments_text))
    bad = [i for i in mine if not 0 <= i < count]
    if bad:
        raise ValidationError(f"There is no segment {bad[0] + 1}; the document has {count}.")
    return mine


def _json_literal(data):
    """The timed JSON as one compact literal: a three-hour lecture is ~2 MB, and compact
    separators plus a single cast are the cheapest way to hand it to the database. An
    expression (the server-side patch below) is passed through."""
    if data is None or hasattr(data, "resolve_expression"):
        return data
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return Cast(Value(text), output_field=JSONField())


def _server_side_json() -> bool:
    """PostgreSQL can patch a version's timed JSON in place of a round trip through Python."""
    return connection.vendor == "postgresql"


def _json_column(doc: VersionedDocument) -> tuple[str, str]:
    # Quoted names from the model's own metadata: the only text put into the SQL below.
    qn = connection.ops.quote_name
    model = doc.version_model
    json_field = model._meta.get_field("json_with_timestamps")
    # A concrete column on every version model (VersionedDocument's contract).
    assert isinstance(json_field, Field) and json_field.column
    return qn(model._meta.db_table), qn(json_field.column)


def _stored_segments(doc: VersionedDocument, version, indexes: list[int]) -> dict[int, dict]:
    """Just the segments about to change, read from the stored JSON (one pass in SQL)."""
    table, column = _json_column(doc)
    with connection.cursor() as cursor:
        # By index (no pass over the other segments); one value, so one JSON decode.
        cursor.execute(
            f"WITH s AS MATERIALIZED (SELECT {column} -> 'segments' AS segs FROM {table} "
            "WHERE id = %s) SELECT (SELECT jsonb_object_agg(k::text, s.segs -> k) "
            "FROM unnest(%s::int[]) AS k WHERE s.segs -> k IS NOT NULL)::text FROM s",
            [version.pk, list(indexes)],
        )
        found = cursor.fetchone()
    return {int(k): seg for k, seg in json.loads(found[0] or "{}").items()} if found else {}


# Up to this many segments written by a text save are path edits of the stored JSON.
TEXT_PATH_EDITS = 2


def _patched_json(doc: VersionedDocument, previous, segments: dict[int, dict]) -> RawSQL:
    """The previous version's JSON with some segments replaced, built by PostgreSQL in one
    pass, so the unchanged ~2 MB never travels to Python and back."""
    table, column = _json_column(doc)
    if len(segments) <= TEXT_PATH_EDITS:
        # Each path edit is one pass over the stored JSON in PostgreSQL; the pass over all
        # segments below costs about as much as a few of them.
        expr = f"src.{column}"
        params: list[Any] = []
        for i in sorted(segments):
            expr = f"jsonb_set({expr}, %s::text[], %s::jsonb)"
            params += [["segments", str(i)], _compact_json(segments[i])]
        return RawSQL(
            f"SELECT {expr} FROM {table} AS src WHERE src.id = %s",
            (*params, previous.pk),
            output_field=JSONField(),
        )
    replacements = json.dumps(
        {str(i): seg for i, seg in segments.items()}, separators=(",", ":"), ensure_ascii=False
    )
    return RawSQL(
        f"SELECT jsonb_set(src.{column}, '{{segments}}', ("
        "SELECT jsonb_agg(COALESCE(r.value, e.value) ORDER BY e.ord) "
        f"FROM jsonb_array_elements(src.{column} -> 'segments') WITH ORDINALITY AS e(value, ord) "
        "LEFT JOIN jsonb_each(%s::jsonb) AS r ON r.key::int = e.ord - 1)) "
        f"FROM {table} AS src WHERE src.id = %s",
        (replacements, previous.pk),
        output_field=JSONField(),
    )


# Up to this many segments written by a structure save are path edits of the stored JSON.
STRUCTURE_PATH_EDITS = 12


def _compact_json(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _restructured_json(
    doc: VersionedDocument, previous, replacements: dict[int, list[dict]], extra: dict[str, Any]
) -> RawSQL:
    """The previous version's JSON with some segments replaced by zero or more segments
    (a split, a merge) and top-level keys set, built by PostgreSQL.

    A few replacements are path edits (jsonb_set, jsonb_insert, #-), applied from the
    last position back so earlier positions stay valid; many go through one pass over
    the segments (as a text save does)."""
    table, column = _json_column(doc)
    params: list[Any] = []
    if sum(max(1, len(segs)) for segs in replacements.values()) <= STRUCTURE_PATH_EDITS:
        expr = f"src.{column}"
        for origin in sorted(replacements, reverse=True):
            segs = replacements[origin]
            if not segs:
                expr = f"({expr} #- %s::text[])"
                params.append(["segments", str(origin)])
                continue
            expr = f"jsonb_set({expr}, %s::text[], %s::jsonb)"
            params += [["segments", str(origin)], _compact_json(segs[0])]
            for j, seg in enumerate(segs[1:]):
                expr = f"jsonb_insert({expr}, %s::text[], %s::jsonb, true)"
                params += [["segments", str(origin + j)], _compact_json(seg)]
    else:
        # Unchanged segments pass through as they are; each replaced one becomes its list.
        expr = (
            f"jsonb_set(src.{column}, '{{segments}}', COALESCE(("
            "SELECT jsonb_agg(part.value ORDER BY part.ord, part.sub) FROM ("
            "SELECT e.value, e.ord, 0 AS sub "
            f"FROM jsonb_array_elements(src.{column} -> 'segments') "
            "WITH ORDINALITY AS e(value, ord) "
            "WHERE NOT (e.ord - 1 = ANY(%s)) "
            "UNION ALL SELECT x.value, r.key::int + 1, x.ord FROM jsonb_each(%s::jsonb) AS r "
            "CROSS JOIN LATERAL jsonb_array_elements(r.value) WITH ORDINALITY AS x(value, ord)"
            ") AS part), '[]'::jsonb))"
        )
        params += [
            sorted(replacements),
            _compact_json({str(i): segs for i, segs in replacements.items()}),
        ]
    if extra:
        expr = f"({expr} || %s::jsonb)"  # top-level keys, one copy for all
        params.append(_compact_json(extra))
    return RawSQL(
        f"SELECT {expr} FROM {table} AS src WHERE src.id = %s",
        (*params, previous.pk),
        output_field=JSONField(),
    )


# Audit action per reason for a new version; finalizing the machine text records
# "keep_machine_text" here and "finalize" when the final pointer moves.
VERSION_ACTIONS = {"edit": "edit", "restore": "restore", "finalize": "keep_machine_text"}


def version_append(
    *,
    doc: VersionedDocument,
    parent,
    user,
    previous: Snapshot,
    texts: list[str],
    data: Any,
    origin: str,
    label: str | None = None,
):
    """Add version N+1 after `previous` (the latest), with its diff record: the one place
    version numbers are allocated. The caller holds the parent's row lock (`_lock`) and
    records the activity. `label` overrides the document's own (a machine re-translation is
    T-2-es, not H-n-es)."""
    version, _record = _append(
        doc=doc,
        parent=parent,
        user=user,
        previous=previous,
        texts=texts,
        data=data,
        origin=origin,
        label=label,
    )
    return version


def _append(
    *,
    doc,
    parent,
    user,
    previous,
    texts,
    data,
    origin,
    label,
    structure=None,
    intermediate=None,
    change=None,
):
    """`version_append`, also handing back the diff record it stored.

    With `structure` (operations that split, merged or re-assigned segments) the record lists
    them first; they turn the previous version into `intermediate` (its segment texts), and
    the text operations and patch then turn that into this version."""
    number = _next_number(doc, parent)
    text = join_segments(texts)
    now = timezone.now()
    before = list(intermediate) if intermediate is not None else previous.texts
    record = diff_record(
        join_segments(before) if intermediate is not None else previous.text,
        text,
        user_id=user.pk,
        timestamp=now.isoformat(),
        old_segments=before,
        new_segments=texts,
    )
    if structure:
        record["operations"] = [*structure, *record["operations"]]
        record["structure"] = len(structure)
    extra = doc.version_fields(origin) if doc.version_fields else {}
    # Any version model (VersionedDocument's contract); the stubs know it only as a Model.
    version: Any = doc.version_model._default_manager.create(
        **{doc.parent_field: parent},
        version_number=number,
        version_type=label or doc.version_label(parent, number),
        edited_text=text,
        json_with_timestamps=_json_literal(data),
        diff_from_previous=json.dumps(record, ensure_ascii=False),
        edited_by=user,
        created_at=now,
        **extra,
    )
    # Open editors of this document hear of it once it is committed (collaboration).
    transaction.on_commit(
        lambda: hooks.version_created.send(
            sender=doc.version_model, doc=doc, parent=parent, version=version, user=user
        )
    )
    if hasattr(data, "resolve_expression"):
        # Built by the database: loaded from there only if someone reads it.
        version.__dict__.pop("json_with_timestamps", None)
    else:
        version.json_with_timestamps = data
    _supersede(doc, previous, version, data, change)
    return version, record


def _supersede(doc: VersionedDocument, previous: Snapshot, newer, data, change) -> None:
    """The version that was the newest keeps only its reverse delta from now on (DESIGN.md
    "Version storage"). `change` says which of its positions the new version replaced, as
    (`replaced`: {position: how many new segments took its place}, `same_positions`: whether
    every other position kept its place): then the delta is made by PostgreSQL from the
    stored JSON, which never comes to Python. Without it the two versions are compared."""
    older = previous.version
    if older is None or older.json_delta is not None:
        return
    model = doc.version_model._default_manager
    old_lines = older.edited_text.split("\n")
    if change is not None and _server_side_json():
        replaced, same_positions = change
        layout = None if same_positions else layout_of(len(old_lines), replaced)
        positions = sorted(replaced)
        lines = {"layout": layout, "old": {str(p): old_lines[p] for p in positions}}
        table, column = _json_column(doc)
        delta_column = connection.ops.quote_name("json_delta")
        with connection.cursor() as cursor:
            # The stored JSON is read (and decompressed) once, in the materialized `s`.
            cursor.execute(
                f"WITH s AS MATERIALIZED (SELECT {column} - 'segments' AS head, "
                f"{column} -> 'segments' AS segs FROM {table} WHERE id = %s) "
                f"UPDATE {table} SET {delta_column} = jsonb_build_object("
                "'lines', %s::jsonb, 'head', s.head, 'segments', jsonb_build_object("
                "'layout', %s::jsonb, 'old', COALESCE((SELECT jsonb_object_agg(k::text, "
                "s.segs -> k) FROM unnest(%s::int[]) AS k), '{}'::jsonb))), "
                f"{column} = NULL FROM s WHERE {table}.id = %s",
                [older.pk, _compact_json(lines), _compact_json(layout), positions, older.pk],
            )
    else:
        old_json = older.json_with_timestamps
        new_json = data
        if hasattr(data, "resolve_expression"):  # built by the database: read it back
            new_json = model.filter(pk=newer.pk).values_list("json_with_timestamps", flat=True)[0]
        delta = delta_between(old_lines, old_json, newer.edited_text.split("\n"), new_json)
        model.filter(pk=older.pk).update(json_delta=delta, json_with_timestamps=None)
    # The row in memory is no longer what is stored.
    for name in ("json_delta", "json_with_timestamps", "edited_text"):
        older.__dict__.pop(name, None)


def _create_version(
    *,
    doc: VersionedDocument,
    parent,
    locked,
    user,
    previous: Snapshot,
    texts: list[str],
    data: dict | RawSQL | None,
    origin: str,
    details: dict[str, Any],
    structure: list[dict] | None = None,
    intermediate: list[str] | None = None,
    change: tuple[dict[int, int], bool] | None = None,
):
    version, record = _append(
        doc=doc,
        parent=parent,
        user=user,
        previous=previous,
        texts=texts,
        data=data,
        origin=origin,
        label=None,
        structure=structure,
        intermediate=intermediate,
        change=change,
    )
    number = version.version_number
    activity_record(
        user=user,
        action=f"{doc.activity_prefix}.{VERSION_ACTIONS[origin]}",
        target=parent,
        project_id=doc.project_id(parent),
        details={
            "version": version.version_type,
            "version_number": number,
            "previous": previous.label,
            "changes": len(record["operations"]),
            **details,
        },
    )
    return version


def _set_final(doc: VersionedDocument, parent, locked, version, user, *, reason: str) -> None:
    previous_id = locked.final_version_id
    fields: dict[str, Any] = {"final_version": version}
    if any(f.name == "updated_at" for f in type(parent)._meta.concrete_fields):
        fields["updated_at"] = timezone.now()
    type(parent).objects.filter(pk=parent.pk).update(**fields)
    locked.final_version_id = version.pk
    parent.final_version_id = version.pk
    activity_record(
        user=user,
        action=f"{doc.activity_prefix}.finalize",
        target=parent,
        project_id=doc.project_id(parent),
        details={
            "version": version.version_type,
            "version_number": version.version_number,
            "previous_final_id": str(previous_id) if previous_id else None,
            "reason": reason,
        },
    )


def document_save_version(
    *,
    doc: VersionedDocument,
    parent,
    user,
    based_on_version_number: int,
    segments_text: Mapping[int, str] | Sequence[str] | None = None,
    text: str | None = None,
    keep_draft: bool = False,
    confirmed_words: Mapping[int, Sequence[int]] | None = None,
    structure: Sequence[Mapping[str, Any]] | None = None,
    force: Collection[int] = (),
) -> SaveResult:
    """Save an edit as version N+1, merging with anything saved since the editor opened.

    `confirmed_words` ({segment: [word indexes]}) names words the editor listened to and
    confirmed: they lose the engine's confidence, like typed words, so review by doubt no
    longer offers them. It applies where the saved segment text is the one the editor sent.

    `segments_text` is {index: text} for the segments the editor sends (absent ones are
    untouched) or a full list; `text` is the whole document, one line per segment.
    `based_on_version_number` names the version the editor started from (0 = the machine
    text). If someone saved meanwhile, segments only one side changed merge, overlapping
    edits merge when diff-match-patch applies them cleanly, and otherwise `SaveConflict` is
    raised with the edits kept as the user's draft. Nothing changed → no new version.

    `structure` lists split, merge and speaker operations (documents.structure) made before
    the text edits; `segments_text` then names segments by their position after them. A stale
    save with structure changes (or over someone else's) merges by segment id: segments only
    one side touched merge, a segment whose structure or speaker both sides changed is a
    conflict. `force` names segment ids whose conflict the editor resolved as "mine".
    """
    based_on = int(based_on_version_number)
    # Checked again here (the views parse them too): names and texts lose control characters
    # whoever calls.
    ops = parse_operations([dict(op) for op in structure or ()])
    if based_on < 0:
        raise ValidationError("Unknown version to save over.")
    mine: dict[int, str] = {}
    structured = False
    try:
        with transaction.atomic():
            locked = _lock(doc, parent)
            # The timed JSON (~2 MB for three hours) stays in the database when it can.
            latest = document_snapshot(doc=doc, parent=parent, with_json=False)
            server_side = latest.version is not None and _server_side_json()
            if latest.version is not None and not server_side:
                latest = document_snapshot(doc=doc, parent=parent)
            if based_on > latest.number:
                raise ValidationError(
                    f"The editor was based on version {based_on}, which does not exist."
                )
            if ops or force or _structure_moved(doc, parent, latest, based_on):
                structured = True
                if not doc.structure_edits:
                    raise ValidationError(f"The segments of this {doc.kind} cannot be split.")
                return _save_structured(
                    doc=doc,
                    parent=parent,
                    locked=locked,
                    user=user,
                    latest=latest,
                    based_on=based_on,
                    segments_text=segments_text,
                    text=text,
                    ops=ops,
                    force=set(force),
                    keep_draft=keep_draft,
                )
            mine = _mine_from_input(segments_text=segments_text, text=text, count=len(latest.texts))
            if based_on == latest.number:
                base_texts = latest.texts
            else:
                base_texts = document_snapshot(
                    doc=doc, parent=parent, version_number=based_on, with_json=False
                ).texts
            merge = merge_segments(base_texts, mine, latest.texts)
            if merge.conflicts:
                raise SaveConflict(
                    conflicts=merge.conflicts,
                    latest_number=latest.number,
                    latest_label=latest.label,
                )
            changed = [i for i, t in enumerate(merge.texts) if t != latest.texts[i]]
            includes_newer = based_on != latest.number
            confirmed = {
                int(i): {int(k) for k in ks}
                for i, ks in (confirmed_words or {}).items()
                if int(i) in mine and normalize_text(mine[int(i)]) == merge.texts[int(i)]
            }
            if not changed and not confirmed:
                return SaveResult(
                    None, latest.number, latest.label, False, merge, includes_newer=includes_newer
                )
            touched = sorted(set(changed) | set(confirmed))
            old_segments = _stored_segments(doc, latest.version, touched) if server_side else None
            data: dict | RawSQL | None
            if old_segments is not None and len(old_segments) == len(touched):
                new_segments = {
                    i: realign_segment(old_segments[i], merge.texts[i]) for i in touched
                }
                _drop_confidence(new_segments, confirmed, changed)
                data = _patched_json(doc, latest.version, new_segments)
                change = (dict.fromkeys(sorted(set(changed) | set(new_segments)), 1), True)
            else:
                change = None
                if server_side:  # stored without timings: rebuild them from the machine's
                    latest = document_snapshot(doc=doc, parent=parent)
                full = realign_document(latest.json, latest.text, merge.texts)
                new_segments = {i: full["segments"][i] for i in touched} if full else {}
                _drop_confidence(new_segments, confirmed, changed)
                if full:
                    full["segments"] = [
                        new_segments.get(i, seg) for i, seg in enumerate(full["segments"])
                    ]
                data = full
            if not changed and not new_segments:
                return SaveResult(
                    None, latest.number, latest.label, False, merge, includes_newer=includes_newer
                )
            version = _create_version(
                doc=doc,
                parent=parent,
                locked=locked,
                user=user,
                previous=latest,
                texts=merge.texts,
                data=data,
                origin="edit",
                details={
                    "based_on": based_on,
                    "segments_changed": len(changed),
                    "merged_over": latest.label if includes_newer else None,
                    "merged_overlapping": len(merge.patched),
                },
                change=change,
            )
            became_final = False
            if locked.final_version_id is not None and hooks.edits_move_final(doc, parent):
                _set_final(doc, parent, locked, version, user, reason="edited after finalize")
                became_final = True
            if doc.after_save:
                doc.after_save(parent, version, user)
            if not keep_draft:
                transaction.on_commit(
                    lambda: drafts.draft_discard(kind=doc.kind, document_id=parent.pk, user=user)
                )
    except SaveConflict:
        if structured:
            drafts.draft_save(
                kind=doc.kind,
                document_id=parent.pk,
                user=user,
                based_on=based_on,
                segments=_edits_of(segments_text, text),
                structure=ops,
            )
        else:
            _keep_as_draft(doc=doc, parent=parent, user=user, based_on=based_on, mine=mine)
        raise
    except DocumentArchived:
        # Refused before the edits were read: keep them as a draft here all the same, so a
        # form post (no script to keep the text on the page) loses nothing.
        # Edits that could not have been saved anyway (bad segments) are not kept.
        with contextlib.suppress(ValidationError):
            _keep_as_draft(
                doc=doc,
                parent=parent,
                user=user,
                based_on=based_on,
                mine=None,
                segments_text=segments_text,
                text=text,
            )
        raise
    return SaveResult(
        version,
        version.version_number,
        version.version_type,
        True,
        merge,
        became_final,
        changed,
        includes_newer,
        new_segments,
    )


def _edits_of(
    segments_text: Mapping[int, str] | Sequence[str] | None, text: str | None
) -> dict[int, str]:
    if text is not None:
        return dict(enumerate(text.replace("\r\n", "\n").split("\n")))
    if isinstance(segments_text, Mapping):
        return {int(i): str(t) for i, t in segments_text.items()}
    return dict(enumerate(str(t) for t in segments_text or ()))


def _structure_moved(doc: VersionedDocument, parent, latest: Snapshot, based_on: int) -> bool:
    """Whether versions saved after `based_on` split, merged or re-assigned segments (then
    positions no longer name the same segments, and a stale save merges by id). Their diff
    records say so (`"structure"`): one indexed query, no JSON read."""
    if based_on == latest.number or not doc.structure_edits:
        return False
    return (
        versions_of(doc, parent)
        .filter(version_number__gt=based_on, diff_from_previous__contains='"structure"')
        .exists()
    )


def _save_structured(
    *,
    doc: VersionedDocument,
    parent,
    locked,
    user,
    latest: Snapshot,
    based_on: int,
    segments_text,
    text,
    ops: list[dict],
    force: set[int],
    keep_draft: bool,
) -> SaveResult:
    """A save that splits, merges or re-assigns segments (or lands on a version that did):
    merged by segment id (documents.structure.merge_structured)."""
    latest_outline, ids_stored = document_outline(doc, latest)
    if based_on == latest.number:
        base_outline = latest_outline
    else:
        # Its ids and speakers only (read in SQL), not its words.
        base = document_snapshot(
            doc=doc, parent=parent, version_number=based_on, with_json=based_on == BASE_VERSION
        )
        base_outline = document_outline(doc, base)[0]
    # The default speaker's name matters only when it is merged away or shown in a conflict.
    needs_name = based_on != latest.number or any(op["operation"] == "merge_speakers" for op in ops)
    default_name = doc.default_speaker(parent) if doc.default_speaker and needs_name else ""
    edits = _edits_of(segments_text, text)
    merged = merge_structured(
        base_outline, latest_outline, ops, edits, default_name=default_name, force=force
    )
    if merged.conflicts:
        raise SaveConflict(
            conflicts=merged.conflicts, latest_number=latest.number, latest_label=latest.label
        )
    result = merged.outline
    names_changed = result.names != latest_outline.names
    if not merged.operations and not merged.texts_by_id and not names_changed:
        return SaveResult(
            None,
            latest.number,
            latest.label,
            False,
            MergeResult(texts=list(latest.texts)),
            includes_newer=based_on != latest.number,
        )
    server_side = latest.version is not None and _server_side_json() and ids_stored
    if not server_side and latest.json is None:
        latest = document_snapshot(doc=doc, parent=parent)
    if not server_side and latest.json is None:
        raise ValidationError(f"This {doc.kind} has no timed segments to split or merge.")

    def load(positions: list[int]) -> dict[int, dict]:
        if server_side:
            return _stored_segments(doc, latest.version, positions)
        segments = latest.segments
        return {k: segments[k] for k in positions}

    replacements = timed_result(
        len(latest_outline.ids),
        merged.operations,
        merged.texts_by_id,
        latest_outline.ids,
        load,
        realign_segment,
    )
    # Only the top-level keys that change (each rewrite of the ~2 MB JSON costs).
    extra: dict[str, Any] = {}
    if names_changed or (result.names and not ids_stored):
        extra["speakers"] = result.names
    if result.next_id != latest_outline.next_id or merged.operations:
        extra["next_segment_id"] = result.next_id
    if result.next_speaker != latest_outline.next_speaker or names_changed:
        extra["next_speaker"] = result.next_speaker
    data: dict | RawSQL
    if server_side:
        data = _restructured_json(doc, latest.version, replacements, extra)
    else:
        assert latest.json is not None
        segments = [
            seg if seg.get("id") == latest_outline.ids[k] else {**seg, "id": latest_outline.ids[k]}
            for k, seg in enumerate(latest.segments)
        ]
        data = {**latest.json, **extra, "segments": apply_replacements(segments, replacements)}
    includes_newer = based_on != latest.number
    version = _create_version(
        doc=doc,
        parent=parent,
        locked=locked,
        user=user,
        previous=latest,
        texts=result.texts,
        data=data,
        origin="edit",
        details={
            "based_on": based_on,
            "segments_changed": len(merged.touched),
            "structure": [op["operation"] for op in merged.operations],
            "merged_over": latest.label if includes_newer else None,
            "merged_overlapping": len(merged.patched),
        },
        structure=merged.operations,
        intermediate=merged.intermediate.texts,
        change=({k: len(segs) for k, segs in replacements.items()}, False) if server_side else None,
    )
    # The names this version has, for after_save (no need to read them back from its JSON).
    version.speaker_names = dict(result.names)
    became_final = False
    if locked.final_version_id is not None and hooks.edits_move_final(doc, parent):
        _set_final(doc, parent, locked, version, user, reason="edited after finalize")
        became_final = True
    if doc.after_save:
        doc.after_save(parent, version, user)
    if not keep_draft:
        transaction.on_commit(
            lambda: drafts.draft_discard(kind=doc.kind, document_id=parent.pk, user=user)
        )
    # The new timed segments by position in the result, for the page that saved.
    position = {i: k for k, i in enumerate(result.ids)}
    new_segments = {
        position[seg["id"]]: seg
        for segs in replacements.values()
        for seg in segs
        if seg.get("id") in position
    }
    changed = sorted(new_segments)
    return SaveResult(
        version,
        version.version_number,
        version.version_type,
        True,
        MergeResult(texts=list(result.texts), patched=list(merged.patched)),
        became_final,
        changed,
        includes_newer,
        new_segments,
        ids=list(result.ids),
    )


def _drop_confidence(
    segments: dict[int, dict], confirmed: Mapping[int, set[int]], changed: Sequence[int]
) -> None:
    """Confirmed words become certain (no `probability`). A segment whose text did not
    change and where that removes nothing is taken out of `segments`: not rewritten."""
    for i, indexes in confirmed.items():
        segment = segments.get(i)
        if segment is None:
            continue
        words = segment.get("words") or []
        if any(k < len(words) and "probability" in words[k] for k in indexes):
            segments[i] = {
                **segment,
                "words": [
                    {key: v for key, v in w.items() if key != "probability"} if k in indexes else w
                    for k, w in enumerate(words)
                ],
            }
        elif i not in changed:
            del segments[i]


def _keep_as_draft(
    *,
    doc: VersionedDocument,
    parent,
    user,
    based_on: int,
    mine: dict[int, str] | None,
    segments_text: Mapping[int, str] | Sequence[str] | None = None,
    text: str | None = None,
) -> None:
    """Keep edits that were not saved as the user's draft: the segments that differ from
    the version they were made on."""
    base = document_snapshot(doc=doc, parent=parent, version_number=based_on, with_json=False)
    if mine is None:
        mine = _mine_from_input(segments_text=segments_text, text=text, count=len(base.texts))
    drafts.draft_save(
        kind=doc.kind,
        document_id=parent.pk,
        user=user,
        based_on=based_on,
        segments={i: t for i, t in mine.items() if normalize_text(t) != base.texts[i]},
    )


# A draft's segment may hold this many times the segment's current text, or this many
# characters if that is more: room for any real rewrite, none for a 10 MB paste that would
# then sit in the cache for EDITOR_DRAFT_SECONDS.
DRAFT_SEGMENT_GROWTH = 4
DRAFT_SEGMENT_MIN_CHARS = 2_000


def document_draft_check(
    *,
    doc: VersionedDocument,
    parent,
    based_on: int,
    segments: Mapping[int, str],
    added: int = 0,
) -> None:
    """Refuse (ValidationError, with what is wrong) a draft that does not fit the document:
    a version it does not have, segments it does not have, a segment far too long. `added`
    segments (made by splits in the draft) may follow the version's own."""
    if not segments:
        return
    try:
        base = document_snapshot(
            doc=doc, parent=parent, version_number=int(based_on), with_json=False
        )
    except ValidationError:
        raise ValidationError(
            f"The draft was made on version {based_on}, which this {doc.kind} does not have. "
            "Reload the page."
        ) from None
    count = len(base.texts) + added
    missing = sorted(i for i in segments if not 0 <= i < count)
    if missing:
        raise ValidationError(
            f"The draft has text for segment {missing[0] + 1}, but this {doc.kind} has "
            f"{count} segment{'s' if count != 1 else ''}. Reload the page."
        )
    for index in sorted(segments):
        # After splits and merges a position names another segment: measured against the
        # longest segment then.
        reference = (
            base.texts[index] if not added and index < len(base.texts) else max(base.texts, key=len)
        )
        limit = max(DRAFT_SEGMENT_MIN_CHARS, DRAFT_SEGMENT_GROWTH * len(reference))
        if len(segments[index]) > limit:
            raise ValidationError(
                f"Segment {index + 1} of the draft is {len(segments[index]):,} characters "
                f"long; a draft of it can hold at most {limit:,}. Shorten it, or split the "
                "text over several segments."
            )


def document_restore_version(*, doc: VersionedDocument, parent, user, version_number: int):
    """Make an earlier state the newest: a new version with its text and timings."""
    with transaction.atomic():
        locked = _lock(doc, parent)
        latest = document_snapshot(doc=doc, parent=parent)
        old = document_snapshot(doc=doc, parent=parent, version_number=int(version_number))
        structure = None
        intermediate = None
        data = realign_document(old.json, old.text, old.texts) if old.json else None
        if doc.structure_edits and old.json and latest.json:
            old_outline = outline_of(old.json, old.texts)
            latest_outline = outline_of(latest.json, latest.texts)
            if (old_outline.ids, old_outline.speakers, old_outline.names) != (
                latest_outline.ids,
                latest_outline.speakers,
                latest_outline.names,
            ):
                # The old segments and speakers come back; ids are never handed out again.
                assert data is not None
                data = {
                    **data,
                    "speakers": old_outline.names,
                    "next_segment_id": max(old_outline.next_id, latest_outline.next_id),
                    "next_speaker": max(old_outline.next_speaker, latest_outline.next_speaker),
                    "segments": [
                        {**seg, "id": i}
                        for seg, i in zip(data["segments"], old_outline.ids, strict=True)
                    ],
                }
                structure = [
                    {
                        "operation": "restore",
                        "segments": [
                            [i, s]
                            for i, s in zip(old_outline.ids, old_outline.speakers, strict=True)
                        ],
                        "speakers": old_outline.names,
                    }
                ]
                intermediate = old.texts
        if old.texts == latest.texts and structure is None:
            raise ValidationError(f"{old.label} is already the current text.")
        if len(old.texts) != len(latest.texts) and structure is None:
            raise ValidationError(f"{old.label} has a different number of segments.")
        version = _create_version(
            doc=doc,
            parent=parent,
            locked=locked,
            user=user,
            previous=latest,
            texts=old.texts,
            data=data,
            origin="restore",
            details={"restored": old.label, "restored_number": old.number},
            structure=structure,
            intermediate=intermediate,
        )
        if locked.final_version_id is not None and hooks.edits_move_final(doc, parent):
            _set_final(doc, parent, locked, version, user, reason=f"restored {old.label}")
        if doc.after_save:
            doc.after_save(parent, version, user)
    return version


def document_finalize(*, doc: VersionedDocument, parent, user, version_number: int | None = None):
    """Point the parent's final version at a version (the latest by default).

    The machine text is not a version: finalizing it (unedited, or chosen from the history)
    first saves it as a new version, so the final is always a version row. Finalizing what
    is already final creates nothing (a double-clicked Finalize, a second tab): the parent's
    row lock makes a second request wait, then find the first one's result. Rules of apps
    above (approval) refuse through `hooks.finalize_guards`.
    """
    with transaction.atomic():
        locked = _lock(doc, parent)
        version = _finalizable_version(doc, parent, locked, user, version_number)
        if locked.final_version_id == version.pk:
            return version
        hooks.run_finalize_guards(doc, parent, version, user)
        _set_final(doc, parent, locked, version, user, reason="finalize")
    return version


def document_finalize_candidate(
    *, doc: VersionedDocument, parent, user, version_number: int | None = None
):
    """The version row finalizing would make final (the machine text saved as a version
    first, the document's finalize check passed), without moving the final: what a request
    for approval names."""
    with transaction.atomic():
        locked = _lock(doc, parent)
        return _finalizable_version(doc, parent, locked, user, version_number)


def _finalizable_version(doc: VersionedDocument, parent, locked, user, version_number):
    latest = document_snapshot(doc=doc, parent=parent)
    number = latest.number if version_number is None else int(version_number)
    if doc.finalize_check:
        chosen = (
            latest
            if number == latest.number
            else document_snapshot(doc=doc, parent=parent, version_number=number)
        )
        doc.finalize_check(parent, chosen)
    if number == BASE_VERSION:
        return _base_as_version(doc=doc, parent=parent, locked=locked, user=user, latest=latest)
    version = (
        versions_of(doc, parent)
        .defer("json_with_timestamps", "edited_text")
        .filter(version_number=number)
        .first()
    )
    if version is None:
        raise ValidationError(f"There is no version {number}.")
    return version


def _base_as_version(*, doc: VersionedDocument, parent, locked, user, latest: Snapshot):
    """The version that holds the machine text, for finalizing it: the final version or the
    latest one when either has exactly that text, else a new version saved from it."""
    base = base_snapshot(doc, parent)
    if locked.final_version_id is not None:
        final = versions_of(doc, parent).filter(pk=locked.final_version_id).first()
        if final is not None and version_snapshot(final, with_json=False).texts == base.texts:
            return final
    if latest.version is not None and latest.texts == base.texts:
        return latest.version
    return _create_version(
        doc=doc,
        parent=parent,
        locked=locked,
        user=user,
        previous=latest,
        texts=base.texts,
        data=realign_document(base.json, base.text, base.texts) if base.json else None,
        origin="finalize",
        details={"finalized": base.label},
    )


def document_replace_all(
    *,
    doc: VersionedDocument,
    parent,
    user,
    based_on_version_number: int,
    find: str,
    replace: str,
    match_case: bool = False,
    whole_words: bool = False,
) -> tuple[SaveResult, int]:
    """Find and replace across the document, saved as a version; timings follow the words."""
    if not normalize_text(find):
        raise ValidationError("Type the text to find.")
    if "\n" in find or "\n" in replace:
        raise ValidationError("Find and replace work within one line.")
    based = document_snapshot(
        doc=doc, parent=parent, version_number=int(based_on_version_number), with_json=False
    )
    changed, count = replace_in_segments(
        based.texts, find, replace, match_case=match_case, whole_words=whole_words
    )
    if not count:
        raise ValidationError(f"“{normalize_text(find)}” does not occur in {based.label}.")
    result = document_save_version(
        doc=doc,
        parent=parent,
        user=user,
        based_on_version_number=based.number,
        segments_text=changed,
        keep_draft=True,
    )
    return result, count
