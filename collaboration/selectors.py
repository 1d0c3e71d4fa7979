"""Reads of review and collaboration: approval state, the approvals queue, comments and their
counts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from collaboration.models import ApprovalLog, Comment
from documents import hooks
from documents.document import VersionedDocument
from documents.selectors import document_snapshot
from projects.models import Project


def approval_required(doc: VersionedDocument, parent) -> bool:
    project_id = doc.project_id(parent)
    project = _loaded_project(parent, project_id)
    if project is not None:
        return project.requires_approval
    return Project.objects.filter(pk=project_id, requires_approval=True).exists()


def _loaded_project(row, project_id, depth: int = 3) -> Project | None:
    """The project when the page already loaded it with the document (select_related), so
    asking costs no query."""
    if depth == 0:
        return None
    for related in row._state.fields_cache.values():
        if isinstance(related, Project) and related.pk == project_id:
            return related
        if related is not None and hasattr(related, "_state"):
            found = _loaded_project(related, project_id, depth - 1)
            if found is not None:
                return found
    return None


def latest_step(version_id) -> ApprovalLog | None:
    return ApprovalLog.objects.filter(version_id=version_id).order_by("-created_at").first()


def approval_history(*, doc: VersionedDocument, parent) -> QuerySet[ApprovalLog]:
    return (
        ApprovalLog.objects.filter(document_kind=doc.kind, document_id=parent.pk)
        .select_related("by")
        .order_by("-created_at")
    )


def document_open_request(*, doc: VersionedDocument, parent) -> ApprovalLog | None:
    """The request that waits for a decision: a document has at most one, its newest step
    when that is a request (a newer request replaces an older one; a decision closes it)."""
    newest = approval_history(doc=doc, parent=parent).first()
    return newest if newest is not None and newest.action == ApprovalLog.Action.REQUESTED else None


def approvals_pending() -> QuerySet[ApprovalLog]:
    """Open requests: the newest approval step of their document is the request (a newer
    request of the same document replaced it otherwise), in projects that require approval."""
    newer = ApprovalLog.objects.filter(
        document_kind=OuterRef("document_kind"),
        document_id=OuterRef("document_id"),
        created_at__gt=OuterRef("created_at"),
    )
    return (
        # A project that stopped requiring approval finalizes instead: its old requests
        # no longer wait for anyone.
        ApprovalLog.objects.filter(
            action=ApprovalLog.Action.REQUESTED, project__requires_approval=True
        )
        .exclude(Exists(newer))
        .select_related("by", "project")
        .order_by("created_at")
    )


@dataclass(frozen=True)
class ApprovalState:
    """What the editor shows about approval of one document."""

    required: bool
    final_label: str | None
    final_approved_by: str | None
    final_approved_at: Any
    pending: ApprovalLog | None  # the open request, if any
    pending_author_id: Any  # who wrote the requested version
    last_rejection: ApprovalLog | None
    steps: list[ApprovalLog]


def approval_state(
    *, doc: VersionedDocument, parent, required: bool | None = None
) -> ApprovalState:
    steps = list(approval_history(doc=doc, parent=parent)[:20])
    # Only the document's newest step can be an open request (see document_open_request).
    pending = steps[0] if steps and steps[0].action == ApprovalLog.Action.REQUESTED else None
    rejection = next((s for s in steps if s.action == ApprovalLog.Action.REJECTED), None)
    final: Any = None
    if parent.final_version_id is not None:
        final = (
            doc.version_model._default_manager.filter(pk=parent.final_version_id)
            .select_related("approved_by")
            .only("version_type", "approved_at", "approved_by")
            .first()
        )
    author_id = None
    if pending is not None:
        author_id = (
            doc.version_model._default_manager.filter(pk=pending.version_id)
            .values_list("edited_by_id", flat=True)
            .first()
        )
    return ApprovalState(
        required=approval_required(doc, parent) if required is None else required,
        final_label=final.version_type if final else None,
        final_approved_by=(
            final.approved_by.get_full_name() or final.approved_by.get_username()
            if final is not None and final.approved_by is not None
            else None
        ),
        final_approved_at=final.approved_at if final is not None else None,
        pending=pending,
        pending_author_id=author_id,
        last_rejection=rejection if rejection is not None and rejection is steps[0] else None,
        steps=steps,
    )


# --- comments ------------------------------------------------------------------------------


def comment_segment_ids(
    *, doc: VersionedDocument, parent, version_number: int | None = None
) -> tuple[list[int], list[str], str]:
    """Each segment's stable id (the JSON's "id", else its position), the texts and the
    label of a version."""
    snapshot = document_snapshot(doc=doc, parent=parent, version_number=version_number)
    ids = [_segment_id(seg, i) for i, seg in enumerate(snapshot.segments)]
    return ids, list(snapshot.texts), snapshot.label


def _segment_id(segment: dict, index: int) -> int:
    try:
        return int(segment.get("id", index))
    except (TypeError, ValueError):
        return index


def document_comments(*, doc: VersionedDocument, parent) -> list[dict[str, Any]]:
    """Threads of a document, each placed on the latest version's segment with its id (a
    segment that no longer exists leaves its thread with index None)."""
    ids, texts, _label = comment_segment_ids(doc=doc, parent=parent)
    index_of = {segment_id: i for i, segment_id in enumerate(ids)}
    rows = list(
        Comment.objects.filter(document_kind=doc.kind, document_id=parent.pk, archived=False)
        .select_related("author", "resolved_by")
        .order_by("created_at")
    )
    threads: dict[Any, dict[str, Any]] = {}
    if any(c.segment_id not in index_of for c in rows if c.parent_id is None):
        merged_into = _merged_segments(doc, parent)
        for segment_id in list(merged_into):
            target = segment_id
            while target in merged_into and target not in index_of:
                target = merged_into[target]
            if target in index_of:
                index_of.setdefault(segment_id, index_of[target])
    split_off: dict[int, list[int]] | None = None
    for c in rows:
        if c.parent_id is None:
            thread = {
                **_comment_json(c),
                "segment_index": index_of.get(c.segment_id),
                "resolved": c.is_resolved,
                "resolved_by": _name(c.resolved_by) if c.resolved_by else None,
                "replies": [],
            }
            index = thread["segment_index"]
            if index is not None and c.quote and c.word_start is not None:
                words = texts[index].split()
                if " ".join(words[c.word_start : c.word_end]) != c.quote:
                    # The quoted words moved: a split took them to a new segment, or a merge
                    # put words before them. Found again in the segment or its split parts.
                    if split_off is None:
                        split_off = _split_segments(doc, parent)
                    _find_quote(thread, c.quote, index, ids, texts, index_of, split_off)
            threads[c.pk] = thread
    for c in rows:
        if c.parent_id is not None and c.parent_id in threads:
            threads[c.parent_id]["replies"].append(_comment_json(c))
    return list(threads.values())


def _find_quote(
    thread: dict[str, Any],
    quote: str,
    index: int,
    ids: list[int],
    texts: list[str],
    index_of: dict[int, int],
    split_off: dict[int, list[int]],
) -> None:
    """Move `thread` to the first place its quoted words are, in the segment at `index` or
    the segments split off it (at any depth); unchanged when they are nowhere."""
    wanted = quote.split()
    todo, places = [ids[index]], []
    while todo:
        segment_id = todo.pop()
        if segment_id in index_of:
            places.append(index_of[segment_id])
        todo.extend(split_off.get(segment_id, []))
    for place in sorted(set(places)):
        words = texts[place].split()
        for start in range(len(words) - len(wanted) + 1):
            if words[start : start + len(wanted)] == wanted:
                thread.update(segment_index=place, word_start=start, word_end=start + len(wanted))
                return


def _structure_operations(doc: VersionedDocument, parent, operation: str) -> Iterator[dict]:
    """Every recorded structure operation of that kind ({"operation": "split", ...}) in the
    document's versions' `diff_from_previous`, oldest version first."""
    records = doc.version_model._default_manager.filter(**{doc.parent_field: parent}).values_list(
        "diff_from_previous", flat=True
    )
    for raw in records:
        if not raw or f'"{operation}"' not in raw:
            continue
        try:
            operations = json.loads(raw).get("operations") or []
        except (ValueError, AttributeError):
            continue
        for op in operations:
            if isinstance(op, dict) and op.get("operation") == operation:
                yield op


def _split_segments(doc: VersionedDocument, parent) -> dict[int, list[int]]:
    """{segment id: ids of the segments split off it}, from the recorded split operations."""
    parts: dict[int, list[int]] = {}
    for op in _structure_operations(doc, parent, "split"):
        try:
            parts.setdefault(int(op["segment"]), []).append(int(op["new_segment"]))
        except (KeyError, TypeError, ValueError):
            continue
    return parts


def _merged_segments(doc: VersionedDocument, parent) -> dict[int, int]:
    """{segment id: the id it was merged into}, from the structure operations the versions
    recorded ({"operation": "merge", "segment": a, "next": b}): a thread on a segment that a
    merge took away stays on the segment that holds its words now."""
    merged: dict[int, int] = {}
    for op in _structure_operations(doc, parent, "merge"):
        try:
            merged[int(op["next"])] = int(op["segment"])
        except (KeyError, TypeError, ValueError):
            continue
    return merged


def step_documents(steps) -> dict[tuple[str, Any], Any]:
    """{(kind, id): document} for approval steps, one query per kind of document (with the
    recording its title names)."""
    by_kind: dict[str, set] = {}
    for step in steps:
        by_kind.setdefault(step.document_kind, set()).add(step.document_id)
    documents: dict[tuple[str, Any], Any] = {}
    for kind, ids in by_kind.items():
        doc = hooks.document_by_kind(kind)
        if doc is None:
            continue
        model = hooks.parent_model(doc)
        related = [
            name for name in ("audio_file", "transcription__audio_file") if _has_path(model, name)
        ]
        for parent in model.objects.filter(pk__in=ids).select_related(*related):
            documents[(kind, parent.pk)] = parent
    return documents


def _has_path(model, path: str) -> bool:
    for name in path.split("__"):
        try:
            model = model._meta.get_field(name).related_model
        except FieldDoesNotExist:
            return False
        if model is None:
            return False
    return True


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _comment_json(c: Comment) -> dict[str, Any]:
    return {
        "id": str(c.pk),
        "segment_id": c.segment_id,
        "word_start": c.word_start,
        "word_end": c.word_end,
        "quote": c.quote,
        "version_label": c.version_label,
        "body": c.body,
        "author": _name(c.author),
        "author_id": str(c.author_id),
        "created_at": c.created_at.isoformat(),
    }


def comment_counts_in_projects(*, project_ids: Iterable[Any]) -> dict[Any, dict[str, int]]:
    """{document id: {"open", "total"}} for every document of some projects, in one query
    whatever the number of documents (recording lists)."""
    threads = Comment.objects.filter(
        project_id__in=list(project_ids), parent__isnull=True, archived=False
    )
    rows = threads.values("document_id").annotate(
        total=Count("id"), open=Count("id", filter=Q(resolved_at__isnull=True))
    )
    return {r["document_id"]: {"open": r["open"], "total": r["total"]} for r in rows}


def comments_stamp(*, kind: str, document_id: Any) -> str:
    """Changes whenever a comment is added, resolved or reopened (pages compare it)."""
    row = Comment.objects.filter(document_kind=kind, document_id=document_id).aggregate(
        n=Count("id"), last=Max("updated_at")
    )
    return f"{row['n']}:{row['last'].isoformat() if row['last'] else ''}"


# --- soft locks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LockState:
    holder_id: str | None  # the user's id as text (ids are UUIDs; pages compare text)
    holder_name: str
    locked_at: datetime | None
    expires_at: datetime | None
    taken_from_id: str | None = None  # set when this call took the lock over from someone

    def as_json(self) -> dict[str, Any]:
        return {
            "holder_id": self.holder_id,
            "holder_name": self.holder_name,
            "locked_at": self.locked_at.isoformat() if self.locked_at else None,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
        }


def lock_expiry() -> timedelta:
    return timedelta(seconds=settings.COLLAB_LOCK_SECONDS)


def lock_state_of(locked_by: User | None, locked_at: datetime | None) -> LockState:
    if locked_by is None or locked_at is None or locked_at + lock_expiry() <= timezone.now():
        return LockState(None, "", None, None)
    return LockState(
        str(locked_by.pk),
        locked_by.get_full_name() or locked_by.get_username(),
        locked_at,
        locked_at + lock_expiry(),
    )


def lock_state(*, doc: VersionedDocument, parent) -> LockState:
    row = (
        hooks.parent_model(doc)
        .objects.select_related("locked_by")
        .only("pk", "locked_at", "locked_by")
        .get(pk=parent.pk)
    )
    return lock_state_of(row.locked_by, row.locked_at)
