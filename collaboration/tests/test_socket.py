"""The editor's socket through the real ASGI stack (session cookie, origin check, routing) and
the Redis channel layer: strangers are refused before anything about a document is sent;
editors hear who else is here, the lock, saves and comments at once."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from collaboration import services
from documents.services import document_save_version
from max_site.asgi import application
from transcripts.document import TRANSCRIPT_DOCUMENT as DOC

# Consumers reach the database from other threads: their rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://localhost")


def _cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return (b"cookie", f"{name}={client.cookies[name].value}".encode())


def _run(coroutine_function):
    """Run a test's coroutine on its own event loop in its own thread: a browser test earlier
    in this process leaves Playwright's loop on the main thread. The channel layer is made
    anew for each loop: a Redis layer made on an earlier test's loop keeps locks bound to it."""
    channel_layers.backends = {}
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine_function()).result()


def _path(transcription) -> str:
    return f"/ws/documents/transcript/{transcription.pk}/"


def test_a_stranger_is_refused_before_anything_is_sent(transcription, editor):
    async def run():
        results = []
        for headers in (
            [ORIGIN],  # not signed in
            [ORIGIN, (b"cookie", f"{settings.SESSION_COOKIE_NAME}=forged".encode())],
            [(b"origin", b"http://evil.example"), valid_cookie],  # another site's page
        ):
            communicator = WebsocketCommunicator(application, _path(transcription), headers)
            connected, code = await communicator.connect()
            results.append((connected, code))
            assert await communicator.receive_nothing(timeout=0.2)
            await communicator.disconnect()
        return results

    valid_cookie = _cookie(editor)
    results = _run(run)
    assert results[0] == (False, 4401)
    assert results[1] == (False, 4401)
    assert results[2][0] is False


def test_an_unknown_document_is_refused(editor):
    async def run():
        path = "/ws/documents/transcript/00000000-0000-0000-0000-000000000000/"
        communicator = WebsocketCommunicator(application, path, [ORIGIN, cookie])
        connected, code = await communicator.connect()
        await communicator.disconnect()
        return connected, code

    cookie = _cookie(editor)
    assert _run(run) == (False, 4404)


def test_an_unknown_socket_address_is_refused_cleanly(editor):
    async def run():
        codes = []
        for path in ("/ws/", "/ws/nope/", "/ws/documents/transcript/not-a-uuid/"):
            communicator = WebsocketCommunicator(application, path, [ORIGIN, cookie])
            codes.append(await communicator.connect())
            # Refused: nothing is left to close, so the second that `disconnect` gives the
            # consumer to end is not waited out for each address.
            await communicator.disconnect(timeout=0.1)
        return codes

    cookie = _cookie(editor)
    assert _run(run) == [(False, 4404)] * 3


