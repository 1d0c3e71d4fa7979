"""Structure edits of a timed document: split a segment at a word, merge two neighbours, give
a segment to a speaker, rename a speaker, merge two speakers (DESIGN.md "Speakers and
segments").

Segments are named by their JSON `id`, never by position: ids stay unique within a document
and are never reused, so an edit made on an older version applies to a newer one as long as
nobody else touched those segments. Operations (the shape `diff_from_previous` records):

    {"operation": "split", "segment": 5, "new_segment": 12, "left": "...", "right": "..."}
    {"operation": "merge", "segment": 5, "next": 6}
    {"operation": "speaker", "segment": 5, "speaker": "S2"}
    {"operation": "rename", "speaker": "S2", "name": "Dr. Lee"}     (also adds a speaker)
    {"operation": "merge_speakers", "speaker": "S2", "into": "S1"}

A split names both parts' texts, so text typed before the split travels with it; a split
whose parts are the segment's words is a split "at a word". Segments without a `speaker`
belong to the default speaker `S1`, whose name is the document's default unless renamed.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from documents.diffs import new_patcher
from documents.merge import Conflict, merge_text
from documents.realign import realign_words
from documents.text import normalize_text

DEFAULT_SPEAKER = "S1"
SPEAKER_LABEL = re.compile(r"^S[1-9][0-9]{0,3}$")
MAX_SPEAKER_NAME = 80
MAX_OPERATIONS = 2_000
OPERATIONS = ("split", "merge", "speaker", "rename", "merge_speakers")


# ---------------------------------------------------------------------------------------------
# A document's outline: segment ids, speakers and texts, without word timings
# ---------------------------------------------------------------------------------------------


@dataclass
class Outline:
    ids: list[int]
    speakers: list[str]
    texts: list[str]
    names: dict[str, str]  # speaker label -> name (the default speaker may be absent)
    next_id: int
    # The number of the next new speaker's label: labels, like ids, are never handed out
    # again (a speaker's own dictionary entries must not pass to someone else).
    next_speaker: int = 2

    def copy(self) -> Outline:
        return Outline(
            list(self.ids),
            list(self.speakers),
            list(self.texts),
            dict(self.names),
            self.next_id,
            self.next_speaker,
        )

    def position(self, segment_id: int) -> int | None:
        try:
            return self.ids.index(segment_id)
        except ValueError:
            return None


def segment_speaker(segment: Mapping[str, Any]) -> str:
    label = segment.get("speaker")
    return label if isinstance(label, str) and label else DEFAULT_SPEAKER


def segment_ids(segments: Sequence[Mapping[str, Any]]) -> list[int] | None:
    """The segments' ids, or None when some have none or they repeat (then positions are the
    ids, written into the JSON the first time its structure changes)."""
    ids = [seg.get("id") for seg in segments]
    if all(isinstance(i, int) and not isinstance(i, bool) for i in ids) and len(set(ids)) == len(
        ids
    ):
        return ids  # type: ignore[return-value]
    return None


def outline_of(data: Mapping[str, Any] | None, texts: Sequence[str]) -> Outline:
    """The outline of a document's timed JSON (its texts as given, one per segment)."""
    segments = list((data or {}).get("segments") or [])
    ids = segment_ids(segments) if len(segments) == len(texts) else None
    if ids is None:
        ids = list(range(len(texts)))
    speakers = (
        [segment_speaker(seg) for seg in segments]
        if len(segments) == len(texts)
        else [DEFAULT_SPEAKER] * len(texts)
    )
    return outline_from_parts(ids, speakers, texts, data)


