"""Writes of review and collaboration: approval steps, comments, soft locks.

Generic over any `VersionedDocument` (a transcript, a translation); the pages, the admin, the
`approve_version` command and the tests all call these.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import activity_record
from collaboration.models import ApprovalLog, Comment
from collaboration.selectors import (
    LockState,
    approval_required,
    comment_segment_ids,
    document_open_request,
    latest_step,
    lock_expiry,
    lock_state_of,
)
from documents import hooks
from documents.document import VersionedDocument
from documents.services import document_finalize, document_finalize_candidate

APPROVE_PERMISSION = "collaboration.approve_version"
MAX_COMMENT_CHARS = 5_000
MAX_NOTE_CHARS = 2_000


def _clean(text: str, *, what: str, limit: int, required: bool = True) -> str:
    text = (text or "").replace("\x00", "").strip()
    if required and not text:
        raise ValidationError(f"Write the {what} first.")
    if len(text) > limit:
        raise ValidationError(f"The {what} is {len(text):,} characters; at most {limit:,}.")
    return text


def _lock_parent(doc: VersionedDocument, parent) -> Any:
    return hooks.parent_model(doc).objects.select_for_update().get(pk=parent.pk)


# =============================================================================================
# Approval
# =============================================================================================


def approval_guard(doc: VersionedDocument, parent, version, user) -> None:
    """Finalize guard: in a project that requires approval only an approved version becomes
    final, only an approver moves it (approving does), and never back to a version older
    than the final, whatever the path (page, admin, command, a hand-made POST)."""
    if not approval_required(doc, parent):
        return
    if version.approved_at is None:
        raise ValidationError(
            f"This project requires approval: request approval of {version.version_type}; "
            "it becomes final when an approver approves it."
        )
    if user is None or not user.has_perm(APPROVE_PERMISSION):
        raise ValidationError(
            "This project requires approval: the final version moves only when an approver "
            "approves a version."
        )
    _refuse_older_than_final(doc, parent, version)


def _final_of(doc: VersionedDocument, parent) -> Any:
    """The current final version (read afresh: the caller holds the parent's row lock)."""
    final_id = (
        hooks.parent_model(doc)
        .objects.filter(pk=parent.pk)
        .values_list("final_version_id", flat=True)
        .first()
    )
    if final_id is None:
        return None
    return (
        doc.version_model._default_manager.filter(pk=final_id)
        .only("pk", "version_number", "version_type", "approved_at")
        .first()
    )


def _refuse_older_than_final(doc: VersionedDocument, parent, version) -> None:
    final = _final_of(doc, parent)
    if final is not None and version.version_number < final.version_number:
        raise ValidationError(
            f"{version.version_type} is older than the final version {final.version_type}: "
            "the final never moves back to an older version."
        )


def final_follows_edits(doc: VersionedDocument, parent) -> bool:
    """An approved final stays final when someone edits on; the edit waits for approval."""
    return not approval_required(doc, parent)


def approval_request(
    *,
    doc: VersionedDocument,
    parent,
    user: User,
    version_number: int | None = None,
    note: str = "",
) -> ApprovalLog:
    """Ask for the latest version (or version N) to be approved. Unedited machine text is
    saved as a version first, as finalize does. Asking again while a request is open returns
    that request (a double click creates one step)."""
    note = _clean(note, what="note", limit=MAX_NOTE_CHARS, required=False)
    if not approval_required(doc, parent):
        raise ValidationError("This project does not require approval: finalize it instead.")
    with transaction.atomic():
        _lock_parent(doc, parent)
        version = document_finalize_candidate(
            doc=doc, parent=parent, user=user, version_number=version_number
        )
        open_request = document_open_request(doc=doc, parent=parent)
        if open_request is not None and open_request.version_id == version.pk:
            return open_request
        final = _final_of(doc, parent)
        if final is not None and final.pk == version.pk and version.approved_at is not None:
            raise ValidationError(f"{version.version_type} is already approved and final.")
        _refuse_older_than_final(doc, parent, version)
        # A new request replaces the open one (an older version): only the newest request
        # of a document can be decided, so approving never moves the final backwards.
        step = ApprovalLog.objects.create(
            document_kind=doc.kind,
            document_id=parent.pk,
            version_id=version.pk,
            version_label=version.version_type,
            project_id=doc.project_id(parent),
            action=ApprovalLog.Action.REQUESTED,
            by=user,
            note=note,
        )
        replaced = f" (instead of {open_request.version_label})" if open_request is not None else ""
        _tell_approval(
            doc,
            parent,
            f"{_name(user)} asked for approval of {version.version_type}{replaced}"
            + (f": “{note}”" if note else "."),
        )
        details = {"version": version.version_type, "note": note}
        if open_request is not None:
            details["replaces"] = open_request.version_label
        activity_record(
            user=user,
            action=f"{doc.activity_prefix}.approval_requested",
            target=parent,
            project_id=step.project_id,
            details=details,
        )
    return step


def approval_decide(
    *,
    doc: VersionedDocument,
    parent,
    user: User,
    version_id,
    approve: bool,
    note: str = "",
) -> ApprovalLog:
    """Approve (the version becomes final; translation and voice-over may start from it) or
    reject (with a note saying why) a requested version. Only a user with the approve
    permission who did not write the version decides; deciding what is already decided
    returns that decision (a double click)."""
    note = _clean(note, what="reason for rejecting", limit=MAX_NOTE_CHARS, required=not approve)
    if not user.has_perm(APPROVE_PERMISSION):
        raise PermissionDenied("You do not have the permission to approve versions.")
    with transaction.atomic():
        _lock_parent(doc, parent)
        if not approval_required(doc, parent):
            raise ValidationError(
                "This project no longer requires approval: the version is finalized instead "
                "(Finalize in the editor)."
            )
        # Any version model (VersionedDocument's contract); the stubs know only Model.
        version: Any = (
            doc.version_model._default_manager.select_for_update()
            .defer("json_with_timestamps", "edited_text")
            .filter(pk=version_id, **{doc.parent_field: parent})
            .first()
        )
        if version is None:
            raise ValidationError("That version does not belong to this document.")
        if version.edited_by_id == user.pk:
            raise ValidationError(
                f"You wrote {version.version_type}: someone else must approve or reject it."
            )
        last = latest_step(version.pk)
        wanted = ApprovalLog.Action.APPROVED if approve else ApprovalLog.Action.REJECTED
        if last is not None and last.action == wanted:
            return last
        if last is None or last.action != ApprovalLog.Action.REQUESTED:
            raise ValidationError(
                f"Nobody has asked for {version.version_type} to be approved"
                + (" since it was decided." if last is not None else ".")
            )
        open_request = document_open_request(doc=doc, parent=parent)
        if open_request is None or open_request.pk != last.pk:
            newer = f" ({open_request.version_label})" if open_request is not None else ""
            raise ValidationError(
                f"The request for {version.version_type} was replaced by a newer one{newer}: "
                "decide that one."
            )
        if approve:
            _refuse_older_than_final(doc, parent, version)
            now = timezone.now()
            type(version)._default_manager.filter(pk=version.pk).update(
                approved_by=user, approved_at=now
            )
            version.approved_by = user
            version.approved_at = now
        step = ApprovalLog.objects.create(
            document_kind=doc.kind,
            document_id=parent.pk,
            version_id=version.pk,
            version_label=version.version_type,
            project_id=doc.project_id(parent),
            action=wanted,
            by=user,
            note=note,
        )
        _tell_approval(
            doc,
            parent,
            f"{_name(user)} approved {version.version_type}: it is the final version."
            if approve
            else f"{_name(user)} rejected {version.version_type}: “{note}”",
        )
        activity_record(
            user=user,
            action=f"{doc.activity_prefix}.{'approved' if approve else 'rejected'}",
            target=parent,
            project_id=step.project_id,
            details={"version": version.version_type, "note": note},
        )
        if approve:
            document_finalize(
                doc=doc, parent=parent, user=user, version_number=version.version_number
            )
    return step


# =============================================================================================
# Comments
# =============================================================================================


def comment_add(
    *,
    doc: VersionedDocument,
    parent,
    user: User,
    body: str,
    segment_index: int | None = None,
    version_number: int | None = None,
    word_start: int | None = None,
    word_end: int | None = None,
    reply_to: Comment | None = None,
) -> Comment:
    """A new thread on segment `segment_index` of version `version_number` (the one the page
    shows; the latest by default), or a reply to a thread. Anchored by the segment's id."""
    body = _clean(body, what="comment", limit=MAX_COMMENT_CHARS)
    if getattr(parent, "archived", False):
        raise ValidationError(f"This {doc.kind} is archived: comment on the one that replaced it.")
    quote = ""
    label = ""
    if reply_to is not None:
        root = reply_to.parent or reply_to
        if (root.document_kind, root.document_id) != (doc.kind, parent.pk) or root.archived:
            raise ValidationError("That comment is not on this document.")
        segment_id, word_start, word_end = root.segment_id, None, None
    else:
        if segment_index is None:
            raise ValidationError("Choose the segment to comment on.")
        ids, texts, label = comment_segment_ids(
            doc=doc, parent=parent, version_number=version_number
        )
        if not 0 <= segment_index < len(ids):
            raise ValidationError(f"There is no segment {segment_index + 1}.")
        segment_id = ids[segment_index]
        if (word_start is None) != (word_end is None):
            raise ValidationError("A word range needs its first and last word.")
        if word_start is not None and word_end is not None:
            words = texts[segment_index].split()
            if not 0 <= word_start < word_end <= len(words):
                raise ValidationError("The chosen words are not in that segment.")
            quote = " ".join(words[word_start:word_end])
        root = None
    with transaction.atomic():
        if root is not None:
            root = Comment.objects.select_for_update().get(pk=root.pk)
        comment = Comment.objects.create(
            document_kind=doc.kind,
            document_id=parent.pk,
            project_id=doc.project_id(parent),
            segment_id=segment_id,
            word_start=word_start,
            word_end=word_end,
            quote=quote,
            version_label=label,
            parent=root,
            body=body,
            author=user,
        )
        if root is not None and root.resolved_at is not None:
            # A reply reopens the discussion.
            Comment.objects.filter(pk=root.pk).update(resolved_at=None, resolved_by=None)
        activity_record(
            user=user,
            action="comment.reply" if root is not None else "comment.add",
            target=parent,
            project_id=comment.project_id,
            details={
                "comment": str(comment.pk),
                "segment_id": segment_id,
                "words": [word_start, word_end] if word_start is not None else None,
                "text": body[:300],
            },
        )
        _tell_comments_changed(doc, parent)
    return comment


def comment_resolve(
    *, doc: VersionedDocument, parent, user: User, comment: Comment, resolved: bool
) -> Comment:
    """Resolve or reopen a thread (a reply's thread). Doing what is already done changes
    nothing."""
    root = comment.parent or comment
    if (root.document_kind, root.document_id) != (doc.kind, parent.pk):
        raise ValidationError("That comment is not on this document.")
    with transaction.atomic():
        root = Comment.objects.select_for_update().get(pk=root.pk)
        if root.is_resolved == resolved:
            return root
        root.resolved_at = timezone.now() if resolved else None
        root.resolved_by = user if resolved else None
        root.save(update_fields=["resolved_at", "resolved_by", "updated_at"])
        activity_record(
            user=user,
            action="comment.resolve" if resolved else "comment.reopen",
            target=parent,
            project_id=root.project_id,
            details={"comment": str(root.pk), "segment_id": root.segment_id},
        )
        _tell_comments_changed(doc, parent)
    return root


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _tell_approval(doc: VersionedDocument, parent, text: str) -> None:
    """Open editors of the document read the decision at once (once it is committed)."""
    from collaboration.live import tell_document

    transaction.on_commit(
        lambda: tell_document(doc.kind, parent.pk, {"type": "approval.changed", "text": text})
    )


def _tell_comments_changed(doc: VersionedDocument, parent) -> None:
    from collaboration.live import tell_document

    transaction.on_commit(lambda: tell_document(doc.kind, parent.pk, {"type": "comments.changed"}))


# =============================================================================================
# Soft locks
# =============================================================================================


def lock_acquire(
    *, doc: VersionedDocument, parent, user: User, take_over: bool = False
) -> LockState:
    """Take the soft lock when it is free, expired or already ours (renewing it), or from
    someone else when `take_over` (recorded, and they are told). Otherwise the lock stays
    with its holder, who is returned."""
    model = hooks.parent_model(doc)
    with transaction.atomic():
        row = (
            model.objects.select_for_update(of=("self",))
            .select_related("locked_by")
            .get(pk=parent.pk)
        )
        current = lock_state_of(row.locked_by, row.locked_at)
        mine = str(user.pk)
        if current.holder_id not in (None, mine) and not take_over:
            return current
        now = timezone.now()
        model.objects.filter(pk=parent.pk).update(locked_by=user, locked_at=now)
        taken_from = current.holder_id if current.holder_id not in (None, mine) else None
        if taken_from is not None:
            activity_record(
                user=user,
                action=f"{doc.activity_prefix}.lock_taken_over",
                target=parent,
                project_id=doc.project_id(parent),
                details={"from": current.holder_name},
            )
    return LockState(
        mine,
        user.get_full_name() or user.get_username(),
        now,
        now + lock_expiry(),
        taken_from_id=taken_from,
    )


def lock_release(*, doc: VersionedDocument, parent, user: User) -> None:
    """Let go of the lock if this user holds it (the editor closed)."""
    hooks.parent_model(doc).objects.filter(pk=parent.pk, locked_by=user).update(
        locked_by=None, locked_at=None
    )
