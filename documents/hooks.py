"""Where apps above `documents` plug rules and page parts into every kind of document without
`documents` importing them (the layers point down; see ARCHITECTURE.md).

- `registry`: every `VersionedDocument` by its kind, so code that names a document by
  (kind, id) — a socket, a comment, an approval — can find its models.
- `finalize_guards`: called by `document_finalize` with (doc, parent, version, user) under
  the parent's row lock; a guard raises ValidationError to refuse (approval workflows).
- `final_follows_edits`: asked before an edit after finalize moves the final version; any
  False keeps the final where it is (an approved final stays until the next approval).
- `editor_extensions`: called by the editor page with (request, doc, parent, latest); each
  returns a dict merged into the page's `extensions` context (templates to include in the
  bar, the side panel, or in place of the Finalize button).
- `version_created`: sent once the transaction that added a version has committed, with
  doc, parent, version and user (open editors are told at once).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.dispatch import Signal

if TYPE_CHECKING:
    from documents.document import VersionedDocument

registry: dict[str, VersionedDocument] = {}
finalize_guards: list[Callable[[VersionedDocument, Any, Any, Any], None]] = []
final_follows_edits: list[Callable[[VersionedDocument, Any], bool]] = []
editor_extensions: list[Callable[..., dict[str, Any]]] = []
version_created = Signal()


def document_register(doc: VersionedDocument) -> VersionedDocument:
    """Make a kind of document findable by its kind (idempotent: modules may be reloaded)."""
    registry[doc.kind] = doc
    return doc


def document_by_kind(kind: str) -> VersionedDocument | None:
    return registry.get(kind)


def parent_model(doc: VersionedDocument) -> Any:
    """The model of the document itself (Transcription, Translation)."""
    return doc.version_model._meta.get_field(doc.parent_field).related_model


def run_finalize_guards(doc: VersionedDocument, parent, version, user) -> None:
    for guard in finalize_guards:
        guard(doc, parent, version, user)


def edits_move_final(doc: VersionedDocument, parent) -> bool:
    return doc.edits_after_final_become_final and all(
        allowed(doc, parent) for allowed in final_follows_edits
    )


def editor_extension_context(request, doc: VersionedDocument, parent, latest) -> dict[str, Any]:
    merged: dict[str, Any] = {
        "bar_templates": [],
        "side_templates": [],
        "main_templates": [],
        "finalize_template": None,
    }
    for extension in editor_extensions:
        extra = extension(request, doc, parent, latest)
        for key in ("bar_templates", "side_templates", "main_templates"):
            merged[key] += extra.pop(key, [])
        merged.update(extra)
    return merged
