"""The glossary in headless Chromium: add an entry, be told about a case-insensitive
duplicate, find it, archive and restore it with the row buttons."""

import pytest
from playwright.sync_api import expect

from glossary.models import DictionaryEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_editor_manages_glossary_entries(page, editor, tmp_path):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", editor.email)
    page.fill("input[name=password]", "editor-pass-123")
    page.click("button[type=submit]")

    page.goto("/glossary/")
    page.get_by_role("link", name="Add entry").click()
    page.get_by_label("Original (as the machine writes it)").fill("implane")
    page.get_by_label("Correct term").fill("implant")
    page.get_by_label("Context").fill("surgical")
    page.get_by_role("button", name="Add entry").click()
    expect(page.locator(".message--success")).to_contain_text("Added “implane” → “implant”")

    page.get_by_role("link", name="Add entry").click()
    page.get_by_label("Original (as the machine writes it)").fill("Implane")
    page.get_by_label("Correct term").fill("implants")
    page.get_by_role("button", name="Add entry").click()
    expect(page.get_by_role("alert").first).to_contain_text("The glossary ignores case")
    assert DictionaryEntry.objects.count() == 1

    page.goto("/glossary/")
    page.get_by_label("Search the glossary").fill("implant")
    page.get_by_role("button", name="Apply").click()
    row = page.locator("tbody tr", has_text="implane")
    expect(row).to_contain_text("surgical")
    page.screenshot(path=str(tmp_path / "glossary.png"), full_page=True)
    row.get_by_role("button", name="Archive implane").click()
    expect(page.locator(".message--success")).to_contain_text("Archived “implane”")
    assert "q=implant" in page.url  # back on the filtered list
    assert DictionaryEntry.objects.get().archived

    page.get_by_label("Show").select_option("archived")
    page.get_by_role("button", name="Apply").click()
    page.locator("tbody tr", has_text="implane").get_by_role("button", name="Restore").click()
    expect(page.locator(".message--success")).to_contain_text("Restored “implane”")
    assert not DictionaryEntry.objects.get().archived