def outline_from_parts(
    ids: list[int], speakers: list[str], texts: Sequence[str], data: Mapping[str, Any] | None
) -> Outline:
    data = data or {}
    names = {
        str(k): str(v)
        for k, v in (data.get("speakers") or {}).items()
        if isinstance(v, str) and isinstance(k, str)
    }
    stored_next = data.get("next_segment_id")
    next_id = max([*ids, -1]) + 1
    if isinstance(stored_next, int) and stored_next > next_id:
        next_id = stored_next
    next_speaker = max(label_number(label) for label in [*names, *speakers, DEFAULT_SPEAKER]) + 1
    stored_speaker = data.get("next_speaker")
    if isinstance(stored_speaker, int) and stored_speaker > next_speaker:
        next_speaker = stored_speaker
    return Outline(list(ids), list(speakers), list(texts), names, next_id, next_speaker)


def label_number(label: str) -> int:
    return int(label[1:]) if SPEAKER_LABEL.match(label) else 0


def speaker_name(names: Mapping[str, str], label: str, default_name: str) -> str:
    if label in names:
        return names[label]
    return default_name if label == DEFAULT_SPEAKER else label


def speakers_used(outline: Outline) -> list[str]:
    """Labels that speak in the document, then named ones that do not (in label order)."""
    seen: list[str] = []
    for label in outline.speakers:
        if label not in seen:
            seen.append(label)
    rest = sorted(set(outline.names) - set(seen), key=lambda s: (len(s), s))
    return seen + rest


# ---------------------------------------------------------------------------------------------
# Reading operations from a request
# ---------------------------------------------------------------------------------------------


def _clean(value: Any) -> str:
    """Text as stored: no control characters (they break DOCX and XML exports; the editor
    drops them as they are typed), single spaces."""
    text = value if isinstance(value, str) else ""
    return normalize_text(
        "".join(ch for ch in text if unicodedata.category(ch) != "Cc" or ch in "\t\n")
    )


def _need_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(f"{what} is not a segment id.")
    return value


def _need_label(value: Any) -> str:
    if not isinstance(value, str) or not SPEAKER_LABEL.match(value):
        raise ValidationError("A speaker is named by a label such as S2.")
    return value


