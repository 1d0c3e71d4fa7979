"""The review page in headless Chromium: state badges, QA marks and the QA filter, Alt+↓
between segments that need a look, one-click use of a memory suggestion, Mark reviewed."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from documents.selectors import document_snapshot
from translations import services
from translations.services_review import tm_store
from translations.tests.test_browser import (  # noqa: F401
    ENGLISH,
    lecture,
    machine_translation,
    page_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SPANISH = [
    "Bienvenidos al curso de endodoncia.",
    "Hoy vemos 12 tratamientos de conductos en molares.",  # 12: not in the English
    "El implante se coloca cuando cicatriza la extracción.",
    "Las coronas necesitan preparación.",
]
SUGGESTION = "Las coronas cerámicas necesitan una preparación cuidadosa."


def test_review_states_filters_keyboard_and_memory(page_for, editor, lecture):  # noqa: F811
    translation = machine_translation(
        lecture,
        "es",
        ENGLISH,
        SPANISH,
        editor,
        states=["reviewed"] + ["machine"] * (len(SPANISH) - 1),
    )
    tm_store(
        pairs=[("Ceramic crowns need a careful preparation!", SUGGESTION)],
        target_language="es",
        user=editor,
    )
    page = page_for(editor)
    page.goto(translation.get_absolute_url())
    card = page.locator("[data-review]")
    expect(card).to_have_attribute("data-review-ready", "1")
    expect(card.locator("[data-review-progress]")).to_have_text("1 of 4 reviewed · 0 need review")
    expect(card.locator("[data-review-qa]")).to_contain_text("QA: 1 segment with errors")
    seg = lambda i: page.locator(f'.seg[data-i="{i}"]')  # noqa: E731
    expect(seg(0).locator(".state-badge")).to_have_text("Reviewed")
    expect(seg(1).locator(".state-badge")).to_have_text("Machine")
    expect(seg(1).locator(".qa-mark--error")).to_have_text("Not in the English: 12")

    # QA errors only: the others fade, and Alt+↓ goes to the segment with the error.
    card.get_by_label("QA errors only").check()
    expect(seg(0)).to_have_class(_has("is-filtered-out"))
    expect(seg(1)).not_to_have_class(_has("is-filtered-out"))
    seg(0).locator(".seg__text").click()
    page.keyboard.press("Alt+ArrowDown")
    expect(seg(1).locator(".seg__text")).to_be_focused()

    # All segments: Alt+↓ moves on to the next one not reviewed yet, Alt+↑ back.
    card.get_by_label("All segments").check()
    page.keyboard.press("Alt+ArrowDown")
    expect(seg(2).locator(".seg__text")).to_be_focused()
    page.keyboard.press("Alt+ArrowUp")
    expect(seg(1).locator(".seg__text")).to_be_focused()

    # One click uses the memory's suggestion; saving makes the segment reviewed.
    expect(seg(3).locator(".tm-suggestion")).to_contain_text(SUGGESTION)
    seg(3).get_by_role("button", name="Use").click()
    expect(seg(3).locator(".seg__text")).to_have_text(SUGGESTION)
    page.keyboard.press("Control+s")
    expect(page.locator("[data-status]")).to_contain_text("Saved H-1-es.")

    # Mark reviewed, without an edit.
    seg(2).get_by_role("button", name="Mark reviewed").click()
    expect(seg(2).locator(".state-badge")).to_have_text("Reviewed")
    latest = document_snapshot(doc=services.TRANSLATION_DOCUMENT, parent=translation)
    states = [s.get("state") for s in latest.json["segments"]]
    assert states == ["reviewed", "machine", "reviewed", "reviewed"]
    assert latest.texts[3] == SUGGESTION
    overview = page.context.request.get(reverse("translations:overview", args=[lecture.pk]))
    assert "3 of 4" in overview.text()


def _has(name):
    import re

    return re.compile(rf"(^|\s){re.escape(name)}(\s|$)")
