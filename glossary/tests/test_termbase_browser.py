"""The termbase in headless Chromium: a cell saves in place (htmx), a refused rendering
shows its message in the cell, and the page fits a phone (the table scrolls inside)."""

import pytest
from playwright.sync_api import expect

from glossary.models import DictionaryEntry
from glossary.services import entry_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_termbase_cells_save_in_place_and_the_page_fits_a_phone(page, editor, tmp_path):
    entry_create(user=editor, term_original="implane", term_corrected="implant")
    page.goto("/accounts/login/")
    page.fill("input[name=username]", editor.email)
    page.fill("input[name=password]", "editor-pass-123")
    page.click("button[type=submit]")

    page.goto("/glossary/termbase/")
    url = page.url
    spanish = page.get_by_label("es for “implant”")
    spanish.fill("implante")
    spanish.locator("xpath=..").get_by_role("button", name="Save").click()
    expect(spanish.locator("xpath=..").get_by_role("status")).to_have_text("Saved")
    assert page.url == url  # saved in place, no page load
    assert DictionaryEntry.objects.get(language_code="es").source_term == "implant"

    french = page.get_by_label("fr for “implant”")
    french.fill("--")
    french.locator("xpath=..").get_by_role("button", name="Save").click()
    cell = page.locator("form.termbase-cell--error")
    expect(cell.get_by_role("alert")).to_contain_text("no letter or digit")
    expect(cell.get_by_label("fr for “implant”")).to_have_value("--")
    assert not DictionaryEntry.objects.filter(language_code="fr").exists()

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_label("es for “implant”")).to_have_value("implante")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(tmp_path / "termbase-390.png"), full_page=True)
