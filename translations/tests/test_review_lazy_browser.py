"""A long lecture's translation review opens with its first segments; the rest arrive as the
reviewer scrolls or needs them, and a far edit saves into the next version with the English
beside each segment and the review marks on the fetched ones."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from transcripts.tests.test_editor_helpers import generated_segments, make_transcription
from translations.models import TranslationVersion
from translations.tests.conftest import add_english_version
from translations.tests.test_browser import machine_translation, page_for  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EDITOR = "document.querySelector('[data-editor]').maxEditor"


def segment(page, index):
    return page.locator(f'.seg[data-i="{index}"]')


def test_a_long_translation_fetches_its_segments_with_their_english_and_saves_far_away(
    page_for,  # noqa: F811
    editor,
):
    english = generated_segments(words=9_000)  # 900 segments: over EDITOR_LAZY_ABOVE
    lecture = make_transcription(editor, english)
    add_english_version(lecture, editor, english)
    spanish = [f"Frase {i} sobre la corona." for i in range(len(english))]
    spanish[850] = "Una frase lejana sobre la zirconia."
    translation = machine_translation(lecture, "es", english, spanish, editor)

    page = page_for(editor)
    page.goto(translation.get_absolute_url())
    page.wait_for_function("() => performance.getEntriesByName('max-editor-ready').length > 0")
    expect(page.locator("[data-review]")).to_have_attribute("data-review-ready", "1")
    assert page.evaluate(f"{EDITOR}.unfetched.size") > 600  # most are not in the page yet

    # Find reaches the segments not fetched yet and goes there, English beside it.
    page.locator("[data-find]").fill("zirconia")
    expect(page.locator("[data-find-status]")).to_have_text("1 match")
    page.locator("[data-find]").press("Enter")
    far = segment(page, 850)
    expect(far).to_be_in_viewport()
    expect(far.locator(".seg__source")).to_have_text(english[850][2])
    expect(far.locator(".state-badge")).to_have_text("Machine")

    # Edited there and saved: H-1-es has it, reviewed; every other segment is as it was.
    far.locator(".seg__text").click()
    page.keyboard.press("End")
    page.keyboard.type(" Revisada.")
    page.keyboard.press("Control+s")
    expect(page.locator("[data-status]")).to_contain_text("Saved H-1-es.")
    version = TranslationVersion.objects.get(translation=translation)
    lines = version.edited_text.splitlines()
    assert lines[850] == "Una frase lejana sobre la zirconia. Revisada."
    assert lines[:850] == spanish[:850] and lines[851:] == spanish[851:]
    states = [s.get("state") for s in version.json_with_timestamps["segments"]]
    assert states[850] == "reviewed" and states.count("reviewed") == 1
