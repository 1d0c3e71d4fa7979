"""Two people in one transcript, in real Chromium against a real ASGI server (daphne, the
Redis channel layer): each sees the other arrive, a comment appears beside the segment on the
other screen, and a save reaches the other editor at once ("H-1 saved by … — merge now")."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import connections
from django.test import Client
from playwright.sync_api import expect

from tests.factories import TranscriptionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE = 5_000  # ms: what "at once" may take on a busy two-core machine
# Whether the (one) long comment's body is clamped (">") or shown whole ("<="), found afresh on
# each poll.
LONG_BODY_MEASURES = """compare => {
  const el = document.querySelector(".comment__body.is-long");
  if (!el || !el.isConnected || el.clientHeight === 0) return false;
  return compare === ">" ? el.scrollHeight > el.clientHeight : el.scrollHeight <= el.clientHeight;
}"""


def _application():
    # Runs in the server process (pickled by name): pages, static files and sockets.
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from max_site.asgi import application

    return ASGIStaticFilesHandler(application)


@pytest.fixture
def asgi_server(transactional_db):
    """daphne in a forked process on the test database (it shares the test's settings)."""
    from daphne.testing import DaphneProcess

    connections.close_all()  # the child must not share the parent's database sockets
    process = DaphneProcess("127.0.0.1", _application)
    process.start()
    if not process.ready.wait(timeout=30):
        process.terminate()
        raise RuntimeError("daphne did not start")
    yield f"http://127.0.0.1:{process.port.value}"
    process.terminate()
    process.join(timeout=10)


def _page(browser, url, user, **options):
    context = browser.new_context(base_url=url, **options)
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": url}])
    return context, context.new_page()


def test_two_editors_see_each_other_comments_and_saves_live(
    browser, asgi_server, editor, other_editor
):
    transcription = TranscriptionFactory(created_by=editor)
    project = transcription.audio_file.project
    project.requires_approval = True
    project.save(update_fields=["requires_approval"])
    other_editor.user_permissions.add(Permission.objects.get(codename="approve_version"))
    path = transcription.get_absolute_url()
    erin_context, erin = _page(
        browser, asgi_server, editor, viewport={"width": 1366, "height": 768}
    )
    sam_context, sam = _page(
        browser, asgi_server, other_editor, viewport={"width": 390, "height": 844}
    )
    try:
        erin.goto(path)
        sam.goto(path)
        # Over the socket, not by polling.
        expect(erin.locator("[data-link-state]")).to_have_text("live", timeout=LIVE)
        expect(sam.locator("[data-link-state]")).to_have_text("live", timeout=LIVE)
        expect(erin.locator("[data-presence]")).to_contain_text("Sam Second", timeout=LIVE)
        expect(sam.locator("[data-presence]")).to_contain_text("Erin Editor", timeout=LIVE)

        word = erin.locator(".seg[data-i='1'] .seg__text [data-w='1']")
        word.dblclick()  # selects the word: the comment is about it
        quote = word.inner_text().strip()
        erin.locator(".seg[data-i='1']").hover()
        erin.locator(".seg[data-i='1'] [data-comment-segment]").click()
        expect(erin.locator("[data-comment-anchor]")).to_have_text(f"On segment 2: “{quote}”")
        erin.fill("#comment-body", "Which tooth is this?")
        erin.locator("[data-comment-form] button[type=submit]").dblclick()
        expect(sam.locator("[data-comment-threads]")).to_contain_text(
            "Which tooth is this?", timeout=LIVE
        )
        expect(sam.locator(".seg[data-i='1'] [data-comment-segment]")).to_have_text("1")
        expect(sam.locator("[data-comment-threads] [data-thread]")).to_have_count(1)
        expect(sam.locator(".seg[data-i='1'] .seg__text .is-commented")).to_have_text([quote])
        # Sam starts a reply; Erin's next comment redraws his list but keeps his draft.
        reply = sam.locator("[data-thread] .thread__reply textarea").first
        reply.click()
        sam.keyboard.type("The upper mol")
        erin.locator(".seg[data-i='2']").hover()
        erin.locator(".seg[data-i='2'] [data-comment-segment]").click()
        erin.fill("#comment-body", "And this one? " + "Look at the root canal again. " * 30)
        erin.locator("[data-comment-form] button[type=submit]").click()
        expect(sam.locator("[data-comment-threads] [data-thread]")).to_have_count(2, timeout=LIVE)
        expect(reply).to_have_value("The upper mol")
        sam.keyboard.type("ar.")  # still where he was typing
        expect(reply).to_have_value("The upper molar.")
        reply.locator("xpath=..").locator("button").click()
        expect(erin.locator("[data-comment-threads]")).to_contain_text(
            "The upper molar.", timeout=LIVE
        )
        expect(reply).to_have_value("")
        # A long comment shows its beginning until "Show more" (kept open across redraws).
        more = sam.locator("[data-comment-more]")
        expect(more).to_have_count(1)
        body = sam.locator(".comment__body.is-long")
        expect(body).to_have_count(1)
        # Waited for: the clamp applies once the comment card has been laid out. The element is
        # looked up on every poll: a redraw from the socket replaces it, and a detached node
        # measures 0 × 0 for ever.
        sam.wait_for_function(LONG_BODY_MEASURES, arg=">", timeout=LIVE)
        more.click()
        expect(body).to_have_class("comment__body is-long is-open")
        sam.wait_for_function(LONG_BODY_MEASURES, arg="<=", timeout=LIVE)
        expect(more).to_have_text("Show less")

        text = erin.locator(".seg[data-i='0'] .seg__text")
        text.click()
        erin.keyboard.press("End")
        erin.keyboard.type(" Welcome all.")
        expect(sam.locator("[data-lock]")).to_contain_text("Erin Editor is editing", timeout=LIVE)
        # Words selected in a segment with unsaved edits: the saved text may have other words
        # there, so the comment would go on the whole segment (and says so).
        expect(erin.locator(".seg[data-i='0'] .seg__text [data-w]").nth(1)).to_be_attached()
        hit = erin.evaluate(
            """() => {
              const words = document.querySelectorAll(".seg[data-i='0'] .seg__text [data-w]");
              const range = document.createRange();
              range.setStartBefore(words[0]);
              range.setEndAfter(words[1]);
              getSelection().removeAllRanges();
              getSelection().addRange(range);
              return words.length;
            }"""
        )
        assert hit >= 2
        erin.locator(".seg[data-i='0']").hover()
        erin.locator(".seg[data-i='0'] [data-comment-segment]").click()
        expect(erin.locator("[data-comment-anchor]")).to_have_text(
            "On segment 1 (the whole segment: save your edits to it to comment on words)"
        )
        erin.locator("[data-comment-cancel]").click()
        erin.locator("[data-action=save]").click()
        expect(erin.locator("[data-status]")).to_contain_text("Saved H-1")
        notice = sam.locator("[data-live-notice]")
        expect(notice).to_contain_text("H-1 saved by Erin Editor", timeout=LIVE)
        expect(erin.locator("[data-live-notice]")).to_be_hidden()  # her own save
        sam.locator("[data-merge-now]").click()
        expect(sam.locator(".seg[data-i='0'] .seg__text")).to_contain_text("Welcome all.")

        # The approval button follows Erin's saves without a reload.
        request = erin.locator("[data-request-approval-form] button")
        expect(request).to_have_text("Request approval of H-1")
        request.click()
        expect(request).to_have_text("H-1 awaits approval")
        expect(request).to_be_disabled()
        erin.locator(".seg[data-i='3'] .seg__text").click()
        erin.keyboard.press("End")
        erin.keyboard.type(" Thanks.")
        erin.locator("[data-action=save]").click()
        expect(erin.locator("[data-status]")).to_contain_text("Saved H-2")
        expect(request).to_have_text("Request approval of H-2")
        expect(request).to_be_enabled()
        request.click()
        expect(request).to_have_text("H-2 awaits approval")
        # On Sam's phone the Approvals page shows the request with its buttons on screen.
        sam.goto("/review/approvals/")
        approve = sam.locator("[data-approval-row] button[value=approve]")
        expect(approve).to_be_visible()
        box = approve.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390
        assert sam.evaluate("document.documentElement.scrollWidth") <= 390
        assert sam.locator("table.approvals").evaluate("el => el.scrollWidth <= el.clientWidth")
    finally:
        erin_context.close()
        sam_context.close()


def test_after_a_long_outage_the_page_goes_back_to_the_socket(
    browser, asgi_server, editor, other_editor
):
    """The server's sockets are away for a minute (a deploy): the page polls meanwhile, hears
    saves and take-overs from its polls, then goes back to live by itself. The page's clock
    runs fast; the outage is played by refusing sockets."""
    from collaboration import services
    from documents.services import document_save_version
    from transcripts.document import TRANSCRIPT_DOCUMENT

    transcription = TranscriptionFactory(created_by=editor)
    context, page = _page(browser, asgi_server, editor)
    state = {"down": False, "open": []}

    def route(ws):
        if state["down"]:
            ws.close(code=1011)
        else:
            state["open"].append(ws)
            ws.connect_to_server()

    def run_for(seconds):
        for _ in range(seconds // 5):
            page.clock.fast_forward(5_000)
            page.wait_for_timeout(100)

    try:
        page.route_web_socket("**/ws/**", route)
        page.clock.install()
        page.goto(transcription.get_absolute_url())
        link = page.locator("[data-link-state]")
        expect(link).to_have_text("live", timeout=LIVE)
        state["down"] = True
        for ws in state["open"]:
            ws.close(code=1012)
        expect(link).to_have_text("polling", timeout=LIVE)
        run_for(30)  # every try in the meantime fails
        expect(link).to_have_text("polling")
        # A save is announced once: "Later" keeps the notice closed at the next polls.
        document_save_version(
            doc=TRANSCRIPT_DOCUMENT,
            parent=transcription,
            user=other_editor,
            based_on_version_number=0,
            segments_text={2: "Sam was here."},
        )
        notice = page.locator("[data-live-notice]")
        run_for(10)
        expect(notice).to_contain_text("H-1 saved by Sam Second", timeout=LIVE)
        page.locator("[data-notice-close]").click()
        run_for(30)
        expect(notice).to_be_hidden()
        # Editing while polling takes the lock; a take-over is told at the next poll.
        page.locator(".seg[data-i='0'] .seg__text").click()
        page.keyboard.type("Mine ")
        for _ in range(50):
            transcription.refresh_from_db()
            if transcription.locked_by_id == editor.pk:
                break
            page.wait_for_timeout(100)
        assert transcription.locked_by_id == editor.pk
        services.lock_acquire(
            doc=TRANSCRIPT_DOCUMENT, parent=transcription, user=other_editor, take_over=True
        )
        run_for(10)
        expect(notice).to_contain_text("Sam Second took over editing", timeout=LIVE)
        state["down"] = False
        run_for(40)
        expect(link).to_have_text("live", timeout=LIVE)
        # The session ends while the socket is away (it expired): the next poll is sent to
        # the sign-in page, and the page says so instead of polling on in silence.
        from django.contrib.sessions.models import Session

        state["down"] = True
        for ws in state["open"]:
            ws.close(code=1012)
        Session.objects.all().delete()
        run_for(15)
        expect(link).to_have_text("signed out", timeout=LIVE)
        expect(page.locator("[data-presence]")).to_contain_text("You are signed out")
    finally:
        context.close()