def test_two_editors_hear_each_other_saves_comments_and_take_over(
    transcription, editor, other_editor
):
    erin, sam = _cookie(editor), _cookie(other_editor)

    def strict():
        project = transcription.audio_file.project
        project.requires_approval = True
        project.save(update_fields=["requires_approval"])
        return transcription

    async def receive(communicator, kind, until=lambda message: True):
        while True:
            message = await communicator.receive_json_from(timeout=3)
            if message["type"] == kind and until(message):
                return message

    async def run():
        first = WebsocketCommunicator(application, _path(transcription), [ORIGIN, erin])
        assert (await first.connect())[0]
        hello = await receive(first, "hello")
        assert hello["lock"]["holder_id"] is None  # opening is not editing
        assert (hello["latest"]["number"], hello["latest"]["label"]) == (0, "T-1")
        await first.send_json_to({"type": "editing"})
        lock = await receive(first, "lock")
        assert lock["lock"]["holder_id"] == str(editor.pk)

        second = WebsocketCommunicator(application, _path(transcription), [ORIGIN, sam])
        assert (await second.connect())[0]
        hello = await receive(second, "hello")
        assert {p["name"] for p in hello["people"]} == {"Erin Editor", "Sam Second"}
        assert hello["lock"]["holder_name"] == "Erin Editor"  # Sam sees who is editing
        await receive(first, "presence", until=lambda m: len(m["people"]) == 2)

        await sync_to_async(document_save_version)(
            doc=DOC,
            parent=transcription,
            user=editor,
            based_on_version_number=0,
            segments_text={0: "Saved by Erin."},
        )
        saved = await receive(second, "saved")
        assert (saved["label"], saved["by_name"], saved["by_id"]) == (
            "H-1",
            "Erin Editor",
            str(editor.pk),
        )

        await sync_to_async(services.comment_add)(
            doc=DOC, parent=transcription, user=editor, body="Look here", segment_index=1
        )
        await receive(second, "comments")

        await sync_to_async(strict)()
        await sync_to_async(services.approval_request)(doc=DOC, parent=transcription, user=editor)
        approval = await receive(second, "approval")
        assert approval["text"] == "Erin Editor asked for approval of H-1."

        await second.send_json_to({"type": "take_over"})
        lock = await receive(first, "lock")
        assert lock["lock"]["holder_name"] == "Sam Second"
        assert lock["taken_from"] == str(editor.pk)

        await second.disconnect()
        left = await receive(first, "presence", until=lambda m: len(m["people"]) == 1)
        assert [p["name"] for p in left["people"]] == ["Erin Editor"]
        freed = await receive(first, "lock")  # Sam left: nobody is editing now
        assert freed["lock"]["holder_id"] is None
        await first.disconnect()

    _run(run)
    transcription.refresh_from_db()
    # Sam's page closed with the lock: it is free again; the take-over is in the audit trail.
    assert transcription.locked_by_id is None
    from accounts.models import Activity

    assert Activity.objects.filter(action="transcription.lock_taken_over").count() == 1