def parse_operations(raw: Any) -> list[dict[str, Any]]:
    """Validated, normalised structure operations (ValidationError says what is wrong)."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or len(raw) > MAX_OPERATIONS:
        raise ValidationError("The structure changes could not be read.")
    ops: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, dict) or item.get("operation") not in OPERATIONS:
            raise ValidationError("The structure changes could not be read.")
        kind = item["operation"]
        if kind == "split":
            left, right = _clean(item.get("left")), _clean(item.get("right"))
            if not left or not right:
                raise ValidationError("A split needs words on both sides of the cut.")
            ops.append(
                {
                    "operation": "split",
                    "segment": _need_int(item.get("segment"), "The segment to split"),
                    "new_segment": _need_int(item.get("new_segment"), "The new segment"),
                    "left": left,
                    "right": right,
                }
            )
        elif kind == "merge":
            ops.append(
                {
                    "operation": "merge",
                    "segment": _need_int(item.get("segment"), "The segment to merge"),
                    "next": _need_int(item.get("next"), "The next segment"),
                }
            )
        elif kind == "speaker":
            ops.append(
                {
                    "operation": "speaker",
                    "segment": _need_int(item.get("segment"), "The segment"),
                    "speaker": _need_label(item.get("speaker")),
                }
            )
        elif kind == "rename":
            name = _clean(item.get("name"))
            if not name:
                raise ValidationError("Type the speaker's name.")
            if len(name) > MAX_SPEAKER_NAME:
                raise ValidationError(
                    f"A speaker's name has at most {MAX_SPEAKER_NAME} characters."
                )
            ops.append(
                {"operation": "rename", "speaker": _need_label(item.get("speaker")), "name": name}
            )
        else:
            into = _need_label(item.get("into"))
            speaker = _need_label(item.get("speaker"))
            if into == speaker:
                raise ValidationError("A speaker cannot be merged into itself.")
            ops.append({"operation": "merge_speakers", "speaker": speaker, "into": into})
    return ops


# ---------------------------------------------------------------------------------------------
# Applying operations to an outline
# ---------------------------------------------------------------------------------------------


@dataclass
class Applied:
    outline: Outline
    operations: list[dict[str, Any]]  # as applied: real ids
    touched: set[int] = field(default_factory=set)  # ids (of the outline given) the ops changed
    id_map: dict[int, int] = field(default_factory=dict)  # requested new id -> allocated id
    renamed: set[str] = field(default_factory=set)


def _known(outline: Outline, label: str) -> bool:
    return label == DEFAULT_SPEAKER or label in outline.names or label in outline.speakers


def apply_operations(
    outline: Outline,
    operations: Sequence[Mapping[str, Any]],
    *,
    default_name: str = "",
    revive: Outline | None = None,
) -> Applied:
    """Apply operations in order to a copy of `outline`. New segments get fresh ids (a
    requested id is remembered, so later operations may name it). Raises ValidationError
    for an operation that does not fit (a segment that is not there, a merge with a
    segment that is not the next one).

    `revive` (the outline the operations were made on) lets them win over a newer version
    (a conflict resolved as "mine"): a segment merged into the one before comes back, cut
    off its tail under a new id, and a speaker merged away comes back with its name."""
    out = outline.copy()
    original = set(outline.ids)
    applied = Applied(out, [])

    def resolve(segment_id: int) -> int:
        return applied.id_map.get(segment_id, segment_id)

    def where(segment_id: int) -> int:
        index = out.position(segment_id)
        if index is None and revive is not None:
            index = bring_back(segment_id)
        if index is None:
            raise ValidationError(f"Segment {segment_id} is not in this version.")
        return index

    def bring_back(segment_id: int) -> int | None:
        at = revive.position(segment_id) if revive is not None else None
        if revive is None or at is None:
            return None
        holder = next(
            (out.position(i) for i in reversed(revive.ids[:at]) if out.position(i) is not None),
            None,
        )
        if holder is None:
            return None
        words, tail = out.texts[holder].split(), len(revive.texts[at].split())
        if not 0 < tail < len(words):
            return None
        new_id = out.next_id
        out.next_id += 1
        left, right = " ".join(words[:-tail]), " ".join(words[-tail:])
        out.texts[holder] = left
        out.ids.insert(holder + 1, new_id)
        out.speakers.insert(holder + 1, revive.speakers[at])
        out.texts.insert(holder + 1, right)
        applied.id_map[segment_id] = new_id
        touch(out.ids[holder])
        split = {"segment": out.ids[holder], "new_segment": new_id, "left": left, "right": right}
        applied.operations.append({"operation": "split", **split})
        if revive.speakers[at] != out.speakers[holder]:
            speaker = {"segment": new_id, "speaker": revive.speakers[at]}
            applied.operations.append({"operation": "speaker", **speaker})
        return holder + 1

    def touch(segment_id: int) -> None:
        if segment_id in original:
            applied.touched.add(segment_id)

    for op in operations:
        kind = op["operation"]
        if kind == "split":
            i = where(resolve(op["segment"]))
            seg = out.ids[i]
            new_id = out.next_id
            out.next_id += 1
            applied.id_map[op["new_segment"]] = new_id
            out.texts[i] = op["left"]
            out.ids.insert(i + 1, new_id)
            out.speakers.insert(i + 1, out.speakers[i])
            out.texts.insert(i + 1, op["right"])
            touch(seg)
            applied.operations.append({**op, "segment": seg, "new_segment": new_id})
        elif kind == "merge":
            where(resolve(op["next"]))
            i = where(resolve(op["segment"]))
            seg, nxt = out.ids[i], resolve(op["next"])
            if i + 1 >= len(out.ids) or out.ids[i + 1] != nxt:
                raise ValidationError("Only a segment and the one right after it can be merged.")
            out.texts[i] = normalize_text(f"{out.texts[i]} {out.texts[i + 1]}")
            del out.ids[i + 1], out.speakers[i + 1], out.texts[i + 1]
            touch(seg)
            touch(nxt)
            applied.operations.append({**op, "segment": seg, "next": nxt})
        elif kind == "speaker":
            i = where(resolve(op["segment"]))
            seg = out.ids[i]
            if not _known(out, op["speaker"]) and revive and op["speaker"] in revive.names:
                out.names[op["speaker"]] = revive.names[op["speaker"]]
                applied.renamed.add(op["speaker"])
                back = {"speaker": op["speaker"], "name": revive.names[op["speaker"]]}
                applied.operations.append({"operation": "rename", **back})
            if not _known(out, op["speaker"]):
                raise ValidationError(f"Speaker {op['speaker']} has no name yet.")
            out.speakers[i] = op["speaker"]
            touch(seg)
            applied.operations.append({**op, "segment": seg})
        elif kind == "rename":
            out.names[op["speaker"]] = op["name"]
            out.next_speaker = max(out.next_speaker, label_number(op["speaker"]) + 1)
            applied.renamed.add(op["speaker"])
            applied.operations.append(dict(op))
        else:
            gone, into = op["speaker"], op["into"]
            if not _known(out, gone) or not _known(out, into):
                raise ValidationError("Both speakers must exist to merge them.")
            for i, label in enumerate(out.speakers):
                if label == gone:
                    out.speakers[i] = into
                    touch(out.ids[i])
            if gone == DEFAULT_SPEAKER:
                # The default speaker cannot disappear (segments without a label are its):
                # it keeps the merged-into speaker's name instead.
                out.names[gone] = speaker_name(out.names, into, default_name)
            else:
                out.names.pop(gone, None)
            applied.renamed.update({gone, into})
            applied.operations.append(dict(op))
    return applied


# ---------------------------------------------------------------------------------------------
# A save with structure changes, made on `base`, merged into `latest`
# ---------------------------------------------------------------------------------------------


@dataclass
class StructuredMerge:
    outline: Outline  # the result
    intermediate: Outline  # latest with the operations applied, before text edits
    operations: list[dict[str, Any]]
    texts_by_id: dict[int, str]  # final text edits (after the operations), by result id
    conflicts: list[Conflict] = field(default_factory=list)
    patched: list[int] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)  # latest ids whose segment changes

    @property
    def clean(self) -> bool:
        return not self.conflicts


def changed_ids(base: Outline, latest: Outline) -> set[int]:
    """Segments of `base` that are gone or different (text or speaker) in `latest`."""
    later = {i: (t, s) for i, t, s in zip(latest.ids, latest.texts, latest.speakers, strict=True)}
    return {
        i
        for i, t, s in zip(base.ids, base.texts, base.speakers, strict=True)
        if later.get(i) != (t, s)
    }


def merge_structured(
    base: Outline,
    latest: Outline,
    operations: Sequence[Mapping[str, Any]],
    edits: Mapping[int, str],
    *,
    default_name: str = "",
    force: set[int] | frozenset[int] = frozenset(),
) -> StructuredMerge:
    """Merge one editor's save (operations, then text `edits` by position in the editor's
    document) made on `base` into `latest`.

    Segments only one side touched merge; a segment both sides changed is a conflict when
    either side changed its structure or speaker, and otherwise goes through `merge_text`
    like any overlapping text edit. `force` names segments whose conflict the editor
    resolved as "mine" (their operations are applied over the other change when they still
    fit)."""
    existing = set(base.ids)
    if any(op["operation"] == "split" and op["new_segment"] in existing for op in operations):
        raise ValidationError("A split names a new segment that already exists. Reload the page.")
    for op in operations:
        label = op.get("speaker", "")
        if (
            op["operation"] == "rename"
            and not _known(base, label)
            and label_number(label) < base.next_speaker
        ):
            raise ValidationError(
                f"Speaker {label} was someone else in this transcript; a new speaker gets a "
                "new label. Reload the page and add them again."
            )
    mine = apply_operations(base, operations, default_name=default_name)
    count = len(mine.outline.ids)
    bad = [i for i in edits if not 0 <= i < count]
    if bad:
        raise ValidationError(f"There is no segment {bad[0] + 1}; the document has {count}.")
    wanted = {mine.outline.ids[i]: normalize_text(t) for i, t in edits.items()}
    # Edits of segments the operations created name them by the id the editor used for them.
    reverse_map = {v: k for k, v in mine.id_map.items()}
    theirs = set() if base is latest else changed_ids(base, latest)
    conflicts: list[Conflict] = []
    base_text = dict(zip(base.ids, base.texts, strict=True))
    latest_pos = {i: k for k, i in enumerate(latest.ids)}
    base_pos = {i: k for k, i in enumerate(base.ids)}

    def conflict(segment_id: int, mine_text: str, their_text: str | None = None) -> None:
        index = latest_pos.get(segment_id, base_pos.get(segment_id, 0))
        if their_text is None and segment_id in latest_pos:
            their_text = latest.texts[latest_pos[segment_id]]
        elif their_text is None:
            # Gone in theirs: merged into the segment before (the one that holds its words).
            before = [i for i in base.ids[: base_pos.get(segment_id, 0)] if i in latest_pos]
            index = latest_pos[before[-1]] if before else 0
            held = latest.texts[index] if before else ""
            their_text = f"(merged into the segment before: {held})"
        # A speaker change shows as the speakers' names before the words.
        mine_label = dict(zip(mine.outline.ids, mine.outline.speakers, strict=True)).get(segment_id)
        their_label = dict(zip(latest.ids, latest.speakers, strict=True)).get(segment_id)
        if mine_label and their_label and mine_label != their_label:
            mine_name = speaker_name(mine.outline.names, mine_label, default_name)
            their_name = speaker_name(latest.names, their_label, default_name)
            mine_text, their_text = f"{mine_name}: {mine_text}", f"{their_name}: {their_text}"
        conflicts.append(
            Conflict(index, base_text.get(segment_id, ""), mine_text, their_text, segment_id)
        )

    mine_texts = dict(zip(mine.outline.ids, mine.outline.texts, strict=True))
    for segment_id in sorted((mine.touched & theirs) - set(force)):
        pieces = [
            mine_texts[i]
            for i in mine.outline.ids
            if i == segment_id or _origin(mine.operations, i) == segment_id
        ]
        conflict(segment_id, " ¶ ".join(pieces))
    for label in sorted(mine.renamed):
        before, after = base.names.get(label), latest.names.get(label)
        if before == after or mine.outline.names.get(label) == after:
            continue
        # Both sides renamed (or merged away) the same speaker: shown on its first segment.
        first = next(
            (i for i, s in zip(latest.ids, latest.speakers, strict=True) if s == label), None
        )
        if first is None:
            first = latest.ids[0] if latest.ids else 0
        if first not in force:
            index = latest_pos.get(first, 0)
            conflicts.append(
                Conflict(
                    index,
                    f"{label}: {base.names.get(label, default_name)}",
                    f"{label}: {mine.outline.names.get(label) or '(merged)'}",
                    f"{label}: {latest.names.get(label) or '(merged)'}",
                    first,
                    label,
                )
            )
    if conflicts:
        return StructuredMerge(latest.copy(), latest.copy(), [], {}, conflicts)
    try:
        on_latest = apply_operations(
            latest, operations, default_name=default_name, revive=base if force else None
        )
    except ValidationError:
        # The operations no longer fit (a forced segment is gone): a conflict on each.
        for segment_id in sorted(mine.touched):
            conflict(segment_id, mine_texts.get(segment_id, ""))
        return StructuredMerge(latest.copy(), latest.copy(), [], {}, conflicts)
    result = on_latest.outline.copy()
    position = {i: k for k, i in enumerate(result.ids)}
    texts_by_id: dict[int, str] = {}
    patched: list[int] = []
    touched = set(on_latest.touched)
    for my_id, my_text in wanted.items():
        target = on_latest.id_map.get(reverse_map.get(my_id, my_id), my_id)
        if target not in position:
            conflict(my_id, my_text)
            continue
        k = position[target]
        # A segment the other side split: my text edit is of all its parts (text typed
        # before a split belongs to the parts its words went to).
        group = [k]
        if my_id in theirs and my_id not in mine.touched:
            mine_new = set(on_latest.id_map.values())
            while (
                group[-1] + 1 < len(result.ids)
                and result.ids[group[-1] + 1] not in existing
                and result.ids[group[-1] + 1] not in mine_new
            ):
                group.append(group[-1] + 1)
        current = " ".join(result.texts[j] for j in group)
        if my_text == current:
            continue
        if my_id in theirs and my_id not in mine.touched:
            before = base_text.get(my_id, "")
            if my_text == before and my_id not in force:
                continue  # mine is the old text: theirs stands
            merged = my_text if my_id in force else merge_text(before, my_text, current)
            if merged is None:
                conflict(my_id, my_text, " ¶ ".join(result.texts[j] for j in group))
                continue
            if my_id not in force:
                patched.append(k)
            pieces = spread_words(merged, [result.texts[j] for j in group])
        else:
            pieces = [my_text]
        for j, piece in zip(group, pieces, strict=True):
            if piece == result.texts[j]:
                continue
            result.texts[j] = piece
            texts_by_id[result.ids[j]] = piece
            if result.ids[j] in set(latest.ids):
                touched.add(result.ids[j])
    if conflicts:
        return StructuredMerge(latest.copy(), latest.copy(), [], {}, conflicts)
    return StructuredMerge(
        result, on_latest.outline, on_latest.operations, texts_by_id, [], patched, touched
    )


def spread_words(text: str, parts: Sequence[str]) -> list[str]:
    """`text` cut into as many pieces as `parts`, where the parts' edges went in it (an
    edit of a segment laid over the parts someone split it into): the cuts follow a
    character diff of the joined parts to `text`, moved to the next space. Where that would
    leave a piece without words, the cuts keep the parts' word counts."""
    if len(parts) == 1:
        return [text]
    joined = " ".join(parts)
    patcher = new_patcher()
    diffs = patcher.diff_main(joined, text)
    edges, at = [0], 0
    for part in parts[:-1]:
        at += len(part)
        cut = patcher.diff_xIndex(diffs, at)
        while 0 < cut < len(text) and text[cut - 1] != " " and text[cut] != " ":
            cut += 1
        edges.append(cut)
        at += 1
    edges.append(len(text))
    pieces = [normalize_text(text[a:b]) for a, b in itertools.pairwise(edges)]
    if all(pieces) and " ".join(pieces) == normalize_text(text):
        return pieces
    words, counts = text.split(), [len(part.split()) for part in parts]
    cuts = list(itertools.accumulate(counts[:-1]))
    cuts = [min(max(c, k + 1), len(words) - len(cuts) + k) for k, c in enumerate(cuts)]
    bounds = [0, *cuts, len(words)]
    return [" ".join(words[a:b]) for a, b in itertools.pairwise(bounds)]


