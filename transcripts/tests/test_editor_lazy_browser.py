"""A long lecture's editor page carries its first segments; the rest arrive as the editor
scrolls or needs them (find, a far search hit, editing and saving there)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from documents.services import document_save_version
from transcripts.document import TRANSCRIPT_DOCUMENT
from transcripts.models import TranscriptionVersion
from transcripts.tests.test_editor_helpers import generated_segments, make_transcription

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EDITOR = "document.querySelector('[data-editor]').maxEditor"
FETCHED = f"{EDITOR}.unfetched.size"


def segment(page, index):
    return page.locator(f'.seg[data-i="{index}"] .seg__text')


def test_a_long_lecture_fetches_its_segments_as_the_editor_scrolls_finds_and_saves(
    page_for, editor
):
    transcription = make_transcription(editor, generated_segments(words=15_000))
    document_save_version(
        doc=TRANSCRIPT_DOCUMENT,
        parent=transcription,
        user=editor,
        based_on_version_number=0,
        segments_text={1400: "A far away sentence about zirconia."},
    )
    page = page_for(editor)
    chunks = []
    page.on("request", lambda r: "/segments/" in r.url and chunks.append(r.url))
    page.goto(transcription.get_absolute_url())
    page.wait_for_function("() => performance.getEntriesByName('max-editor-ready').length > 0")
    expect(segment(page, 0)).to_be_visible()
    first = page.evaluate(FETCHED)
    assert first > 1000, first  # most of the 1,500 segments are not in the page yet

    # Enter in the last segment of a piece moves on even while the next piece's neighbours
    # (past the first paint's 150) are still being fetched.
    held = []
    page.route("**/segments/**", lambda route: held.append(route))
    page.evaluate(f"{EDITOR}.view.ensureRendered(119)")
    segment(page, 119).click()
    page.keyboard.press("Enter")
    page.wait_for_timeout(200)
    assert held  # the fetch of the piece's neighbours was under way
    for route in held:
        route.continue_()
    page.unroute("**/segments/**")
    expect(page.locator('.seg[data-i="120"] .seg__text')).to_be_focused()

    # Scrolling down fetches the segments coming into view.
    transcript = page.locator("[data-transcript]")
    transcript.hover()
    while not segment(page, 300).count():
        page.mouse.wheel(0, 3_000)
        page.wait_for_timeout(50)
        page.wait_for_function(f"() => {EDITOR}.fetching === 0")
    expect(segment(page, 300)).to_contain_text(".")
    assert chunks and page.evaluate(FETCHED) < first

    # Find looks through every segment, the ones not fetched yet too, and goes to the match.
    page.locator("[data-find]").fill("zirconia")
    expect(page.locator("[data-find-status]")).to_have_text("1 match")
    assert page.evaluate(FETCHED) == 0
    page.locator("[data-find]").press("Enter")
    far = segment(page, 1400)
    expect(far).to_be_in_viewport()

    # Edited there and saved: the new version has it.
    far.click()
    page.keyboard.press("End")
    page.keyboard.type(" Checked.")
    expect(page.locator("[data-status]")).to_contain_text("Unsaved changes in 1 segment")
    page.keyboard.press("Control+s")
    expect(page.locator("[data-status]")).to_contain_text("Saved H-2.")
    latest = TranscriptionVersion.objects.get(transcription=transcription, version_number=2)
    assert latest.edited_text.splitlines()[1400] == "A far away sentence about zirconia. Checked."

    # A search hit far into the lecture opens there, its segments fetched.
    t = generated_segments(words=15_000)[1200][0] + 1
    chunks.clear()
    page.goto(f"{transcription.get_absolute_url()}?t={t}#t={t}")
    page.wait_for_function("() => performance.getEntriesByName('max-editor-ready').length > 0")
    expect(page.locator('.seg[data-i="1200"].is-playing')).to_be_in_viewport()
    assert page.evaluate(FETCHED) > 500  # only the pieces around it
