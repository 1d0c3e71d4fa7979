"""The Content-Security-Policy in a real browser: every main page loads without Chromium
refusing a script, a style or an eval, and the scripts that make the pages work still run."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.test_security import XSS_PAGES, world  # noqa: F401  (world is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Recorded before any page script runs: the browser's own report of each refusal, and htmx's
# when it is asked to evaluate code (its config forbids eval, the policy would too).
WATCH = """
window.__refused = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__refused.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
document.addEventListener("htmx:evalDisallowedError", () => window.__refused.push("htmx eval"));
"""
EXTRA_PAGES = [
    ("summaries:settings", lambda w: {}),
    ("accounts:password_change", lambda w: {}),
    ("admin:index", lambda w: {}),
    ("admin:jobs_job_changelist", lambda w: {}),
    ("admin:transcripts_transcription_change", lambda w: {"object_id": w.transcription.pk}),
]


@pytest.fixture
def watched_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    context.add_init_script(WATCH)
    page = context.new_page()
    console = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text)
            if "Refused to" in message.text or "Content Security Policy" in message.text
            else None
        ),
    )
    yield page, console
    context.close()


# The page has settled: its modules ran (before "load", which goto waits for), no htmx request
# is still out, and a frame and a task later the browser has reported any refusal it queued.
# (Waiting a fixed 300 ms per page did the same, 35 pages over.)
SETTLED = """() => new Promise((resolve) => {
  const check = () =>
    document.querySelector(".htmx-request") ? setTimeout(check, 20) : setTimeout(resolve, 0);
  requestAnimationFrame(check);
})"""


def refusals(page, console) -> list[str]:
    page.evaluate(SETTLED)
    return [*page.evaluate("window.__refused"), *console]


def test_every_main_page_loads_without_a_policy_violation(world, staff_admin, watched_page):  # noqa: F811
    page, console = watched_page
    problems = []

    response = page.goto("/accounts/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    problems += [f"login: {r}" for r in refusals(page, console)]
    page.fill("input[name=username]", staff_admin.email)
    page.fill("input[name=password]", "boss-pass-123")
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()

    for name, kwargs in [*XSS_PAGES, *EXTRA_PAGES]:
        console.clear()
        url = reverse(name, kwargs=kwargs(world))
        if name == "search:page":
            url += "?q=alert"
        response = page.goto(url)
        assert response.status == 200, (name, response.status)
        assert "style-src 'self'" in response.headers["content-security-policy"], name
        problems += [f"{name}: {r}" for r in refusals(page, console)]
    assert not problems, "\n".join(problems)


def test_the_watch_sees_a_refusal(world, staff_admin, watched_page):  # noqa: F811
    """The control for the test above: an inline style on a page is reported."""
    page, console = watched_page
    page.goto("/accounts/login/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color:red\">x</p>')")
    assert any("style-src" in r for r in refusals(page, console))


def test_scripts_still_run_under_the_policy(world, staff_admin, watched_page):  # noqa: F811
    """The pages' own modules load and work: the editor renders its segments from its
    module, and htmx swaps a job's progress in."""
    page, console = watched_page
    page.goto("/accounts/login/")
    page.fill("input[name=username]", staff_admin.email)
    page.fill("input[name=password]", "boss-pass-123")
    page.click("button[type=submit]")
    page.goto(reverse("transcripts:editor", kwargs={"pk": world.transcription.pk}))
    expect(page.locator(".seg").first).to_be_visible()
    page.goto(world.audio.get_absolute_url())
    expect(page.locator("#transcription-panel")).to_be_visible()
    assert page.evaluate("typeof window.htmx") == "object"
    assert not refusals(page, console)