def test_polling_says_the_same_without_a_socket(transcription, editor, other_editor, client):
    client.force_login(other_editor)
    url = f"/review/transcript/{transcription.pk}/presence/"
    assert client.post(url, {"client": "page-1"}).json()["lock"]["holder_id"] is None
    editing = client.post(url, {"client": "page-1", "editing": "1"}).json()
    assert editing["lock"]["holder_name"] == "Sam Second"
    services.lock_release(doc=DOC, parent=transcription, user=other_editor)
    services.lock_acquire(doc=DOC, parent=transcription, user=editor)
    data = client.post(url, {"client": "page-1"}).json()
    assert data["lock"]["holder_name"] == "Erin Editor"
    assert data["latest"]["label"] == "T-1"
    assert [p["name"] for p in data["people"]] == ["Sam Second"]
    data = client.post(url, {"client": "page-1", "take_over": "1"}).json()
    assert data["lock"]["holder_name"] == "Sam Second"
    anonymous = Client()
    response = anonymous.post(url, {"client": "x"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_polling_editor_who_starts_editing_is_seen_on_sockets_at_once(
    transcription, editor, other_editor
):
    poller = Client()
    poller.force_login(other_editor)
    url = f"/review/transcript/{transcription.pk}/presence/"
    cookie = _cookie(editor)

    async def run():
        communicator = WebsocketCommunicator(application, _path(transcription), [ORIGIN, cookie])
        assert (await communicator.connect())[0]
        while not await communicator.receive_nothing(timeout=0.3):
            await communicator.receive_json_from()  # hello, presence
        await sync_to_async(poller.post)(url, {"client": "page-1", "editing": "1"})
        while True:
            message = await communicator.receive_json_from(timeout=3)
            if message["type"] == "lock":
                await communicator.disconnect()
                return message["lock"]["holder_name"]

    assert _run(run) == "Sam Second"


def test_a_save_whose_news_was_lost_is_named_at_the_next_heartbeat(
    transcription, editor, other_editor, monkeypatch
):
    """The worker saves a version, but its news does not reach the web process (`make run`'s
    in-memory layer): the socket's next heartbeat answer names the latest version."""
    from collaboration import live

    cookie = _cookie(editor)

    async def run():
        communicator = WebsocketCommunicator(application, _path(transcription), [ORIGIN, cookie])
        assert (await communicator.connect())[0]
        while not await communicator.receive_nothing(timeout=0.3):
            await communicator.receive_json_from()  # hello, presence
        monkeypatch.setattr(live, "tell_document", lambda *args, **kwargs: None)
        await sync_to_async(document_save_version)(
            doc=DOC,
            parent=transcription,
            user=other_editor,
            based_on_version_number=0,
            segments_text={0: "Saved by the worker."},
        )
        assert await communicator.receive_nothing(timeout=0.3)
        await communicator.send_json_to({"type": "heartbeat"})
        answer = await communicator.receive_json_from(timeout=3)
        await communicator.disconnect()
        return answer["latest"]

    latest = _run(run)
    assert (latest["number"], latest["label"], latest["by_name"]) == (1, "H-1", "Sam Second")


def test_signing_out_closes_the_socket_at_once_and_an_ended_session_hears_nothing(
    transcription, editor, other_editor
):
    from django.contrib.sessions.models import Session

    signed_out, expired = Client(), Client()
    signed_out.force_login(editor)
    expired.force_login(editor)
    name = settings.SESSION_COOKIE_NAME

    def cookie(client):
        return (b"cookie", f"{name}={client.cookies[name].value}".encode())

    async def closed(communicator):
        while True:
            message = await communicator.receive_output(timeout=3)
            assert message["type"] != "websocket.send", message  # nothing more reaches it
            if message["type"] == "websocket.close":
                return message["code"]

    async def run():
        first = WebsocketCommunicator(
            application, _path(transcription), [ORIGIN, cookie(signed_out)]
        )
        second = WebsocketCommunicator(application, _path(transcription), [ORIGIN, cookie(expired)])
        for communicator in (first, second):
            assert (await communicator.connect())[0]
        for communicator in (first, second):
            while not await communicator.receive_nothing(timeout=0.3):
                await communicator.receive_json_from()  # hello, presence
        # Signing out (another tab): no heartbeat needed, the socket closes now.
        await sync_to_async(signed_out.logout)()
        codes = [await closed(first)]
        # A session that ended without a sign-out (it expired): the next news closes the
        # socket instead of reaching the page.
        key = expired.cookies[name].value
        await sync_to_async(Session.objects.filter(session_key=key).delete)()
        await sync_to_async(document_save_version)(
            doc=DOC,
            parent=transcription,
            user=other_editor,
            based_on_version_number=0,
            segments_text={0: "Saved by Sam."},
        )
        codes.append(await closed(second))
        return codes

    assert _run(run) == [4401, 4401]


def test_a_polling_page_that_closes_leaves_and_lets_go_of_its_lock(
    transcription, other_editor, client
):
    client.force_login(other_editor)
    url = f"/review/transcript/{transcription.pk}/presence/"
    client.post(url, {"client": "page-1", "editing": "1"})
    transcription.refresh_from_db()
    assert transcription.locked_by_id == other_editor.pk
    assert client.post(url, {"client": "page-1", "leave": "1"}).json()["people"] == []
    transcription.refresh_from_db()
    assert transcription.locked_by_id is None


def test_presence_stays_right_when_many_pages_open_and_close_at_once(transcription, editor):
    """Server processes change one document's presence at the same moment (several daphne
    processes on one Redis): no page is lost, and nobody who left is still shown."""
    from collaboration import presence
    from tests.factories import UserFactory

    bob = UserFactory(email="bob@example.com", full_name="Bob Busy")
    pages = [(f"page-{n}", editor if n % 2 else bob) for n in range(40)]

    def touch(page):
        presence.presence_touch("transcript", transcription.pk, page[0], page[1])

    def leave(page):
        presence.presence_leave("transcript", transcription.pk, page[0])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(touch, pages))
        here = presence.presence_list("transcript", transcription.pk)
        assert sorted(p["pages"] for p in here) == [20, 20]
        list(pool.map(leave, pages))
    assert presence.presence_list("transcript", transcription.pk) == []
