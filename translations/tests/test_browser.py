"""Translations in headless Chromium: start from the overview, review Arabic right to left
beside the English with the player in sync, save, finalize."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from transcripts.tests.test_editor_helpers import make_transcription
from translations import services
from translations.models import Translation, TranslationVersion
from translations.tests.conftest import add_english_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENGLISH = [
    (0.0, 4.0, "Welcome to the course on endodontics."),
    (4.0, 9.0, "Today we look at root canal treatment of molars."),
    (9.0, 14.0, "The implant is placed after the extraction heals."),
    (14.0, 19.0, "Ceramic crowns need a careful preparation."),
]
ARABIC = [
    "مرحبا بكم في دورة علاج الجذور.",
    "اليوم ننظر إلى علاج قناة الجذر في الأضراس.",
    "توضع الزرعة بعد التئام مكان القلع.",
    "تحتاج التيجان الخزفية إلى تحضير دقيق.",
]


@pytest.fixture
def page_for(browser, live_server):
    contexts = []

    def make(user):
        context = browser.new_context(base_url=live_server.url)
        contexts.append(context)
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url, "httpOnly": True}]
        )
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def lecture(editor):
    transcription = make_transcription(editor, ENGLISH, with_file=True)
    add_english_version(transcription, editor, ENGLISH)
    return transcription


def machine_translation(lecture, language_code, english, texts, user, *, states=None):
    """The machine translation of `lecture`'s final English (`english`: (start, end, text) per
    segment) into `texts`, as the translate job stores it; `states`, if given, per segment."""
    return services.translation_store_machine_text(
        transcription=lecture,
        language_code=language_code,
        source=lecture.final_version,
        segments=[
            {"id": i, "start": start, "end": end, "text": text}
            | ({"state": states[i]} if states else {})
            for i, ((start, end, _), text) in enumerate(zip(english, texts, strict=True))
        ],
        corrections=[],
        engine="anthropic",
        user=user,
    ).translation


def test_translate_from_the_overview(page_for, editor, lecture):
    page = page_for(editor)
    page.goto(reverse("translations:overview", args=[lecture.pk]))
    expect(page.locator("#lang-es")).to_have_attribute("data-status", "not_started")
    # Only Spanish and German this time.
    for box in page.locator("input[type=checkbox][name=language]").all():
        if box.get_attribute("value") not in ("es", "de"):
            box.uncheck()
    page.get_by_role("button", name="Translate selected languages").click()
    expect(page.get_by_text("Translation started: German, Spanish.")).to_be_visible()
    # Without a translation engine the text is a labelled offline draft, and shown so.
    expect(page.locator("#lang-es")).to_have_attribute("data-status", "draft")
    expect(page.locator("#lang-es")).to_contain_text("Offline draft, not a translation")
    expect(page.locator("#lang-es")).to_contain_text("[draft es] Welcome to the course")
    expect(page.locator("#lang-fr")).to_have_attribute("data-status", "not_started")


def test_review_arabic_right_to_left_with_the_player(page_for, editor, lecture):
    translation = machine_translation(lecture, "ar", ENGLISH, ARABIC, editor)
    page = page_for(editor)
    page.goto(translation.get_absolute_url())
    first = page.locator('.seg[data-i="0"]')
    expect(first).to_be_visible()
    expect(page.locator("[data-transcript]")).to_have_attribute("dir", "rtl")
    expect(first.locator(".seg__source")).to_have_text(ENGLISH[0][2])
    expect(first.locator(".seg__text")).to_have_text(ARABIC[0])

    # A word of segment 2 sits inside that segment's time span (9–14 s): the player jumps.
    page.wait_for_function(
        "() => document.getElementById('player').readyState >= 1", timeout=15_000
    )
    page.locator('.seg[data-i="2"] .seg__text [data-w="1"]').click()
    page.wait_for_function(
        "() => (t => t >= 9 && t < 14)(document.getElementById('player').currentTime)"
    )

    # Voice-over budget: 5 s × Arabic's 20 characters a second. Segment 2 made longer than
    # 100 characters is marked once the editor leaves it.
    expect(page.locator("[data-over-budget]")).to_have_count(0)
    longer = page.locator('.seg[data-i="2"] .seg__text')
    longer.click()
    page.keyboard.press("End")
    page.keyboard.type(" " + " ".join([ARABIC[2]] * 2))
    page.locator('.seg[data-i="0"] .seg__text').click()
    expect(page.locator('.seg[data-i="2"] [data-over-budget]')).to_have_text(
        "Over the voice-over budget: 104 of 100 characters"
    )

    # Edit and save: H-1-ar (English H-1 was translated).
    text = page.locator('.seg[data-i="3"] .seg__text')
    text.click()
    page.keyboard.press("End")
    page.keyboard.type(" جدا")
    page.keyboard.press("Control+s")
    expect(page.locator("[data-status]")).to_contain_text("Saved H-1-ar.")
    version = TranslationVersion.objects.get(translation=translation)
    assert version.edited_text.splitlines()[3].endswith("دقيق. جدا")
    # Opened again, the long segment is over budget for the QA checks too: said once.
    page.reload()
    expect(page.locator("[data-review]")).to_have_attribute("data-review-ready", "1")
    expect(page.locator('.seg[data-i="2"]').get_by_text("voice-over budget")).to_have_count(1)

    # Finalize: ready for voice-over; without a key the button says what is missing.
    page.get_by_role("button", name="Finalize H-1-ar").click()
    expect(page.get_by_text("H-1-ar is the final version.")).to_be_visible()
    expect(page.get_by_text("Ready for voice-over")).to_be_visible()
    expect(page.get_by_role("button", name="Send to voice-over")).to_be_disabled()
    expect(page.get_by_test_id("voiceover-missing")).to_contain_text("ELEVENLABS_API_KEY")
    assert Translation.objects.get().final_version == version