def drop_segments(
    base: Outline,
    operations: Sequence[Mapping[str, Any]],
    edits: Mapping[int, str],
    *,
    segments: set[int],
    speakers: set[str] = frozenset(),  # type: ignore[assignment]
) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """An editor's save without its changes to some segments (a conflict resolved as
    "theirs"): operations touching them (or made on parts split from them) and text edits
    of those segments are left out; renames of `speakers` too. Returns operations and
    edits (by position in the smaller result)."""
    mine = apply_operations(base, operations)
    by_id = {mine.outline.ids[p]: t for p, t in edits.items() if 0 <= p < len(mine.outline.ids)}

    def origins(op: Mapping[str, Any]) -> set[int | None]:
        keys = ("segment", "next") if op["operation"] in ("split", "merge", "speaker") else ()
        return {_origin(mine.operations, op[k]) for k in keys if k in op}

    keep = [
        op
        for op in mine.operations
        if not (origins(op) & segments)
        and not (op["operation"] in ("rename", "merge_speakers") and op["speaker"] in speakers)
    ]
    reduced = apply_operations(base, keep)
    back = {v: k for k, v in reduced.id_map.items()}
    new_edits = {}
    for position, reduced_id in enumerate(reduced.outline.ids):
        mine_id = back.get(reduced_id, reduced_id)
        if mine_id in by_id and _origin(mine.operations, mine_id) not in segments:
            new_edits[position] = by_id[mine_id]
    return keep, new_edits


