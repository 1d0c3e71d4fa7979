"""Pages and endpoints of review and collaboration, for any kind of versioned document
(named in the URL by its kind: /review/transcript/<id>/…, /review/translation/<id>/…)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collaboration import presence, services
from collaboration.live import tell_document
from collaboration.models import ApprovalLog, Comment
from collaboration.selectors import (
    LockState,
    approval_required,
    approval_state,
    approvals_pending,
    comments_stamp,
    document_comments,
    lock_state,
    step_documents,
)
from documents import hooks
from documents.selectors import document_snapshot


def _document(kind: str, pk) -> tuple[Any, Any]:
    doc = hooks.document_by_kind(kind)
    if doc is None:
        raise Http404("No such kind of document.")
    parent = hooks.parent_model(doc).objects.filter(pk=pk).first()
    if parent is None:
        raise Http404("No such document.")
    return doc, parent


def _message(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or "You may not do that."


def _back(request: HttpRequest, parent) -> Any:
    target = request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect(parent.get_absolute_url())


def document_title(parent) -> str:
    """A name people know a document by: its recording's file name (and a translation's
    language). Read through attributes, since this app imports no kind of document."""
    transcription = getattr(parent, "transcription", None) or parent
    audio = getattr(transcription, "audio_file", None)
    name = getattr(audio, "file_name", None) or str(parent)
    language = getattr(parent, "language_code", "")
    if transcription is not parent and language:
        return f"{name} ({language})"
    return name


def can_approve(user) -> bool:
    return user.has_perm(services.APPROVE_PERMISSION)


def collab_urls(kind: str, pk) -> dict[str, str]:
    args = [kind, pk]
    return {
        "request": reverse("collaboration:approval_request", args=args),
        "decide": reverse("collaboration:approval_decide", args=args),
        "comments": reverse("collaboration:comments", args=args),
        "presence": reverse("collaboration:presence", args=args),
        "socket": f"/ws/documents/{kind}/{pk}/",
    }


# -- the editor's parts (documents.hooks.editor_extensions) ---------------------------------


def editor_extension(request: HttpRequest, doc, parent, latest) -> dict[str, Any]:
    """Presence and comments on every editor; approval where the project requires it (one
    query to know, the rest only then)."""
    collab: dict[str, Any] = {
        "urls": collab_urls(doc.kind, parent.pk),
        "heartbeat_seconds": settings.COLLAB_HEARTBEAT_SECONDS,
        "poll_seconds": settings.COLLAB_POLL_SECONDS,
        "approval": None,
    }
    parts: dict[str, Any] = {
        "collab": collab,
        "bar_templates": ["collaboration/_presence.html"],
        "side_templates": ["collaboration/_comments.html"],
    }
    if not approval_required(doc, parent):
        return parts
    state = approval_state(doc=doc, parent=parent, required=True)
    approver = can_approve(request.user)
    collab.update(
        {
            "approval": state,
            "can_approve": approver,
            "may_decide": state.pending is not None
            and approver
            and state.pending_author_id != request.user.pk,
            "pending_is_latest": state.pending is not None
            and latest.version is not None
            and state.pending.version_id == latest.version.pk,
        }
    )
    parts["side_templates"].insert(0, "collaboration/_approval.html")
    parts["finalize_template"] = "collaboration/_finalize.html"
    return parts


# -- approval ---------------------------------------------------------------------------------


@require_POST
def approval_request(request: HttpRequest, kind: str, pk):
    doc, parent = _document(kind, pk)
    raw = request.POST.get("version", "")
    try:
        number = int(raw) if raw else None
        step = services.approval_request(
            doc=doc,
            parent=parent,
            user=request.user,
            version_number=number,
            note=request.POST.get("note", ""),
        )
    except ValueError:
        messages.error(request, "The version to approve is not a number.")
        return _back(request, parent)
    except ValidationError as error:
        messages.error(request, _message(error))
        return _back(request, parent)
    messages.success(
        request,
        f"Approval of {step.version_label} requested: it becomes final when an approver "
        "approves it (see Approvals).",
    )
    return _back(request, parent)


@require_POST
def approval_decide(request: HttpRequest, kind: str, pk):
    doc, parent = _document(kind, pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, "Choose Approve or Reject.")
        return _back(request, parent)
    try:
        version_id = uuid.UUID(request.POST.get("version_id", ""))
        step = services.approval_decide(
            doc=doc,
            parent=parent,
            user=request.user,
            version_id=version_id,
            approve=decision == "approve",
            note=request.POST.get("note", ""),
        )
    except ValueError:
        messages.error(request, "The version to decide on could not be read.")
        return _back(request, parent)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _message(error))
        return _back(request, parent)
    if step.action == ApprovalLog.Action.APPROVED:
        messages.success(request, f"Approved {step.version_label}: it is the final version.")
    else:
        messages.success(request, f"Rejected {step.version_label}; the author sees your note.")
    return _back(request, parent)


@require_GET
def approvals_page(request: HttpRequest):
    """What waits for approval, oldest request first, with the decision at hand."""
    steps = list(approvals_pending()[:500])
    documents = step_documents(steps)
    authors: dict[Any, int] = {}
    for kind in {step.document_kind for step in steps}:
        doc = hooks.document_by_kind(kind)
        if doc is None:
            continue
        for vid, author in doc.version_model._default_manager.filter(
            pk__in=[s.version_id for s in steps if s.document_kind == kind]
        ).values_list("pk", "edited_by_id"):
            authors[vid] = author
    rows = []
    approver = can_approve(request.user)
    for step in steps:
        parent = documents.get((step.document_kind, step.document_id))
        if parent is None or getattr(parent, "archived", False):
            continue
        rows.append(
            {
                "step": step,
                "document": parent,
                "title": document_title(parent),
                "kind": step.document_kind,
                "urls": collab_urls(step.document_kind, step.document_id),
                "may_decide": approver and authors.get(step.version_id) != request.user.pk,
                "own": authors.get(step.version_id) == request.user.pk,
            }
        )
    return render(request, "collaboration/approvals.html", {"rows": rows, "can_approve": approver})


# -- comments ---------------------------------------------------------------------------------


def _int_or_none(value: Any, label: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{label} is not a number.") from None


@require_http_methods(["GET", "POST"])
def comments(request: HttpRequest, kind: str, pk):
    """GET: the threads as JSON. POST: a new thread (segment, version, optional words) or a
    reply (reply_to), or resolve/reopen (comment, resolved=1|0)."""
    doc, parent = _document(kind, pk)
    if request.method == "POST":
        try:
            if request.POST.get("comment"):
                comment = _comment_of(doc, parent, request.POST["comment"])
                services.comment_resolve(
                    doc=doc,
                    parent=parent,
                    user=request.user,
                    comment=comment,
                    resolved=request.POST.get("resolved") == "1",
                )
            else:
                reply_to = (
                    _comment_of(doc, parent, request.POST["reply_to"])
                    if request.POST.get("reply_to")
                    else None
                )
                services.comment_add(
                    doc=doc,
                    parent=parent,
                    user=request.user,
                    body=request.POST.get("body", ""),
                    segment_index=_int_or_none(request.POST.get("segment"), "The segment"),
                    version_number=_int_or_none(request.POST.get("version"), "The version"),
                    word_start=_int_or_none(request.POST.get("word_start"), "The first word"),
                    word_end=_int_or_none(request.POST.get("word_end"), "The last word"),
                    reply_to=reply_to,
                )
        except ValidationError as error:
            return JsonResponse({"status": "error", "message": _message(error)}, status=400)
    return JsonResponse({"threads": document_comments(doc=doc, parent=parent)})


def _comment_of(doc, parent, raw: str) -> Comment:
    try:
        pk = uuid.UUID(raw)
    except ValueError:
        raise ValidationError("That comment could not be found.") from None
    comment = Comment.objects.filter(
        pk=pk, document_kind=doc.kind, document_id=parent.pk, archived=False
    ).first()
    if comment is None:
        raise ValidationError("That comment could not be found.")
    return comment


# -- presence and locks, for pages without a socket (polling) ------------------------------


@require_POST
def presence_poll(request: HttpRequest, kind: str, pk):
    """A page without a socket says it is open (every few seconds) and hears what a socket
    would have told it: who is here, who holds the lock, the latest version."""
    doc, parent = _document(kind, pk)
    client = (request.POST.get("client") or "")[:64] or "anonymous"
    if request.POST.get("leave") == "1":
        return _poll_leave(doc, parent, f"poll:{client}", request.user)
    before = presence.presence_list(kind, parent.pk)
    people = presence.presence_touch(kind, parent.pk, f"poll:{client}", request.user)
    if people != before:
        # Pages on sockets hear of someone who polls, too.
        tell_document(kind, parent.pk, {"type": "presence.changed", "people": people})
    take_over = request.POST.get("take_over") == "1"
    lock = before_lock = lock_state(doc=doc, parent=parent)
    if take_over or request.POST.get("editing") == "1":
        lock = services.lock_acquire(doc=doc, parent=parent, user=request.user, take_over=take_over)
    if lock.taken_from_id is not None or lock.holder_id != before_lock.holder_id:
        # Pages on sockets see a polling editor start editing (or take over) at once.
        tell_document(kind, parent.pk, lock_message(lock))
    latest = document_snapshot(doc=doc, parent=parent, with_json=False)
    by = latest.version.edited_by if latest.version is not None else None
    return JsonResponse(
        {
            "people": people,
            "lock": lock.as_json(),
            "latest": {
                "number": latest.number,
                "label": latest.label,
                "by_id": str(by.pk) if by else None,
                "by_name": (by.get_full_name() or by.get_username()) if by else "",
            },
            "comments": comments_stamp(kind=kind, document_id=parent.pk),
        }
    )


def _poll_leave(doc, parent, client: str, user) -> JsonResponse:
    """A polling page closed (its last beacon): it is no longer here, and its user's lock is
    let go when they have no other page of the document open."""
    people = presence.presence_leave(doc.kind, parent.pk, client)
    tell_document(doc.kind, parent.pk, {"type": "presence.changed", "people": people})
    if not any(p["user_id"] == str(user.pk) for p in people):
        before = lock_state(doc=doc, parent=parent)
        services.lock_release(doc=doc, parent=parent, user=user)
        if before.holder_id == str(user.pk):
            tell_document(doc.kind, parent.pk, lock_message(lock_state(doc=doc, parent=parent)))
    return JsonResponse({"people": people})


def lock_message(lock: LockState) -> dict[str, Any]:
    return {"type": "lock.changed", "lock": lock.as_json(), "taken_from": lock.taken_from_id}
