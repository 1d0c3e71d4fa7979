"""Plugging review and collaboration into every versioned document (documents.hooks)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_out

from documents import hooks


def _version_created(sender, *, doc, parent, version, user, **kwargs) -> None:
    from collaboration.live import tell_document

    tell_document(
        doc.kind,
        parent.pk,
        {
            "type": "version.saved",
            "number": version.version_number,
            "label": version.version_type,
            "by_id": str(user.pk) if user is not None else None,
            "by_name": (user.get_full_name() or user.get_username()) if user else "Max",
        },
    )


def _signed_out(sender, request=None, **kwargs) -> None:
    from collaboration.live import tell_session_ended

    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        tell_session_ended(key)


def connect() -> None:
    from collaboration.services import approval_guard, final_follows_edits
    from collaboration.views import editor_extension

    if approval_guard not in hooks.finalize_guards:
        hooks.finalize_guards.append(approval_guard)
    if final_follows_edits not in hooks.final_follows_edits:
        hooks.final_follows_edits.append(final_follows_edits)
    if editor_extension not in hooks.editor_extensions:
        hooks.editor_extensions.append(editor_extension)
    hooks.version_created.connect(_version_created, dispatch_uid="collaboration.version_saved")
    user_logged_out.connect(_signed_out, dispatch_uid="collaboration.signed_out")