def _origin(operations: Sequence[Mapping[str, Any]], new_id: int) -> int | None:
    """The original segment a segment made by splits came from."""
    parent = {op["new_segment"]: op["segment"] for op in operations if op["operation"] == "split"}
    while new_id in parent:
        new_id = parent[new_id]
    return new_id


# ---------------------------------------------------------------------------------------------
# Timed segments for a structure change
# ---------------------------------------------------------------------------------------------


def split_segment(segment: dict, new_id: int, left: str, right: str) -> tuple[dict, dict]:
    """Two segments from one: the words realigned to `left right`, then cut between them.
    The left part ends at the end of its last word, the right part starts at the first word
    after the cut; the outer edges stay."""
    words = realign_words(
        segment.get("words") or [], f"{left} {right}", segment.get("start"), segment.get("end")
    )
    cut = len(left.split())
    left_words, right_words = words[:cut], words[cut:]
    left_end = left_words[-1].get("end") if left_words else None
    right_start = right_words[0].get("start") if right_words else None
    first = {**segment, "text": left, "words": left_words}
    second = {**segment, "id": new_id, "text": right, "words": right_words}
    if left_end is not None:
        first["end"] = left_end
    if right_start is not None:
        second["start"] = right_start
    for part in (first, second):
        part.pop("placeholder", None)
    return first, second


