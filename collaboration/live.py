"""Telling every open editor of a document something at once, through the channel layer
(Redis when REDIS_URL is set, in memory for `make run`). Without a layer (or with it down)
nothing is sent: pages fall back to polling, so news is late but never lost."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)


def document_group(kind: str, document_id: Any) -> str:
    # Channels group names allow only ASCII letters, digits, hyphens, periods, underscores.
    return f"document.{kind}.{document_id}"


def tell_document(kind: str, document_id: Any, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(document_group(kind, document_id), message)
    except Exception:  # a live notice must never fail the save that caused it
        log.warning("Could not tell open editors of %s %s", kind, document_id, exc_info=True)
