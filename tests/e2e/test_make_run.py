"""What `make run` prints, the interpreter it runs Max with (bin/run-dev), and the demo it shows."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import E2E_EMAIL, E2E_PASSWORD, SIGN_IN

# One running Max serves every end-to-end test: the root conftest keeps tests/e2e/ on one
# worker.
pytestmark = [pytest.mark.slow]


def test_the_sign_in_is_the_last_thing_printed_once_web_and_worker_are_up(running_max):
    printed = running_max["start_up_output"]
    before, sign_in, after = printed.partition(SIGN_IN)

    assert sign_in, printed
    assert f"Max is running at {running_max['url']}/" in before
    # Both servers had finished starting (their banners are above the address and the
    # sign-in line) ...
    address = printed.index(f"Max is running at {running_max['url']}/")
    assert re.search(r"celery@\S+ ready\.", printed[:address])
    assert "Quit the server with CONTROL-C." in printed[:address]
    # The web server is ASGI (pages and the editor's WebSockets).
    assert "Starting ASGI/Daphne" in printed[:address]
    # ... and nothing of their start-up came after it (unless a source file changed and
    # runserver reloaded, which prints its banner again: other work in the same checkout).
    assert "ready." not in after
    assert "[tasks]" not in after
    if "reloading" not in printed[address:]:
        assert "Starting development server" not in after


def test_bin_run_dev_runs_max_with_the_interpreter_it_is_given(running_max):
    # MAX_PYTHON is a wrapper noting each start (tests/e2e/conftest.py); none of it would
    # show if bin/run-dev still ran .venv/bin/python.
    calls = running_max["python_calls"].read_text()

    assert "-m celery -A max_site worker" in calls
    assert "manage.py runserver --nostatic --noreload 127.0.0.1:" in calls
    assert "manage.py demo_data --print-login" in calls


@pytest.mark.browser
def test_a_newcomer_finds_the_demo_lecture_transcribed_corrected_and_translated(e2e_page):
    page = e2e_page
    page.goto("/")
    page.get_by_label("Email").fill(E2E_EMAIL)
    page.get_by_label("Password").fill(E2E_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="Endodontics 101 (demo)").click()
    row = page.locator("#media-list tr[data-audio-file]")
    expect(row).to_contain_text("endodontics-101-lecture.opus")
    expect(row).to_contain_text("1:09")
    row.get_by_role("link", name="Edit transcript").click()
    expect(page.locator("[data-version-label]")).to_have_text("H-1")
    expect(page.locator('.seg[data-i="0"] .seg__text')).to_have_text(
        "Good morning, everyone, and welcome to Endodontics 101."
    )
    # The editor's socket opens (daphne with the in-memory channel layer).
    expect(page.locator("[data-link-state]")).to_have_text("live")

    page.goto("/glossary/")
    expect(page.get_by_role("cell", name="route canal", exact=True)).to_be_visible()
    page.go_back()
    page.get_by_role("link", name="Translations").first.click()
    expect(page.get_by_text("Buenos días a todos")).to_be_visible()
