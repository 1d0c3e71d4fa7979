"""The whole journey in headless Chromium, against Max started as `make run` starts it.

Log in, create a project, upload the speech fixture, watch the transcription progress bar
reach done (a real Celery worker runs the offline Whisper engine), correct a word in the
editor and save H-1, add a dictionary entry from the editor, finalize, translate into two
languages, edit and finalize one translation, generate summaries, edit and finalize the
email, open the feedback dashboard, and download SRT, VTT and DOCX.

A screenshot of each step is kept in test-results/journey/ (01-login.png, 02-…).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import docx
import pytest
import srt
import webvtt
from playwright.sync_api import Page, expect

from tests.e2e.conftest import E2E_EMAIL, E2E_PASSWORD, ROOT

# One running Max serves every end-to-end test: the root conftest keeps tests/e2e/ on one
# worker.
pytestmark = [pytest.mark.browser, pytest.mark.slow]

SPEECH = ROOT / "transcripts" / "tests" / "fixtures" / "speech.flac"
SHOTS = ROOT / "test-results" / "journey"
# Not a word the recording says, so the machine transcript cannot already contain it.
CORRECTION = "Endodontics"
JOB_TIMEOUT = 90_000  # ms; the short fixture takes seconds, a loaded machine more
# Runs on every page load: window.jobStates lists the [status, percent] each job fragment
# showed (htmx swaps the fragment while it polls), consecutive repeats dropped.
RECORD_JOB_STATES = """
window.jobStates = [];
document.addEventListener("DOMContentLoaded", () => {
  const note = () => {
    const job = document.querySelector(".job[data-job-status]");
    if (!job) return;
    const state = [job.dataset.jobStatus, Number(job.querySelector("progress").value)];
    const last = window.jobStates.at(-1);
    if (!last || last[0] !== state[0] || last[1] !== state[1]) window.jobStates.push(state);
  };
  note();
  new MutationObserver(note).observe(document.body, { childList: true, subtree: true });
});
"""


class Journey:
    """Numbered screenshots, one per step."""

    def __init__(self, page: Page):
        self.page = page
        self.count = 0
        shutil.rmtree(SHOTS, ignore_errors=True)
        SHOTS.mkdir(parents=True)

    def shot(self, name: str, *, full_page: bool = True) -> None:
        self.count += 1
        self.page.screenshot(path=SHOTS / f"{self.count:02d}-{name}.png", full_page=full_page)


def download(page: Page, link_name: str) -> Path:
    """Download from the editor's Export menu; the file is kept beside the screenshots."""
    menu = page.locator("details.menu").first  # the editor bar's Export menu
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name, exact=True).first.click()
    target = SHOTS / info.value.suggested_filename
    info.value.save_as(target)
    return target


