"""Every main page on a phone (390 × 844) in headless Chromium: nothing wider than the screen,
and the main menu folded behind a "Menu" toggle that opens it. Screenshots of each page at
1366 × 768 and 390 × 844 go to test-results/phone/ (not committed) for a human look.

The pages show the demo project (`manage.py demo_data`), so they hold real content: a
recording, a transcript with versions, glossary entries, a translation, activity.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from media_files.models import AudioFile
from projects.models import Project
from transcripts.tests.transcription_fakes import isolate_storage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[1] / "test-results" / "phone"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
EMAIL, PASSWORD = "phone@example.com", "phone-pass-2026"


@pytest.fixture
def demo(monkeypatch, settings, tmp_path):
    isolate_storage(settings, tmp_path / "media")
    monkeypatch.setenv("DEMO_ADMIN_EMAIL", EMAIL)
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", PASSWORD)
    # Tests run with DEBUG off, so the demo data must be asked for explicitly.
    call_command("demo_data", "--allow-production", stdout=io.StringIO())
    project = Project.objects.get(name="Endodontics 101 (demo)")
    recording = AudioFile.objects.get(project=project)
    transcription = recording.live_transcription
    return {
        "projects": "/projects/",
        "project": f"/projects/{project.pk}/",
        "recording": f"/media/{recording.pk}/",
        "glossary": "/glossary/",
        "translations": f"/translations/transcript/{transcription.pk}/",
        "summaries": f"/summaries/transcript/{transcription.pk}/",
        "feedback": "/summaries/feedback/",
        "activity": "/accounts/activity/",
        "search": "/search/?q=root+canal",
        "settings": "/summaries/settings/",
    }


def log_in(page: Page) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()


def too_wide(page: Page) -> list[str]:
    """Elements that stick out to the right of the viewport (what makes a page scroll)."""
    return page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
            .filter((el) => !el.closest("table"))  // tables scroll inside their own box
            .slice(0, 5)
            .map((el) => `${el.tagName.toLowerCase()}.${el.className}`)"""
    )


def test_every_main_page_fits_a_phone_and_its_menu_opens(page: Page, demo):
    SHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page)
    nav = page.get_by_role("navigation", name="Main")
    toggle = page.locator("summary", has_text="Menu")

    for name, url in demo.items():
        page.set_viewport_size(LAPTOP)
        page.goto(url)
        expect(toggle).to_be_hidden()
        expect(nav.get_by_role("link", name="Glossary")).to_be_visible()
        page.screenshot(path=SHOTS / f"{name}-1366.png")

        page.set_viewport_size(PHONE)
        page.goto(url)
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (name, width, too_wide(page))
        if name == "translations":  # each language a card: its actions in view, no sideways
            box = page.get_by_role("link", name="Review", exact=True).bounding_box()
            assert box and box["x"] + box["width"] <= PHONE["width"], box
        page.screenshot(path=SHOTS / f"{name}-390.png", full_page=True)
        # The menu is folded, and one tap opens it with every link and the search box.
        expect(nav).to_be_hidden()
        toggle.click()
        expect(nav.get_by_role("link", name="Activity")).to_be_visible()
        expect(page.get_by_role("searchbox", name="Search transcripts")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
        if name == "projects":
            page.screenshot(path=SHOTS / "menu-open-390.png")
        toggle.click()
        expect(nav).to_be_hidden()


def test_the_phone_menu_opens_from_a_link_in_it_to_another_page(page: Page, demo):
    page.set_viewport_size(PHONE)
    log_in(page)
    # Folded by menu.js once it has run (the HTML has it open, for pages without scripts);
    # a tap before that would fold it instead of opening it.
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    page.locator("summary", has_text="Menu").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Glossary").click()
    expect(page.get_by_role("heading", name="Glossary")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()


def test_without_scripts_the_menu_stays_open_and_fits(browser, live_server, demo):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    try:
        page = context.new_page()
        log_in(page)
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Settings")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()
