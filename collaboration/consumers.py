"""The editor's socket: presence, the soft lock, and news of saves and comments, for one
document. A user who is not signed in, or a document that does not exist, is refused before
the socket opens, so nothing about a document reaches a stranger."""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib import auth

from collaboration import presence, services
from collaboration.live import document_group, session_group
from collaboration.selectors import lock_state
from documents import hooks
from documents.selectors import document_snapshot

# Close codes (4000-4999 are the application's): the page shows why and polls instead.
NOT_SIGNED_IN = 4401
NO_SUCH_DOCUMENT = 4404


def _load(kind: str, pk) -> tuple[Any, Any] | None:
    doc = hooks.document_by_kind(kind)
    if doc is None:
        return None
    parent = hooks.parent_model(doc).objects.filter(pk=pk).first()
    return None if parent is None else (doc, parent)


class DocumentConsumer(AsyncJsonWebsocketConsumer):
    doc: Any = None
    parent: Any = None
    group: str = ""
    session_group: str = ""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=NOT_SIGNED_IN)
            return
        kwargs = self.scope["url_route"]["kwargs"]
        found = await database_sync_to_async(_load)(kwargs["kind"], kwargs["pk"])
        if found is None:
            await self.close(code=NO_SUCH_DOCUMENT)
            return
        self.user = user
        self.doc, self.parent = found
        self.group = document_group(self.doc.kind, self.parent.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        key = getattr(self.scope.get("session"), "session_key", None)
        if key:
            # Signing out closes this socket at once (receivers._signed_out).
            self.session_group = session_group(key)
            await self.channel_layer.group_add(self.session_group, self.channel_name)
        await self.accept()
        people = await database_sync_to_async(presence.presence_touch)(
            self.doc.kind, self.parent.pk, self.channel_name, user
        )
        # Opening is not editing: the lock is taken at the first edit ("editing").
        lock = await database_sync_to_async(lock_state)(doc=self.doc, parent=self.parent)
        latest = await database_sync_to_async(self._latest)()
        await self.send_json(
            {"type": "hello", "people": people, "lock": lock.as_json(), "latest": latest}
        )
        await self.channel_layer.group_send(
            self.group, {"type": "presence.changed", "people": people}
        )

    def _latest(self) -> dict[str, Any]:
        latest = document_snapshot(doc=self.doc, parent=self.parent, with_json=False)
        by = latest.version.edited_by if latest.version is not None else None
        return {
            "number": latest.number,
            "label": latest.label,
            "by_id": str(by.pk) if by else None,
            "by_name": (by.get_full_name() or by.get_username()) if by else "",
        }

    async def disconnect(self, code: int) -> None:
        if not self.group:
            return
        await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.session_group:
            await self.channel_layer.group_discard(self.session_group, self.channel_name)
        people = await database_sync_to_async(presence.presence_leave)(
            self.doc.kind, self.parent.pk, self.channel_name
        )
        await self.channel_layer.group_send(
            self.group, {"type": "presence.changed", "people": people}
        )
        if any(p["user_id"] == str(self.user.pk) for p in people):
            return  # still editing in another tab: the lock stays theirs
        before = await database_sync_to_async(lock_state)(doc=self.doc, parent=self.parent)
        await database_sync_to_async(services.lock_release)(
            doc=self.doc, parent=self.parent, user=self.user
        )
        if before.holder_id == str(self.user.pk):
            # The editor left: the others no longer see them as editing.
            free = await database_sync_to_async(lock_state)(doc=self.doc, parent=self.parent)
            await self.channel_layer.group_send(
                self.group, {"type": "lock.changed", "lock": free.as_json(), "taken_from": None}
            )

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or not self.group:
            return
        action = content.get("type")
        if action == "heartbeat" and not await self._still_signed_in():
            await self.close(code=NOT_SIGNED_IN)
            return
        if action == "heartbeat":
            people = await database_sync_to_async(presence.presence_touch)(
                self.doc.kind, self.parent.pk, self.channel_name, self.user
            )
            if content.get("editing"):
                lock = await self._edit()
            else:
                lock = await database_sync_to_async(lock_state)(doc=self.doc, parent=self.parent)
            # The latest version too: a save whose news did not come over the layer (the
            # worker's, under `make run`'s in-memory layer) is heard within a heartbeat.
            latest = await database_sync_to_async(self._latest)()
            await self.send_json(
                {"type": "presence", "people": people, "lock": lock.as_json(), "latest": latest}
            )
        elif action == "editing":
            await self._edit()
        elif action == "take_over":
            lock = await database_sync_to_async(services.lock_acquire)(
                doc=self.doc, parent=self.parent, user=self.user, take_over=True
            )
            await self.channel_layer.group_send(
                self.group,
                {"type": "lock.changed", "lock": lock.as_json(), "taken_from": lock.taken_from_id},
            )

    async def _still_signed_in(self) -> bool:
        """Signed out (or deactivated, or the password changed) since the socket opened: it
        stops telling them anything. The session is read afresh, not from the socket's copy."""
        return await database_sync_to_async(self._session_user_is_still)()

    def _session_user_is_still(self) -> bool:
        session = self.scope.get("session")
        key = getattr(session, "session_key", None)
        if not key:
            return False
        store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
        user = auth.get_user(SimpleNamespace(session=store))
        return bool(user.is_authenticated and user.is_active and user.pk == self.user.pk)

    async def _edit(self) -> services.LockState:
        """This page edits: take the lock when it is free (everyone is told), or renew ours."""
        before = await database_sync_to_async(lock_state)(doc=self.doc, parent=self.parent)
        lock = await database_sync_to_async(services.lock_acquire)(
            doc=self.doc, parent=self.parent, user=self.user
        )
        if lock.holder_id != before.holder_id:
            await self.channel_layer.group_send(
                self.group, {"type": "lock.changed", "lock": lock.as_json(), "taken_from": None}
            )
        return lock

    # -- group messages, passed on to the page ----------------------------------------------
    # Each is passed on only while the sign-in still holds (an expired session, a changed
    # password, a deactivated user): otherwise the socket closes instead.

    async def _pass_on(self, message: dict[str, Any]) -> None:
        if not await self._still_signed_in():
            await self.close(code=NOT_SIGNED_IN)
            return
        await self.send_json(message)

    async def session_ended(self, event: dict[str, Any]) -> None:
        await self.close(code=NOT_SIGNED_IN)

    async def presence_changed(self, event: dict[str, Any]) -> None:
        await self._pass_on({"type": "presence", "people": event["people"]})

    async def lock_changed(self, event: dict[str, Any]) -> None:
        await self._pass_on(
            {"type": "lock", "lock": event["lock"], "taken_from": event.get("taken_from")}
        )

    async def version_saved(self, event: dict[str, Any]) -> None:
        await self._pass_on({**event, "type": "saved"})

    async def approval_changed(self, event: dict[str, Any]) -> None:
        await self._pass_on({"type": "approval", "text": event["text"]})

    async def comments_changed(self, event: dict[str, Any]) -> None:
        await self._pass_on({"type": "comments"})
