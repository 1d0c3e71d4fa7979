"""Editor drafts: unsaved segment edits kept in the cache per (kind, document, user).

A draft is never a version. It names the version it was based on, so restoring it later goes
through the same three-way merge as a stale save. Any document kind can use it (the
translation editor passes kind="translation").
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from transcripts.versioning import normalize_text


@dataclass(frozen=True)
class Draft:
    based_on: int  # version number the edits were made on (0 = the machine text)
    segments: dict[int, str]  # only the segments that differ from that version
    saved_at: datetime
    stamp: str  # identifies this draft, so a page only clears the draft it owns

    @property
    def segment_count(self) -> int:
        return len(self.segments)


def _key(kind: str, document_id, user_id) -> str:
    return f"editor-draft:{kind}:{document_id}:{user_id}"


def draft_save(
    *, kind: str, document_id, user, based_on: int, segments: Mapping[int, str]
) -> Draft | None:
    """Store (or, with no segments, remove) the user's draft of a document."""
    if not segments:
        draft_discard(kind=kind, document_id=document_id, user=user)
        return None
    draft = Draft(
        based_on=int(based_on),
        segments={int(i): normalize_text(t) for i, t in segments.items()},
        saved_at=timezone.now(),
        stamp=uuid.uuid4().hex,
    )
    cache.set(
        _key(kind, document_id, user.pk),
        {
            "based_on": draft.based_on,
            "segments": {str(i): t for i, t in draft.segments.items()},
            "saved_at": draft.saved_at.isoformat(),
            "stamp": draft.stamp,
        },
        timeout=settings.EDITOR_DRAFT_SECONDS,
    )
    return draft


def draft_get(*, kind: str, document_id, user) -> Draft | None:
    data = cache.get(_key(kind, document_id, user.pk))
    if not data:
        return None
    try:
        return Draft(
            based_on=int(data["based_on"]),
            segments={int(i): str(t) for i, t in data["segments"].items()},
            saved_at=datetime.fromisoformat(data["saved_at"]),
            stamp=str(data["stamp"]),
        )
    except (KeyError, TypeError, ValueError):
        # A draft written by an older release: unreadable, so not offered.
        return None


def draft_discard(*, kind: str, document_id, user) -> None:
    cache.delete(_key(kind, document_id, user.pk))