def merge_two(first: dict, second: dict) -> dict:
    """One segment from two neighbours: start of the first, end of the second, words joined."""
    merged = {
        **first,
        "text": normalize_text(f"{first.get('text', '')} {second.get('text', '')}"),
        "words": [*(first.get("words") or []), *(second.get("words") or [])],
    }
    if second.get("end") is not None:
        merged["end"] = second["end"]
    if merged.get("start") is None:
        merged["start"] = second.get("start")
    merged.pop("placeholder", None)
    return merged


@dataclass
class Slot:
    origin: int  # position in the document the operations were applied to
    segment: dict | None  # None: that segment unchanged


def timed_result(
    count: int,
    operations: Sequence[Mapping[str, Any]],
    texts_by_id: Mapping[int, str],
    ids: Sequence[int],
    load: Callable[[list[int]], dict[int, dict]],
    realign: Callable[[dict, str], dict],
) -> dict[int, list[dict]]:
    """Replacements {position: [segments]} that turn a document of `count` segments with
    `ids` into the result of `operations` (real ids, as applied) plus `texts_by_id`. Only
    the segments involved are loaded (`load(positions)`)."""
    position = {i: k for k, i in enumerate(ids)}
    slots_ids = list(ids)
    origins = list(range(count))
    needed: set[int] = set()
    # First pass: which stored segments the operations and edits need.
    for op in operations:
        kind = op["operation"]
        if kind in ("split", "speaker"):
            if op["segment"] in position:
                needed.add(position[op["segment"]])
        elif kind == "merge":
            for key in ("segment", "next"):
                if op[key] in position:
                    needed.add(position[op[key]])
    speaker_merges = [op for op in operations if op["operation"] == "merge_speakers"]
    for i in texts_by_id:
        if i in position:
            needed.add(position[i])
    loaded = load(sorted(needed)) if needed else {}
    if speaker_merges:
        loaded.update(load([k for k in range(count) if k not in loaded]))
    slots: list[tuple[int, int, dict | None]] = [
        (slots_ids[k], origins[k], loaded.get(k)) for k in range(count)
    ]

    def seg_at(k: int) -> dict:
        sid, origin, segment = slots[k]
        if segment is None:
            segment = loaded.get(origin)
            if segment is None:
                raise ValidationError("A segment needed for this change could not be read.")
        return segment if segment.get("id") == sid else {**segment, "id": sid}

    def index(segment_id: int) -> int:
        for k, slot in enumerate(slots):
            if slot[0] == segment_id:
                return k
        raise ValidationError(f"Segment {segment_id} is not in this version.")

    changed: set[int] = set()
    for op in operations:
        kind = op["operation"]
        if kind == "split":
            k = index(op["segment"])
            first, second = split_segment(seg_at(k), op["new_segment"], op["left"], op["right"])
            origin = slots[k][1]
            slots[k : k + 1] = [(first["id"], origin, first), (second["id"], origin, second)]
            changed.add(origin)
        elif kind == "merge":
            k = index(op["segment"])
            merged = merge_two(seg_at(k), seg_at(k + 1))
            changed.update({slots[k][1], slots[k + 1][1]})
            slots[k : k + 2] = [(merged["id"], slots[k][1], merged)]
        elif kind == "speaker":
            k = index(op["segment"])
            segment = {**seg_at(k), "speaker": op["speaker"]}
            slots[k] = (slots[k][0], slots[k][1], segment)
            changed.add(slots[k][1])
        elif kind == "merge_speakers":
            for k, (sid, origin, _segment) in enumerate(slots):
                current = seg_at(k)
                if segment_speaker(current) == op["speaker"]:
                    slots[k] = (sid, origin, {**current, "speaker": op["into"]})
                    changed.add(origin)
    for segment_id, text in texts_by_id.items():
        k = index(segment_id)
        sid, origin, _segment = slots[k]
        slots[k] = (sid, origin, realign(seg_at(k), text))
        changed.add(origin)
    replacements: dict[int, list[dict]] = {origin: [] for origin in changed}
    for sid, origin, segment in slots:
        if origin in changed:
            replacements[origin].append(
                segment if segment is not None else seg_at_origin(loaded, origin, sid)
            )
    return replacements


