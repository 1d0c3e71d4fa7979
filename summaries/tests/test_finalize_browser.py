"""In headless Chromium: "Finalize as is" asks first and shows the failed checks, and a submit
button is disabled while its form posts, so pressing it again sends nothing."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from summaries.models import FeedbackLog, GeneratedSummary
from summaries.tests.conftest import FINAL_TEXT, make_final

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

LONG_POST = "Root canals, demystified. " * 12  # over LinkedIn's 150 characters


def log_in(page, editor):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", editor.email)
    page.fill("input[name=password]", "editor-pass-123")
    page.click("button[type=submit]")


@pytest.fixture
def long_post(transcription, editor):
    make_final(transcription, FINAL_TEXT, editor)
    return GeneratedSummary.objects.create(
        transcription=transcription,
        summary_type="linkedin",
        generated_text=LONG_POST,
        engine="anthropic",
    )


def test_finalize_as_is_asks_first_and_warns_about_the_failed_checks(page, editor, long_post):
    log_in(page, editor)
    page.goto(reverse("summaries:transcript", args=[long_post.transcription_id]))
    page.locator("#summary-linkedin").get_by_role("link", name="Finalize as is…").click()

    # A page that asks, showing what would become final and what is wrong with it.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Finalize the LinkedIn text")
    expect(page.get_by_label("Warnings")).to_contain_text("it should be at most 150")
    expect(page.get_by_test_id("finalize-text")).to_contain_text("Root canals, demystified.")
    long_post.refresh_from_db()
    assert not long_post.is_finalized

    # The button does nothing until the editor says to finalize anyway.
    page.get_by_role("button", name="Finalize as is").click()
    page.wait_for_timeout(300)
    long_post.refresh_from_db()
    assert not long_post.is_finalized
    page.get_by_label("Finalize it anyway, although it fails the checks above").check()
    page.get_by_role("button", name="Finalize as is").click()

    expect(page.get_by_text("LinkedIn text finalized.")).to_be_visible()
    expect(page.locator("#summary-linkedin .badge--final")).to_have_text("Finalized")
    assert FeedbackLog.objects.count() == 1


# Runs in the page: 50 ms after each submit, note whether the button is disabled and whether
# the submit went out, and press again once. sessionStorage outlives the navigation.
PROBE = """() => document.addEventListener("submit", (event) => {
  const form = event.target;
  setTimeout(() => {
    const log = JSON.parse(sessionStorage.getItem("probe") || "[]");
    log.push({
      disabled: form.querySelector("button[type=submit]").disabled,
      sent: !event.defaultPrevented,
    });
    sessionStorage.setItem("probe", JSON.stringify(log));
    if (log.length === 1) form.requestSubmit();
  }, 50);
})"""


def test_a_submit_button_is_disabled_while_its_form_posts(page, editor, long_post):
    log_in(page, editor)
    page.goto(reverse("summaries:finalize", args=[long_post.pk]))
    held = []
    # Hold the POST on its way, as a slow server would; the page stays while it waits.
    page.route("**/finalize/", lambda route: held.append(route))
    page.evaluate(PROBE)
    page.get_by_label("Finalize it anyway, although it fails the checks above").check()
    # A real click, not waiting for the navigation the held POST keeps from finishing.
    page.get_by_role("button", name="Finalize as is").evaluate("button => button.click()")
    page.wait_for_timeout(500)
    assert len(held) == 1

    held[0].continue_()
    expect(page.get_by_text("LinkedIn text finalized.")).to_be_visible()
    probe = page.evaluate("() => JSON.parse(sessionStorage.getItem('probe'))")
    # Disabled while posting; pressing again sent nothing.
    assert probe == [{"disabled": True, "sent": True}, {"disabled": True, "sent": False}]
    assert len(held) == 1 and FeedbackLog.objects.count() == 1
