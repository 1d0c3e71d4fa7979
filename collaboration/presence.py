"""Who has a document open: one entry per open page (a socket, or a polling page), kept in
the cache and dropped when it has not been heard from for PRESENCE_SECONDS."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache


def _key(kind: str, document_id: Any) -> str:
    return f"collab:presence:{kind}:{document_id}"


def _fresh(entries: dict[str, dict], now: float) -> dict[str, dict]:
    limit = settings.COLLAB_PRESENCE_SECONDS
    return {k: v for k, v in entries.items() if now - v.get("seen", 0) < limit}


def presence_touch(kind: str, document_id: Any, client: str, user) -> list[dict]:
    """Mark a page as open now; returns everyone who has the document open."""
    now = time.time()
    entries = _fresh(cache.get(_key(kind, document_id)) or {}, now)
    entries[client] = {
        "user_id": str(user.pk),
        "name": user.get_full_name() or user.get_username(),
        "seen": now,
    }
    cache.set(_key(kind, document_id), entries, settings.COLLAB_PRESENCE_SECONDS * 4)
    return people(entries)


def presence_leave(kind: str, document_id: Any, client: str) -> list[dict]:
    now = time.time()
    entries = _fresh(cache.get(_key(kind, document_id)) or {}, now)
    entries.pop(client, None)
    cache.set(_key(kind, document_id), entries, settings.COLLAB_PRESENCE_SECONDS * 4)
    return people(entries)


def presence_list(kind: str, document_id: Any) -> list[dict]:
    return people(_fresh(cache.get(_key(kind, document_id)) or {}, time.time()))


def people(entries: dict[str, dict]) -> list[dict]:
    """One row per person (several tabs of one user count once), in a stable order."""
    by_user: dict[str, dict] = {}
    for entry in entries.values():
        row = by_user.setdefault(
            entry["user_id"], {"user_id": entry["user_id"], "name": entry["name"], "pages": 0}
        )
        row["pages"] += 1
    return sorted(by_user.values(), key=lambda r: (r["name"].lower(), r["user_id"]))