def test_the_whole_journey(e2e_page: Page):
    page = e2e_page
    journey = Journey(page)

    # Log in.
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in to Max")).to_be_visible()
    page.get_by_label("Email").fill(E2E_EMAIL)
    page.get_by_label("Password").fill(E2E_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()
    journey.shot("login")

    # Create a project.
    page.get_by_role("link", name="New project").click()
    page.get_by_label("Name").fill("Journey lecture")
    page.get_by_label("Type").select_option(label="Lecture")
    page.get_by_label("Location").fill("San Francisco, CA")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_text("Created the project “Journey lecture”.")).to_be_visible()
    expect(page.get_by_role("heading", name="Journey lecture")).to_be_visible()
    journey.shot("project-created")

    # Upload the speech fixture (upload.js sends it with a progress bar per file).
    page.get_by_label("Add recordings").set_input_files(SPEECH)
    page.get_by_role("button", name="Upload").click()
    row = page.locator('[data-upload-item="speech.flac"]')
    expect(row.locator(".upload__state")).to_have_text("Uploaded")
    journey.shot("uploaded", full_page=False)

    # The upload started transcription: open the recording at once and watch the progress
    # bar. Every state the live job fragment shows is recorded from the page's first paint.
    page.add_init_script(RECORD_JOB_STATES)
    row.get_by_role("link", name="Open").click()
    expect(page.get_by_role("heading", name="speech.flac")).to_be_visible()
    panel = page.locator("#transcription-panel")
    editor_link = panel.get_by_role("link", name="Open in editor")
    journey.shot("transcribing", full_page=False)
    expect(editor_link).to_be_visible(timeout=JOB_TIMEOUT)
    states = page.evaluate("window.jobStates")
    assert states, "the transcription had finished before its page was shown"
    assert states[0][0] in ("queued", "running"), states
    # The job fragment ends at "succeeded", or the panel was refreshed first (the page's
    # status poller saw the transcript) and shows the editor link instead: either way, nothing
    # on the page still claims the job is queued or running.
    still_active = ".job[data-job-status=queued], .job[data-job-status=running]"
    expect(panel.locator(still_active)).to_have_count(0)
    # Named after the engine and model that really ran, never the setting's name "local".
    expect(panel).to_contain_text(
        re.compile(r"machine transcript by (Whisper \S+, offline \(faster-whisper\)|PocketSphinx)")
    )
    journey.shot("transcribed")

    # The project lists the recording with its transcript; open it in the editor from there.
    page.get_by_role("link", name="← Journey lecture").click()
    media_row = page.locator("#media-list tr[data-audio-file]")
    expect(media_row).to_have_count(1)
    expect(media_row).to_contain_text("speech.flac")
    expect(media_row).to_contain_text("0:11")
    expect(media_row).to_contain_text("Transcribed (T-1)")
    media_row.get_by_role("link", name="Edit transcript").click()

    # Correct a word in the editor (select it, "Correct…"), then save with Ctrl+S: H-1.
    first_segment = page.locator('.seg[data-i="0"] .seg__text')
    expect(first_segment).to_be_visible()
    machine_text = first_segment.inner_text()
    first_word = first_segment.locator('[data-w="0"]')
    # A double click selects the word without the punctuation Whisper writes after it.
    original_word = re.sub(r"\W+$", "", first_word.inner_text())
    first_word.dblclick()
    page.get_by_role("button", name="Correct…").click()
    popover = page.get_by_role("dialog", name="Correct the selected words")
    expect(popover.locator("[data-correct-original]")).to_have_text(original_word)
    popover.get_by_label("Correct to").fill(CORRECTION)
    popover.get_by_role("button", name="Replace", exact=True).click()
    expect(first_segment).to_have_text(re.compile(rf"^{CORRECTION}\b"))
    expect(page.locator("[data-status]")).to_have_text("Replaced. Not saved yet.")
    page.keyboard.press("Control+s")
    expect(page.locator("[data-status]")).to_contain_text("Saved H-1.")
    page.reload()
    expect(page.locator("[data-version-label]")).to_have_text("H-1")
    expect(first_segment).to_have_text(re.compile(rf"^{CORRECTION}\b"))
    assert first_segment.inner_text() != machine_text
    journey.shot("corrected-h1")
    editor_url = page.url
    transcription_id = re.search(r"/transcripts/([0-9a-f-]{36})/", editor_url).group(1)

    # Add a dictionary entry from the editor's side panel.
    dictionary = page.get_by_role("region", name="Dictionary")
    dictionary.get_by_text("Add a correction").click()
    dictionary.get_by_label("Wrong").fill("soto")
    dictionary.get_by_label("Correct", exact=True).fill("Dr. Soto")
    dictionary.get_by_label("Context").fill("the speaker")
    dictionary.get_by_role("button", name="Add to dictionary (en)").click()
    expect(page.get_by_text("Added “soto → Dr. Soto” to the en dictionary.")).to_be_visible()
    journey.shot("dictionary-entry")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Glossary").click()
    expect(page.get_by_role("row").filter(has_text="Dr. Soto")).to_contain_text("soto")
    journey.shot("glossary")

    # Back in the editor, finalize H-1.
    page.go_back()
    page.get_by_role("button", name="Finalize H-1").click()
    expect(page.get_by_text("H-1 is the final version.")).to_be_visible()
    expect(page.locator("[data-final-label]")).to_have_text("Final: H-1")
    journey.shot("finalized")

    # Translate into two languages, from the editor's link.
    page.locator(".editor__crumbs").get_by_role("link", name="Translations").click()
    assert page.url.endswith(f"/translations/transcript/{transcription_id}/")
    expect(page.get_by_text("translated from the final English transcript H-1")).to_be_visible()
    for box in page.get_by_role("checkbox").all():
        if box.get_attribute("value") not in ("es", "de"):
            box.uncheck()
    page.get_by_role("button", name="Translate selected languages").click()
    expect(page.get_by_text("Translation started: German, Spanish.")).to_be_visible()
    journey.shot("translating")
    for code in ("es", "de"):
        # No translation engine is configured: labelled offline drafts, shown as such.
        expect(page.locator(f"#lang-{code}")).to_have_attribute(
            "data-status", "draft", timeout=JOB_TIMEOUT
        )
        expect(page.locator(f"#lang-{code} .excerpt")).to_contain_text(f"[draft {code}]")
    expect(page.locator("#lang-fr")).to_have_attribute("data-status", "not_started")
    journey.shot("translated")

    # Edit and finalize the Spanish translation.
    page.locator("#lang-es").get_by_role("link", name="Review").click()
    spanish = page.locator('.seg[data-i="0"] .seg__text')
    expect(spanish).to_be_visible()
    expect(page.locator('.seg[data-i="0"] .seg__source')).to_contain_text(CORRECTION)
    spanish.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" (revisado)")
    expect(page.locator("[data-status]")).to_contain_text("Unsaved changes in 1 segment")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("[data-status]")).to_contain_text("Saved H-1-es.")
    page.get_by_role("button", name="Finalize H-1-es").click()
    # Still the English with a label, not a translation: refused, with what to do.
    expect(page.get_by_text("H-1-es cannot be finalized")).to_be_visible()
    page.reload()
    expect(spanish).to_have_text(re.compile(r"^\[draft es\] Endodontics\b.* \(revisado\)$"))
    journey.shot("translation-finalized")
    page.get_by_role("link", name="All translations").click()
    expect(page.locator("#lang-es")).to_have_attribute("data-status", "draft")
    expect(page.locator("#lang-de")).to_have_attribute("data-status", "draft")
    journey.shot("translations-overview")

    # Generate the summaries, from the link beside the translation.
    page.get_by_role("link", name="Open the transcript editor").click()
    page.locator(".editor__crumbs").get_by_role("link", name="Summaries").click()
    assert page.url.endswith(f"/summaries/transcript/{transcription_id}/")
    expect(page.get_by_text("written from the final transcript H-1")).to_be_visible()
    page.get_by_role("button", name="Generate Email, LinkedIn, Blog").click()
    expect(page.get_by_text("Writing Email, LinkedIn, Blog.")).to_be_visible()
    journey.shot("summaries-generating")
    for kind in ("email", "linkedin", "blog"):
        # Offline drafts quote the final transcript, so the correction shows.
        expect(page.get_by_test_id(f"generated-{kind}")).to_contain_text(
            f"[Offline draft: no language model configured] {CORRECTION}", timeout=JOB_TIMEOUT
        )
    journey.shot("summaries-generated")

    # Edit the email, save, then finalize it.
    email = page.locator("#summary-email")
    expect(email.locator(".badge")).to_have_text("Offline draft")
    email.get_by_role("link", name="Edit").click()
    text = page.get_by_label("Your text")
    # The offline stand-in is no email: the editor writes one (finalize refuses the label).
    edited = f"{CORRECTION}\n\nSee you at the next lecture,\nDr. Soto"
    text.fill(edited)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Email text saved.")).to_be_visible()
    expect(email.locator(".badge")).to_have_text("Edited")
    expect(email.get_by_test_id("edited-email")).to_contain_text("See you at the next lecture,")
    email.get_by_role("link", name="Finalize…").click()
    page.get_by_role("button", name="Finalize").click()  # the page that asks first
    expect(page.get_by_text("Email text finalized.")).to_be_visible()
    expect(email.locator(".badge")).to_have_text("Finalized")
    journey.shot("email-finalized")

    # The email was written over an offline stand-in, not a prompt's output: the feedback
    # dashboard does not count it as feedback on the email prompt.
    summaries_url = page.url
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Summaries feedback"
    ).click()
    no_email_feedback = re.compile(r"No finalized email texts in the last", re.IGNORECASE)
    expect(page.get_by_text(no_email_feedback)).to_be_visible()
    journey.shot("feedback-dashboard")

    # Back on the summaries page, its link leads to the transcript editor.
    page.goto(summaries_url)
    page.get_by_role("link", name="Open the transcript editor").click()
    expect(page.locator('.seg[data-i="0"]')).to_be_visible()
    assert page.url == editor_url

    # Download SRT, VTT and DOCX of the final transcript.
    srt_file = download(page, "SubRip (SRT)")
    journey.shot("export-menu")
    captions = list(srt.parse(srt_file.read_text(encoding="utf-8")))
    assert captions, "the SRT has no subtitles"
    assert captions[0].content.startswith(CORRECTION)
    assert all(c.end > c.start for c in captions)

    vtt_file = download(page, "WebVTT")
    cues = webvtt.read(str(vtt_file))
    assert len(cues) == len(captions)
    assert cues[0].text.startswith(CORRECTION)
    assert cues[0].voice == "Dr. Soto"

    docx_file = download(page, "Word (DOCX)")
    paragraphs = [p.text for p in docx.Document(str(docx_file)).paragraphs]
    assert "Version H-1 · Speaker: Dr. Soto" in paragraphs
    first_line = re.compile(rf"^\[00:00\] Dr\. Soto: {CORRECTION}\b")
    assert any(first_line.match(p) for p in paragraphs), paragraphs
    assert [f.name for f in (srt_file, vtt_file, docx_file)] == [
        "speech-H-1.srt",
        "speech-H-1.vtt",
        "speech-H-1.docx",
    ]
    journey.shot("downloaded")
