"""Issue 13 items 1, 4, 6, 9 and issue 15 item 5 in headless Chromium: no control of the
editor page drops typed text, double clicks post once, a search hit opens at its word, the
page reads on a phone, and review by doubt walks through the words the engine was unsure of."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from documents import drafts
from glossary.models import DictionaryEntry
from transcripts.models import TranscriptionVersion
from transcripts.tests.test_editor_helpers import generated_segments, make_transcription

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"
SEGMENTS = 17


def segment(page, index):
    return page.locator(f'.seg[data-i="{index}"] .seg__text')


def open_editor(page, transcription, query=""):
    page.goto(transcription.get_absolute_url() + query)
    expect(page.locator('.seg[data-i="0"]')).to_be_visible()
    # Server-rendered segments show before the editor's module has wired the controls.
    page.wait_for_function("() => performance.getEntriesByName('max-editor-ready').length > 0")


def type_in_every_segment(page, count=SEGMENTS, mark="fixed"):
    """What the editor of issue 13 did: a correction at the end of every segment."""
    segment(page, 0).click(modifiers=["Alt"])  # Alt: only place the cursor
    for i in range(count):
        page.keyboard.press("End")
        page.keyboard.type(f" {mark}{i}.")
        page.keyboard.press("Enter")  # on to the next segment
    expect(page.locator("[data-status]")).to_contain_text(f"Unsaved changes in {count} segment")


def assert_every_edit_on_the_page(page, count=SEGMENTS, mark="fixed"):
    for i in range(count):
        expect(segment(page, i)).to_contain_text(f" {mark}{i}.")


def wait_for_draft(user, transcription, check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        draft = drafts.draft_get(kind="transcript", document_id=transcription.pk, user=user)
        if draft and check(draft):
            return draft
        time.sleep(0.1)
    pytest.fail("the edits never reached the server as a draft")


def has_edits(count=SEGMENTS, mark="fixed"):
    return lambda draft: all(
        draft.segments.get(i, "").endswith(f" {mark}{i}.") for i in range(count)
    )


@pytest.fixture
def lecture(editor):
    """17 segments of 4 s with a real (quiet) recording, as in the issue."""
    return make_transcription(
        editor, generated_segments(words=SEGMENTS * 10, per_segment=10), with_file=True
    )


def wait_for_media(page):
    page.wait_for_function(
        "() => document.getElementById('player').readyState >= 1", timeout=15_000
    )


def mark_this_load(page):
    page.evaluate("window.sameLoad = true")


def still_this_load(page) -> bool:
    return page.evaluate("window.sameLoad === true")


# --- issue 13 item 1: nothing typed is lost --------------------------------------------------


def test_sidebar_forms_find_replace_and_export_work_in_place_and_keep_every_edit(
    page_for, editor, lecture
):
    page = page_for(editor)
    open_editor(page, lecture)
    type_in_every_segment(page)
    mark_this_load(page)

    # The dictionary's "Add a correction" form (the form of the report).
    page.get_by_text("Add a correction").click()
    page.get_by_label("Wrong").fill("implane")
    page.get_by_label("Correct", exact=True).fill("implant")
    page.get_by_role("button", name="Add to dictionary (en)").click()
    expect(page.locator("[data-dictionary-message]")).to_have_text(
        "Added “implane → implant” to the en dictionary."
    )
    assert DictionaryEntry.objects.filter(term_original="implane").exists()
    assert still_this_load(page)
    assert_every_edit_on_the_page(page)

    # Find and replace.
    page.locator("[data-find]").fill("fixed3.")
    page.locator("[data-replace]").fill("fixed3. again.")
    page.get_by_role("button", name="Replace all").click()
    expect(page.locator("[data-find-status]")).to_contain_text("Replaced 1 occurrence")
    expect(segment(page, 3)).to_contain_text("fixed3. again.")
    assert still_this_load(page)
    assert_every_edit_on_the_page(page)

    # Export: a download of the saved version; the edits stay and the page says so.
    page.get_by_text("Export", exact=True).first.click()
    with page.expect_download() as download:
        page.locator("[data-export] a").first.click()
    assert download.value.suggested_filename.endswith("-T-1.txt")
    expect(page.locator("[data-status]")).to_contain_text("Your unsaved changes are not in it")
    assert still_this_load(page)
    assert_every_edit_on_the_page(page)
    assert not TranscriptionVersion.objects.exists()

    # Finalize asks, saves the edits as H-1, then finalizes that.
    questions = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Finalize T-1").click()
    expect(page.get_by_text("H-1 is the final version.")).to_be_visible()
    assert questions == ["Save your changes as a new version first, then finalize it?"]
    version = TranscriptionVersion.objects.get()
    lecture.refresh_from_db()
    assert lecture.final_version == version
    lines = version.edited_text.splitlines()
    assert all(lines[i].endswith(f" fixed{i}.") for i in range(SEGMENTS) if i != 3)


def _history_button(page):
    page.locator(".editor__actions").get_by_role("link", name="History").click()


def _crumb(name):
    return lambda page: page.locator(".editor__crumbs").get_by_role("link", name=name).click()


def _site_menu(page):
    page.locator("header").get_by_role("link", name="Glossary").first.click()


def _site_search(page):
    page.get_by_role("searchbox", name="Search transcripts and translations").fill("molar")
    page.keyboard.press("Enter")


def _log_out(page):
    page.get_by_role("button", name="Log out").click()


LEAVING_BY_LINK_OR_FORM = [
    ("history-button", _history_button),
    ("crumb-recording", _crumb("Back to the recording")),
    ("crumb-translations", _crumb("Translations")),
    ("crumb-summaries", _crumb("Summaries")),
    ("site-menu", _site_menu),
    ("site-search", _site_search),
]


def test_links_and_page_forms_keep_the_edits_as_a_draft_offered_back_after_signing_in_again(
    page_for, editor, lecture
):
    # One page, every way of leaving by a link or a page form: each leaves its own edits, and
    # the draft must be on the server before the next page is asked for.
    page = page_for(editor)
    for name, leave in LEAVING_BY_LINK_OR_FORM:
        drafts.draft_discard(kind="transcript", document_id=lecture.pk, user=editor)
        open_editor(page, lecture)
        type_in_every_segment(page, count=3, mark=name)
        editor_url = page.url
        leave(page)
        page.wait_for_url(lambda url, editor_url=editor_url: url != editor_url)
        draft = drafts.draft_get(kind="transcript", document_id=lecture.pk, user=editor)
        assert draft is not None and has_edits(count=3, mark=name)(draft), name

    # Logging out keeps them too, and a new sign-in offers every edit back.
    drafts.draft_discard(kind="transcript", document_id=lecture.pk, user=editor)
    open_editor(page, lecture)
    type_in_every_segment(page)
    editor_url = page.url
    _log_out(page)
    page.wait_for_url(lambda url: url != editor_url)
    draft = drafts.draft_get(kind="transcript", document_id=lecture.pk, user=editor)
    assert draft is not None and has_edits()(draft)
    assert not TranscriptionVersion.objects.exists()

    page = page_for(editor)  # a new sign-in
    open_editor(page, lecture)
    expect(page.get_by_text("You have an unsaved draft")).to_be_visible()
    page.get_by_role("link", name="Restore draft").click()
    expect(page.locator("[data-status]")).to_contain_text(f"Unsaved changes in {SEGMENTS} segments")
    assert_every_edit_on_the_page(page)


def test_a_link_asks_before_dropping_edits_it_cannot_keep_as_a_draft(page_for, editor, lecture):
    # An older draft waits (autosave is paused, so these edits cannot become the draft).
    drafts.draft_save(
        kind="transcript", document_id=lecture.pk, user=editor, based_on=0, segments={5: "Old."}
    )
    page = page_for(editor)
    open_editor(page, lecture)
    expect(page.get_by_text("You have an unsaved draft")).to_be_visible()
    type_in_every_segment(page)
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.locator(".editor__actions").get_by_role("link", name="History").click()
    expect(page.locator("[data-status]")).to_be_visible()
    assert questions == [
        f"Your unsaved changes in {SEGMENTS} segments could not be kept as a draft. "
        "Leave this page and lose them?"
    ]
    assert "/history/" not in page.url
    assert_every_edit_on_the_page(page)

    # Discarding the old draft happens in place: the new edits stay and become the draft.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("link", name="Discard").click()
    expect(page.locator("[data-status]")).to_contain_text(f"Unsaved changes in {SEGMENTS} segments")
    expect(page.get_by_text("You have an unsaved draft")).to_be_hidden()
    assert_every_edit_on_the_page(page)
    wait_for_draft(editor, lecture, has_edits())


def test_leaving_the_page_any_other_way_asks_first(page_for, editor, lecture):
    page = page_for(editor)
    open_editor(page, lecture)
    type_in_every_segment(page, count=2)
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)
    deadline = time.monotonic() + 5
    while not asked and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert asked == ["beforeunload"]
    assert not page.is_closed()
    assert_every_edit_on_the_page(page, count=2)


def test_a_page_left_untouched_never_clears_a_draft_that_arrived_after_it_opened(
    page_for, editor, lecture
):
    # The race of the report: the reloaded page was already open when the draft of the
    # page before it arrived.
    page = page_for(editor)
    open_editor(page, lecture)
    drafts.draft_save(
        kind="transcript",
        document_id=lecture.pk,
        user=editor,
        based_on=0,
        segments={i: f"Typed before the reload {i}." for i in range(SEGMENTS)},
    )
    page.goto("/projects/")  # leaving sends whatever the page has to send
    page.wait_for_timeout(1500)
    draft = drafts.draft_get(kind="transcript", document_id=lecture.pk, user=editor)
    assert draft is not None and draft.segment_count == SEGMENTS
    open_editor(page, lecture)
    expect(page.get_by_text("You have an unsaved draft")).to_be_visible()


def test_a_page_that_has_edits_does_not_overwrite_a_newer_draft_and_says_so(
    page_for, editor, lecture, settings
):
    settings.EDITOR_AUTOSAVE_SECONDS = 1
    page = page_for(editor)
    open_editor(page, lecture)
    drafts.draft_save(
        kind="transcript", document_id=lecture.pk, user=editor, based_on=0, segments={4: "Late."}
    )
    type_in_every_segment(page, count=1)
    expect(page.locator("[data-status]")).to_contain_text("Reload the page to get them back")
    draft = drafts.draft_get(kind="transcript", document_id=lecture.pk, user=editor)
    assert draft.segments == {4: "Late."}


# --- issue 13 item 4: one click, one version -------------------------------------------------


def test_double_clicking_save_or_finalize_makes_one_version(page_for, editor, lecture):
    page = page_for(editor)
    open_editor(page, lecture)
    page.get_by_role("button", name="Finalize T-1").dblclick()
    expect(page.get_by_text("H-1 is the final version.")).to_be_visible()
    assert TranscriptionVersion.objects.count() == 1

    type_in_every_segment(page, count=1)
    page.get_by_role("button", name="Save", exact=True).dblclick()
    expect(page.locator("[data-status]")).to_contain_text("Saved H-2.")
    page.wait_for_timeout(500)
    assert TranscriptionVersion.objects.count() == 2


# --- issue 13 item 6: a search hit opens at its word -----------------------------------------


@pytest.fixture
def long_lecture(editor):
    # 100 segments of 4 s: 6 minutes 40 s of recording.
    return make_transcription(editor, generated_segments(words=1000), with_file=True)


def test_a_search_hit_opens_scrolled_to_its_word_with_the_player_there(
    page_for, editor, long_lecture
):
    page = page_for(editor)
    # Segment 60 starts at 240 s; its word 3 is spoken from 241.2 s.
    open_editor(page, long_lecture, "?t=241.34#t=241.34")
    target = page.locator('.seg[data-i="60"]')
    expect(target).to_be_in_viewport()
    expect(target).to_have_class("seg is-playing")
    word = target.locator('[data-w="3"]')
    expect(word).to_have_class("is-current")
    expect(word).to_be_in_viewport()
    wait_for_media(page)
    page.wait_for_function(
        "() => Math.abs(document.getElementById('player').currentTime - 241.34) < 0.05"
    )
    assert page.evaluate("document.getElementById('player').paused")


def test_clicking_a_word_plays_from_there(page_for, editor, long_lecture):
    page = page_for(editor)
    open_editor(page, long_lecture)
    wait_for_media(page)
    segment(page, 2).locator('[data-w="5"]').click()  # 8 s + 5 × 0.4 s
    page.wait_for_function(
        "() => !document.getElementById('player').paused"
        " && document.getElementById('player').currentTime > 10.05"
    )
    assert page.evaluate("document.getElementById('player').currentTime") < 12


# --- issue 13 item 9: the editor on a phone and on a laptop ---------------------------------


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 768)])
def test_the_text_comes_first_with_the_player_pinned_and_no_sideways_scroll(
    page_for, editor, lecture, width, height
):
    page = page_for(editor, viewport={"width": width, "height": height})
    open_editor(page, lecture)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    first = segment(page, 0).bounding_box()
    assert first["y"] + first["height"] < height * 0.6, first  # the text, not a sidebar
    player = page.locator(".player")
    expect(player).to_be_in_viewport()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"editor-{width}x{height}.png")
    # Reading on, the player stays where it is.
    before = player.bounding_box()
    page.mouse.move(width / 2, first["y"] + 10)
    page.mouse.wheel(0, 1500)
    page.wait_for_timeout(300)
    expect(player).to_be_in_viewport()
    if width < 900:
        assert player.bounding_box()["y"] == before["y"]
        assert before["y"] + before["height"] <= height + 1  # pinned to the bottom edge
    assert page.evaluate("document.documentElement.scrollWidth") <= width


# --- issue 15 item 5: review by doubt --------------------------------------------------------


def with_confidence(transcription, unsure):
    data = transcription.json_with_timestamps
    for i, seg in enumerate(data["segments"]):
        for k, word in enumerate(seg["words"]):
            word["probability"] = unsure.get((i, k), 0.97)
    transcription.json_with_timestamps = data
    transcription.save(update_fields=["json_with_timestamps"])
    return transcription


def test_review_by_doubt_shades_jumps_plays_counts_and_saves_confirmations(
    page_for, editor, lecture
):
    with_confidence(lecture, {(1, 2): 0.41, (4, 7): 0.2, (9, 0): 0.55, (9, 1): 0.6})
    page = page_for(editor)
    open_editor(page, lecture)
    wait_for_media(page)
    uncertain = page.locator(".seg__text .is-uncertain")
    expect(uncertain).to_have_count(3)  # 0.6 is not below the threshold
    count = page.locator("[data-doubt-count]")
    expect(count).to_have_text("3 uncertain words left")

    # Next: selects the word and plays it (segment 1 starts at 4 s, word 2 at 4.8 s).
    page.get_by_role("button", name="Next uncertain word").click()
    first = segment(page, 1).locator('[data-w="2"]')
    assert page.evaluate("getSelection().toString()") == first.inner_text()
    page.wait_for_function(
        "() => document.getElementById('player').currentTime >= 4.8"
        " && document.getElementById('player').currentTime < 5.6"
    )

    # Mark correct (F9): no longer uncertain, and on to the next one, which is selected.
    page.keyboard.press("F9")
    expect(count).to_have_text("2 uncertain words left")
    expect(first).not_to_have_class("is-uncertain")
    second = segment(page, 4).locator('[data-w="7"]')
    expect(second).to_be_in_viewport()
    assert page.evaluate("getSelection().toString()") == second.inner_text()

    # Typing over the selected word makes it certain too.
    page.keyboard.type("veneer")
    expect(count).to_have_text("1 uncertain word left")
    page.keyboard.press("F8")
    assert (
        page.evaluate("getSelection().toString()")
        == segment(page, 9).locator('[data-w="0"]').inner_text()
    )

    page.keyboard.press("Control+s")
    expect(page.locator("[data-status]")).to_contain_text("Saved H-1.")
    words = TranscriptionVersion.objects.get().json_with_timestamps["segments"]
    assert "probability" not in words[1]["words"][2]  # confirmed
    assert words[4]["words"][7]["word"] == "veneer" and "probability" not in words[4]["words"][7]
    assert words[9]["words"][0]["probability"] == 0.55  # not reviewed yet
    assert words[4]["words"][6]["probability"] == 0.97  # its neighbours keep theirs

    page.reload()
    expect(page.locator("[data-doubt-count]")).to_have_text("1 uncertain word left")
    expect(page.locator(".seg__text .is-uncertain")).to_have_count(1)


def test_review_by_doubt_is_absent_when_the_engine_gave_no_confidence(page_for, editor, lecture):
    page = page_for(editor)
    open_editor(page, lecture)
    expect(page.locator("[data-doubt]")).to_have_count(0)
    expect(page.locator(".is-uncertain")).to_have_count(0)
    page.keyboard.press("F8")  # nothing happens, nothing breaks
    expect(page.locator("[data-status]")).to_contain_text("All changes saved")


def test_reloading_the_editor_by_its_own_link_offers_every_edit_back(page_for, editor, lecture):
    # The shape of the report: the editor page itself comes back; the draft must be there
    # before it is rendered, and the new page must not clear it.
    page = page_for(editor)
    open_editor(page, lecture)
    type_in_every_segment(page)
    page.locator(".editor__crumbs").get_by_role("link", name="Editor").click()
    expect(page.get_by_text("You have an unsaved draft")).to_be_visible()
    page.get_by_role("link", name="Restore draft").click()
    expect(page.get_by_text(f"Draft restored: {SEGMENTS} segments differ")).to_be_visible()
    assert_every_edit_on_the_page(page)


# --- the translation review page is the same editor ------------------------------------------


def test_the_translation_review_keeps_typed_text_when_a_link_is_followed(page_for, editor, spanish):
    page = page_for(editor)
    page.goto(f"/translations/{spanish.pk}/")
    expect(page.locator('.seg[data-i="0"]')).to_be_visible()
    expect(page.locator("[data-doubt]")).to_have_count(0)  # the engine gave no confidence
    type_in_every_segment(page, count=3)
    page.get_by_role("link", name="All translations").click()
    page.wait_for_url("**/translations/transcript/**")
    draft = drafts.draft_get(kind="translation", document_id=spanish.pk, user=editor)
    assert draft is not None
    assert [draft.segments[i] for i in range(3)] == [f"Texto {i}. fixed{i}." for i in range(3)]

    # An engine that gives confidences: review by doubt is there too.
    data = spanish.json_with_timestamps
    for seg in data["segments"]:
        seg["words"] = [
            {"word": w, "start": seg["start"], "end": seg["end"], "probability": 0.3}
            for w in seg["text"].split()
        ]
    spanish.json_with_timestamps = data
    spanish.save(update_fields=["json_with_timestamps"])
    page.goto(f"/translations/{spanish.pk}/")
    expect(page.locator("[data-doubt-count]")).to_have_text(f"{2 * SEGMENTS} uncertain words left")
