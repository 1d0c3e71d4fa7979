"""Telling every open editor of a document something at once, through the channel layer
(Redis when REDIS_URL is set, in memory for `make run`). Without a layer (or with it down)
nothing is sent: pages fall back to polling, so news is late but never lost."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)


def document_group(kind: str, document_id: Any) -> str:
    # Channels group names allow only ASCII letters, digits, hyphens, periods, underscores.
    return f"document.{kind}.{document_id}"


def session_group(session_key: str) -> str:
    """Every socket opened with one sign-in (the key itself stays out of the layer)."""
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def tell_document(kind: str, document_id: Any, message: dict[str, Any]) -> None:
    _send(document_group(kind, document_id), message, f"open editors of {kind} {document_id}")


def tell_session_ended(session_key: str) -> None:
    """The sign-in ended (signed out): its sockets close at once."""
    _send(session_group(session_key), {"type": "session.ended"}, "the sockets of a session")


def _send(group: str, message: dict[str, Any], whom: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # a live notice must never fail the save (or sign-out) that caused it
        log.warning("Could not tell %s", whom, exc_info=True)