def seg_at_origin(loaded: Mapping[int, dict], origin: int, sid: int) -> dict:
    segment = loaded[origin]
    return segment if segment.get("id") == sid else {**segment, "id": sid}


def apply_replacements(
    segments: Sequence[dict], replacements: Mapping[int, list[dict]]
) -> list[dict]:
    out: list[dict] = []
    for k, segment in enumerate(segments):
        out.extend(replacements.get(k, [segment]))
    return out


def describe_operation(op: Mapping[str, Any], names: Mapping[str, str] | None = None) -> str:
    """One line for the history page (segments by their words: ids mean nothing to people)."""
    names = names or {}
    kind = op.get("operation")
    if kind == "split":
        return f"Split a segment before “{str(op.get('right', '')).split(' ')[0]}”"
    if kind == "merge":
        return "Merged two segments"
    if kind == "speaker":
        label = str(op.get("speaker", ""))
        return f"1 segment → {names.get(label, label)}"
    if kind == "rename":
        return f"Speaker {op.get('speaker')} named “{op.get('name')}”"
    if kind == "merge_speakers":
        gone, into = str(op.get("speaker", "")), str(op.get("into", ""))
        return f"Speaker {names.get(gone, gone)} merged into {names.get(into, into)}"
    if kind == "restore":
        return "Segments and speakers restored"
    return str(kind)
