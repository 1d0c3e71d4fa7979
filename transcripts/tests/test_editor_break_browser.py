"""What a sceptical user found in the editor after the trust fixes, in headless Chromium:
a reload right after typing showed the text without the edits (the draft's beacon arrived
after the new page), and an invisible pasted NUL made every save and autosave fail."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from transcripts.models import TranscriptionVersion
from transcripts.tests.test_editor_helpers import generated_segments, make_transcription
from transcripts.tests.test_editor_trust_browser import (
    SCREENSHOTS,
    SEGMENTS,
    assert_every_edit_on_the_page,
    has_edits,
    open_editor,
    segment,
    type_in_every_segment,
    wait_for_draft,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lecture(editor):
    return make_transcription(
        editor, generated_segments(words=SEGMENTS * 10, per_segment=10), with_file=True
    )


def test_reloading_right_after_typing_keeps_the_edits_even_when_the_draft_arrives_late(
    page_for, editor, lecture, settings
):
    page = page_for(editor)
    open_editor(page, lecture)
    type_in_every_segment(page)
    # The leaving page's beacon is late (here: lost), as it is whenever the reloaded page is
    # rendered first: the server has no draft to offer when the new page asks.
    page.route("**/draft/", lambda route: route.abort())
    # The reloaded page autosaves every 2 s (this one only when left: its interval is 5 min).
    settings.EDITOR_AUTOSAVE_SECONDS = 2
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
    page.reload()
    assert asked == ["beforeunload"]
    expect(page.locator('.seg[data-i="0"]')).to_be_visible()
    # Said before the first autosave tick, which then reports on the draft instead.
    expect(page.locator("[data-status]")).to_contain_text(
        f"Your unsaved changes in {SEGMENTS} segments are back"
    )
    page.unroute("**/draft/")
    assert_every_edit_on_the_page(page)
    # They are unsaved edits like any other: autosaved as this user's draft, and saved.
    wait_for_draft(editor, lecture, has_edits())
    page.keyboard.press("Control+s")
    expect(page.locator("[data-status]")).to_contain_text("Saved H-1.")
    lines = TranscriptionVersion.objects.get().edited_text.splitlines()
    assert all(lines[i].endswith(f" fixed{i}.") for i in range(SEGMENTS))

    # A plain visit later (no reload) opens the saved text, nothing taken over twice.
    page.goto("/projects/")
    open_editor(page, lecture)
    expect(page.locator("[data-status]")).to_contain_text("All changes saved (H-1)")


def test_a_reload_never_resurrects_edits_that_were_saved(page_for, editor, lecture):
    page = page_for(editor)
    open_editor(page, lecture)
    type_in_every_segment(page, count=2)
    page.keyboard.press("Control+s")
    expect(page.locator("[data-status]")).to_contain_text("Saved H-1.")
    page.reload()
    expect(page.locator("[data-status]")).to_contain_text("All changes saved (H-1)")
    expect(page.locator(".seg.is-dirty")).to_have_count(0)


def test_a_pasted_nul_or_control_character_is_dropped_and_never_blocks_saving(
    page_for, editor, lecture, settings
):
    settings.EDITOR_AUTOSAVE_SECONDS = 1
    page = page_for(editor)
    open_editor(page, lecture)
    segment(page, 0).click(modifiers=["Alt"])
    page.keyboard.press("End")
    page.evaluate(
        """() => {
          const data = new DataTransfer();
          data.setData('text/plain', ' mol\\u0000ar\\u0007 crown');
          data.setData('text/html', '<b>ignored</b><img src=x>');
          document.activeElement.dispatchEvent(
            new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
        }"""
    )
    # Replace all with a replacement carrying one too.
    page.locator("[data-find]").fill("pulp")
    page.locator("[data-replace]").fill("pu\u0000lp")
    page.get_by_role("button", name="Replace all").click()
    expect(page.locator("[data-find-status]")).to_contain_text("Replaced")
    page.wait_for_timeout(1500)  # an autosave went out
    expect(page.locator("[data-status]")).not_to_contain_text("failed")
    page.keyboard.press("Control+s")
    expect(page.locator("[data-status]")).to_contain_text("Saved H-1.")
    text = TranscriptionVersion.objects.get().edited_text
    assert "\x00" not in text and "\x07" not in text
    assert text.splitlines()[0].endswith("graft. molar crown")
    assert "pulp" in text


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 768)])
def test_the_translation_review_reads_on_a_phone_with_the_player_pinned_not_covering_it(
    page_for, editor, spanish, width, height
):
    # The review page's own stylesheet still had the provisional page's sticky `.player`
    # (top: 0): with the editor's fixed, bottom-pinned player it stretched over the whole
    # screen on a phone, and no text could be seen or clicked.
    page = page_for(editor, viewport={"width": width, "height": height})
    page.goto(f"/translations/{spanish.pk}/")
    expect(page.locator('.seg[data-i="0"]')).to_be_visible()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"translation-review-{width}x{height}.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    player = page.locator(".player").bounding_box()
    assert player["height"] < height * 0.25, player
    if width < 900:
        assert player["y"] + player["height"] >= height - 1  # pinned to the bottom edge
    first = page.locator('.seg[data-i="0"] .seg__text')
    box = first.bounding_box()
    assert box["y"] + box["height"] <= player["y"] or width >= 900
    if width < 900:
        # Too narrow for two columns: the English above its translation, both full width
        # (the phone rules came before the rules they meant to override, and lost).
        source = page.locator('.seg[data-i="0"] .seg__source').bounding_box()
        assert source["y"] + source["height"] <= box["y"] + 1, (source, box)
        assert box["width"] > width * 0.6, box
    first.click(modifiers=["Alt"])  # nothing lies over the text
    page.keyboard.press("End")
    page.keyboard.type(" corregido")
    expect(first).to_contain_text("Texto 0. corregido")


def test_replace_all_right_after_typing_keeps_saying_what_it_replaced(page_for, editor, lecture):
    page = page_for(editor)
    open_editor(page, lecture)
    page.locator("[data-find]").fill("pulp")
    page.locator("[data-replace]").fill("pulpa")
    page.get_by_role("button", name="Replace all").click()  # within the count's 150 ms
    status = page.locator("[data-find-status]")
    expect(status).to_contain_text("Replaced")
    page.wait_for_timeout(400)
    expect(status).to_contain_text("Replaced")
