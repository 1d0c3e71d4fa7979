"""The summary page in headless Chromium: a running job's progress, texts appearing when it
finishes, then Edit and Finalize, and the feedback dashboard."""

import re

import pytest
from playwright.sync_api import expect

from jobs.models import Job
from summaries.models import FeedbackLog, GeneratedSummary
from summaries.services.generation import SUMMARIZE_KIND
from summaries.tasks import generate_summary
from summaries.tests.conftest import FINAL_TEXT, make_final

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def log_in(page, editor):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", editor.email)
    page.fill("input[name=password]", "editor-pass-123")
    page.click("button[type=submit]")


def test_generate_watch_edit_finalize(page, editor, transcription, queued_not_run):
    make_final(transcription, " ".join([FINAL_TEXT] * 3), editor)
    log_in(page, editor)
    url = f"/summaries/transcript/{transcription.pk}/"
    page.goto(url)
    page.get_by_role("button", name="Generate Email, LinkedIn, Blog").click()

    job = Job.objects.get(kind="summarize")
    box = page.locator(f"#job-{job.pk}")
    expect(box).to_have_attribute("data-job-status", "queued")
    expect(page.get_by_role("button", name="Generate Email", exact=True)).to_be_disabled()

    # A worker picks the job up; the polled fragment turns green and the page reloads.
    generate_summary.apply(args=[str(job.pk)])
    expect(page.get_by_test_id("generated-email")).to_contain_text("[Offline draft", timeout=10_000)
    expect(page.locator(f"#job-{job.pk}")).to_have_attribute("data-job-status", "succeeded")
    assert GeneratedSummary.objects.filter(transcription=transcription).count() == 3

    email = page.locator("#summary-email")
    email.get_by_role("link", name="Edit").click()
    page.get_by_label("Your text").fill("Join Dr. Soto's endodontics lecture. Seats are limited.")
    page.get_by_role("button", name="Finalize").click()

    expect(page.get_by_text("Email text finalized.")).to_be_visible()
    expect(page.locator("#summary-email .badge--final")).to_have_text("Finalized")
    expect(page.get_by_test_id("edited-email")).to_have_text(
        "Join Dr. Soto's endodontics lecture. Seats are limited."
    )
    feedback = FeedbackLog.objects.get()
    assert feedback.user_edited_text.startswith("Join Dr. Soto's")

    # Written over an offline stand-in, not over a prompt's output: the dashboard does not
    # count it as feedback on the email prompt.
    page.goto("/summaries/feedback/")
    expect(page.get_by_text(re.compile(r"No finalized email texts", re.IGNORECASE))).to_be_visible()
    expect(page.get_by_role("table", name="Email totals")).to_have_count(0)
    assert job.kind == SUMMARIZE_KIND
