"""The transcript editor in headless Chromium: seek, highlight, edit, save, conflicts, drafts,
find and replace, dictionary, and the windowed rendering of a long lecture."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from documents import drafts
from documents.services import document_save_version
from glossary.models import DictionaryEntry
from transcripts.document import TRANSCRIPT_DOCUMENT
from transcripts.models import TranscriptionVersion
from transcripts.tests.test_editor_helpers import generated_segments, make_transcription

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_editor(page, transcription):
    page.goto(transcription.get_absolute_url())
    expect(page.locator('.seg[data-i="0"]')).to_be_visible()
    # The segments are server-rendered: wait until the editor's module has wired its controls
    # (a click before that follows the plain link instead of the in-page action).
    page.wait_for_function("() => performance.getEntriesByName('max-editor-ready').length > 0")


def segment(page, index):
    return page.locator(f'.seg[data-i="{index}"] .seg__text')


def player_time(page) -> float:
    return page.evaluate("document.getElementById('player').currentTime")


@pytest.fixture
def lecture(editor):
    return make_transcription(editor, with_file=True)


def test_click_a_word_edit_save_reload_and_meet_a_conflict(page_for, editor, other_editor, lecture):
    page = page_for(editor)
    open_editor(page, lecture)
    page.wait_for_function(
        "() => document.getElementById('player').readyState >= 1", timeout=15_000
    )

    # Click "placed" (segment 2, word 3: 9 s + 3 × 5/8 s): the player plays from there and
    # the word is highlighted as the one being spoken.
    word = segment(page, 2).locator('[data-w="3"]')
    expect(word).to_have_text("placed")
    word.click()
    # It plays from there, as the help says; paused at once to look at the highlight.
    page.wait_for_function(
        """() => {
            const media = document.getElementById('player');
            if (media.paused || media.currentTime < 10.87) return false;
            media.pause();
            return true;
        }"""
    )
    assert player_time(page) < 11.5
    expect(word).to_have_class("is-current")

    # Keyboard: forward 5 s.
    page.keyboard.press("Control+.")
    page.wait_for_function("() => document.getElementById('player').currentTime > 15.8")

    # Edit segment 2 and save with Ctrl+S.
    segment(page, 2).click()
    page.keyboard.press("End")
    page.keyboard.type(" Slowly.")
    expect(page.locator("[data-status]")).to_contain_text("Unsaved changes in 1 segment")
    page.keyboard.press("Control+s")
    expect(page.locator("[data-status]")).to_contain_text("Saved H-1.")
    version = TranscriptionVersion.objects.get(transcription=lecture)
    assert version.edited_text.splitlines()[2].endswith("heals. Slowly.")

    page.reload()
    expect(page.locator("[data-version-label]")).to_have_text("H-1")
    expect(segment(page, 2)).to_contain_text("heals. Slowly.")

    # A second session opens the editor too, and saves a change to segment 3 first.
    second = page_for(other_editor)
    open_editor(second, lecture)
    segment(second, 3).click()
    second.keyboard.press("Home")
    second.keyboard.type("Zirconia ")
    second.get_by_role("button", name="Save", exact=True).click()
    expect(second.locator("[data-status]")).to_contain_text("Saved H-2.")

    # The first session, still on H-1, changes the same words: the save is refused.
    segment(page, 3).click()
    page.keyboard.press("Home")
    page.keyboard.type("Metal ")
    page.keyboard.press("Control+s")
    expect(page.get_by_text("Not saved: someone else changed the same words.")).to_be_visible()
    expect(page.locator(".conflict")).to_contain_text("Zirconia")
    expect(page.locator(".conflict textarea[name='seg-3']")).to_have_value(
        "Metal Ceramic crowns need a careful preparation."
    )
    assert TranscriptionVersion.objects.filter(transcription=lecture).count() == 2

    # Keep mine, edited to combine both.
    page.locator("textarea[name='seg-3']").fill(
        "Zirconia or metal crowns need a careful preparation."
    )
    page.get_by_role("button", name="Save with these choices").click()
    expect(page.locator("[data-version-label]")).to_have_text("H-3")
    expect(segment(page, 3)).to_have_text("Zirconia or metal crowns need a careful preparation.")
    latest = TranscriptionVersion.objects.get(transcription=lecture, version_number=3)
    assert latest.edited_text.splitlines()[2].endswith("Slowly.")


def test_find_replace_and_correct_into_the_dictionary(page_for, editor, lecture):
    page = page_for(editor)
    open_editor(page, lecture)

    page.keyboard.press("Control+f")
    expect(page.locator("[data-find]")).to_be_focused()
    page.locator("[data-find]").fill("the")
    expect(page.locator("[data-find-status]")).to_have_text("3 matches")
    page.locator("[data-find]").press("Enter")
    expect(page.locator("[data-find-status]")).to_have_text("1 of 3")
    assert page.evaluate("getSelection().toString()") == "the"

    page.locator("[data-find]").fill("extraction")
    page.locator("[data-replace]").fill("removal")
    page.get_by_role("button", name="Replace all").click()
    expect(page.locator("[data-find-status]")).to_contain_text("Replaced 1 occurrence")
    expect(segment(page, 2)).to_have_text("The implane is placed after the removal heals.")

    # Select the wrong word, correct it, and add the correction to the dictionary.
    segment(page, 2).locator('[data-w="1"]').dblclick()
    page.locator("[data-correct-chip]").click()
    expect(page.locator("[data-correct-original]")).to_have_text("implane")
    page.locator("[data-correct-to]").fill("implant")
    page.get_by_role("button", name="Replace + add to dictionary").click()
    expect(page.locator("[data-status]")).to_contain_text("Added “implane → implant”")
    entry = DictionaryEntry.objects.get()
    assert (entry.term_original, entry.term_corrected, entry.language_code) == (
        "implane",
        "implant",
        "en",
    )
    expect(segment(page, 2)).to_have_text("The implant is placed after the removal heals.")

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("[data-status]")).to_contain_text("Saved H-1.")
    saved = TranscriptionVersion.objects.get(transcription=lecture)
    old = lecture.json_with_timestamps["segments"][2]["words"]
    new = saved.json_with_timestamps["segments"][2]["words"]
    assert [w["word"] for w in new][1] == "implant"
    assert [(w["start"], w["end"]) for w in new] == [(w["start"], w["end"]) for w in old]


def test_known_wrong_terms_are_offered_with_one_click(page_for, editor, lecture):
    DictionaryEntry.objects.create(
        term_original="implane", term_corrected="implant", created_by=editor
    )
    page = page_for(editor)
    open_editor(page, lecture)
    flagged = segment(page, 2).locator(".is-suggestion")
    expect(flagged).to_have_text("implane")
    expect(segment(page, 2)).to_have_text("The implane is placed after the extraction heals.")
    page.get_by_role("button", name="Apply all").click()
    expect(segment(page, 2)).to_have_text("The implant is placed after the extraction heals.")
    assert not TranscriptionVersion.objects.exists()  # nothing saved until the editor saves


def test_drafts_are_autosaved_offered_back_and_discarded_after_confirming(
    page_for, editor, lecture, settings
):
    settings.EDITOR_AUTOSAVE_SECONDS = 1
    page = page_for(editor)
    open_editor(page, lecture)
    segment(page, 1).click()
    page.keyboard.press("End")
    page.keyboard.type(" Draft words.")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        draft = drafts.draft_get(kind="transcript", document_id=lecture.pk, user=editor)
        if draft and draft.segments.get(1, "").endswith("Draft words."):
            break
        time.sleep(0.2)
    else:
        pytest.fail("the periodic autosave never arrived")
    assert not TranscriptionVersion.objects.exists()

    page.reload()
    expect(page.get_by_text("You have an unsaved draft")).to_be_visible()
    expect(segment(page, 1)).to_have_text("Today we look at root canal treatment of molars.")
    page.get_by_role("link", name="Restore draft").click()
    expect(segment(page, 1)).to_have_text(
        "Today we look at root canal treatment of molars. Draft words."
    )
    expect(page.locator("[data-status]")).to_contain_text("Unsaved changes in 1 segment")

    # Leaving the page sends the newest draft right away (sendBeacon).
    segment(page, 0).click()
    page.keyboard.press("End")
    page.keyboard.type(" Left.")
    page.goto("/projects/")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        draft = drafts.draft_get(kind="transcript", document_id=lecture.pk, user=editor)
        if draft and draft.segments.get(0, "").endswith("Left."):
            break
        time.sleep(0.2)
    else:
        pytest.fail("no draft was sent when the page was left")

    open_editor(page, lecture)
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    page.get_by_role("link", name="Discard").click()
    expect(page.get_by_text("Draft discarded.")).to_be_visible()
    assert dialogs and "Discard your unsaved draft" in dialogs[0]
    assert drafts.draft_get(kind="transcript", document_id=lecture.pk, user=editor) is None


def test_a_three_hour_lecture_renders_in_pieces_and_follows_playback(page_for, editor):
    transcription = make_transcription(editor, generated_segments(words=30_000))
    document_save_version(
        doc=TRANSCRIPT_DOCUMENT,
        parent=transcription,
        user=editor,
        based_on_version_number=0,
        segments_text={2999: "The very last words of the lecture."},
    )
    page = page_for(editor)
    open_editor(page, transcription)
    rendered = page.locator(".seg").count()
    assert 0 < rendered < 400, rendered  # only what is near the viewport is in the page

    # Scrolled to the end, the last segment's time plays from there: its first word is the
    # one being spoken.
    transcript = page.locator("[data-transcript]")
    transcript.hover()
    last = page.locator('.seg[data-i="2999"]')
    while not last.count():
        page.mouse.wheel(0, 20_000)
        page.wait_for_timeout(50)
    expect(last).to_contain_text("The very last words")
    last.locator("[data-seek]").click()
    current = page.locator(".seg__text span.is-current")
    expect(current).to_have_text("The")
    assert page.locator(".seg").count() < 400

    # Back at the top, playback moves on near the end (forward 5 s): the word spoken then is
    # highlighted and scrolled into view.
    while not segment(page, 0).count() or not transcript.evaluate("box => box.scrollTop === 0"):
        page.mouse.wheel(0, -20_000)
        page.wait_for_timeout(50)
    expect(current).not_to_be_in_viewport()
    page.keyboard.press("Control+.")
    expect(current).to_have_text("lecture.")
    expect(current).to_be_in_viewport()
    assert page.locator(".seg").count() < 400

    # Typing stays local to one segment and is counted once.
    segment(page, 2999).click()
    page.keyboard.press("End")
    page.keyboard.type("!")
    expect(page.locator("[data-status]")).to_contain_text("Unsaved changes in 1 segment")
