"""Editor drafts: unsaved segment edits kept in the cache per (kind, document, user).

A draft is never a version. It names the version it was based on, so restoring it later goes
through the same three-way merge as a stale save. Any document kind can use it (the
translation editor passes kind="translation").
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.utils import timezone
from redis.exceptions import RedisError

from documents.text import normalize_text


@dataclass(frozen=True)
class Draft:
    based_on: int  # version number the edits were made on (0 = the machine text)
    segments: dict[int, str]  # only the segments that differ from that version
    saved_at: datetime
    stamp: str  # identifies this draft, so a page only clears the draft it owns
    page: str = ""  # the editor page (one load of it) that wrote the draft, when known
    # Structure operations (split, merge, speakers: documents.structure) made before the
    # text edits; with them, `segments` are positions in the document they produce.
    structure: list[dict[str, Any]] = field(default_factory=list)

    @property
    def segment_count(self) -> int:
        return len(self.segments)


logger = logging.getLogger(__name__)
# Drafts live in their own cache alias, which raises instead of pretending: a draft that was
# not stored must never be reported as saved (settings.CACHES, max_site/cache.py).
CACHE_ALIAS = "drafts"
# Redis down or refusing writes; the filesystem cache's disk full or unwritable.
CACHE_ERRORS = (RedisError, OSError)


class DraftUnavailable(ValidationError):
    """The draft store cannot be reached: nothing was stored, the text stays in the page.

    A ValidationError so every editor view that already reports one answers with this
    message instead of a 500; autosave answers 503 and the page keeps the text and
    sends it again."""

    def __init__(self):
        super().__init__(
            "Your unsaved edits could not be kept as a draft (the draft store is not "
            "answering). They are still on this page; they are sent again automatically, "
            "or save a version.",
            code="draft_unavailable",
        )


def _cache():
    return caches[CACHE_ALIAS]


def _key(kind: str, document_id, user_id) -> str:
    return f"editor-draft:{kind}:{document_id}:{user_id}"


class NewerDraft(Exception):
    """Another page wrote the user's draft after this page opened: this page must not
    overwrite or clear it (the other page's edits would be lost without a word)."""

    def __init__(self, draft: Draft):
        super().__init__("A newer draft was saved from another page.")
        self.draft = draft


def draft_save(
    *,
    kind: str,
    document_id,
    user,
    based_on: int,
    segments: Mapping[int, str],
    page: str = "",
    structure: list[dict[str, Any]] | None = None,
) -> Draft | None:
    """Store (or, with no segments, remove) the user's draft of a document."""
    if not segments and not structure:
        draft_discard(kind=kind, document_id=document_id, user=user)
        return None
    draft = Draft(
        based_on=int(based_on),
        segments={int(i): normalize_text(t) for i, t in segments.items()},
        saved_at=timezone.now(),
        stamp=uuid.uuid4().hex,
        page=page,
        structure=list(structure or []),
    )
    try:
        _cache().set(
            _key(kind, document_id, user.pk),
            {
                "based_on": draft.based_on,
                "segments": {str(i): t for i, t in draft.segments.items()},
                "saved_at": draft.saved_at.isoformat(),
                "stamp": draft.stamp,
                "page": draft.page,
                "structure": draft.structure,
            },
            timeout=settings.EDITOR_DRAFT_SECONDS,
        )
    except CACHE_ERRORS as exc:
        logger.warning("Draft of %s %s not stored: %s", kind, document_id, exc)
        raise DraftUnavailable() from exc
    return draft


def draft_get(*, kind: str, document_id, user) -> Draft | None:
    try:
        data = _cache().get(_key(kind, document_id, user.pk))
    except CACHE_ERRORS as exc:
        # The page still opens (without the draft offer); the draft, if any, waits in the
        # store until it answers again.
        logger.warning("Draft of %s %s not readable: %s", kind, document_id, exc)
        return None
    if not data:
        return None
    try:
        return Draft(
            based_on=int(data["based_on"]),
            segments={int(i): str(t) for i, t in data["segments"].items()},
            saved_at=datetime.fromisoformat(data["saved_at"]),
            stamp=str(data["stamp"]),
            page=str(data.get("page") or ""),
            structure=list(data.get("structure") or []),
        )
    except (KeyError, TypeError, ValueError):
        # A draft written by an older release: unreadable, so not offered.
        return None


def draft_discard(*, kind: str, document_id, user) -> None:
    try:
        _cache().delete(_key(kind, document_id, user.pk))
    except CACHE_ERRORS as exc:
        # Runs after a version was saved: the save stands; a stale draft left behind is
        # compared with the newest version before it is ever offered.
        logger.warning("Draft of %s %s not removed: %s", kind, document_id, exc)


def draft_autosave(
    *,
    kind: str,
    document_id,
    user,
    based_on: int,
    segments: Mapping[int, str],
    page: str,
    page_loaded: datetime | None,
    structure: list[dict[str, Any]] | None = None,
) -> Draft | None:
    """The editor page's autosave: like `draft_save`, but a page never overwrites or clears
    a draft that another page wrote after it was loaded.

    That happens when a page is left (its last draft goes out as a beacon) and the page it
    led to was already rendered: without this rule, the new page's first autosave (or its
    "nothing changed" clear) would wipe the edits the user made on the old one. Raises
    `NewerDraft`; the page then says so instead of autosaving.
    """
    existing = draft_get(kind=kind, document_id=document_id, user=user)
    if (
        existing is not None
        and page_loaded is not None
        and existing.page != page
        and existing.saved_at > page_loaded
    ):
        raise NewerDraft(existing)
    return draft_save(
        kind=kind,
        document_id=document_id,
        user=user,
        based_on=based_on,
        segments=segments,
        page=page,
        structure=structure,
    )
