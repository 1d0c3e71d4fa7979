"""Summaries you can trust: offline stand-ins are marked and never finalized, "Finalize as is"
is confirmed on a page that shows the text's failed checks, and double submits create nothing.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from jobs.models import Job
from summaries.models import FeedbackLog, GeneratedSummary
from summaries.services.editing import summary_finalize
from summaries.services.generation import SUMMARIZE_KIND, summary_generate_request
from summaries.tests.conftest import make_final
from tests.concurrency import at_once

pytestmark = pytest.mark.django_db

LONG_POST = "Root canals, demystified. " * 12  # LinkedIn's check is 150 characters


def generate(transcription, user, capture, types):
    with capture(execute=True):
        job = summary_generate_request(transcription=transcription, summary_types=types, user=user)
    job.refresh_from_db()
    return job


def page(client, transcription) -> str:
    return client.get(reverse("summaries:transcript", args=[transcription.pk])).content.decode()


# --- offline drafts ------------------------------------------------------------------------


def test_an_offline_text_is_marked_shown_as_a_draft_and_offers_no_finalize(
    editor_client, final_transcription, editor, django_capture_on_commit_callbacks
):
    generate(final_transcription, editor, django_capture_on_commit_callbacks, ["email"])
    summary = GeneratedSummary.objects.get()
    assert (summary.engine, summary.is_placeholder) == ("offline", True)

    html = page(editor_client, final_transcription)
    assert '<span class="badge badge--draft">Offline draft</span>' in html
    assert "Written without a language model" in html
    assert reverse("summaries:finalize", args=[summary.pk]) not in html
    # The engine in words, not its stored code ("Generated … by offline from …").
    assert " by the offline stand-in from " in html and " by offline " not in html
    activity = editor_client.get(reverse("accounts:activity")).content.decode()
    assert "(an offline stand-in, not a summary: no language model is configured)" in activity
    assert "(AI draft from" not in activity


def test_finalize_refuses_an_offline_draft_unless_a_human_rewrote_it(
    final_transcription, editor, django_capture_on_commit_callbacks
):
    generate(final_transcription, editor, django_capture_on_commit_callbacks, ["email"])
    summary = GeneratedSummary.objects.get()

    with pytest.raises(ValidationError, match="offline draft, not a summary") as refused:
        summary_finalize(summary=summary, user=editor, based_on=summary.edit_token)
    assert "Replace it with your own text" in refused.value.messages[0]
    assert "configure a language model" in refused.value.messages[0]
    # Adding a sign-off to the stand-in does not make it a summary.
    with pytest.raises(ValidationError, match="offline draft"):
        summary_finalize(
            summary=summary,
            user=editor,
            based_on=summary.edit_token,
            text=summary.generated_text + "\n\nBest, Dr. Soto",
        )
    assert not FeedbackLog.objects.exists()

    summary_finalize(
        summary=summary,
        user=editor,
        based_on=summary.edit_token,
        text="Join Dr. Soto's endodontics lecture. Seats are limited.",
    )
    summary.refresh_from_db()
    assert summary.is_finalized and not summary.is_offline_draft


def test_the_confirm_page_of_an_offline_draft_has_no_finalize_button(
    editor_client, final_transcription, editor, django_capture_on_commit_callbacks
):
    generate(final_transcription, editor, django_capture_on_commit_callbacks, ["email"])
    summary = GeneratedSummary.objects.get()
    html = editor_client.get(reverse("summaries:finalize", args=[summary.pk])).content.decode()
    assert "This text is an offline draft, not a summary" in html
    assert "Finalize as is</button>" not in html
    response = editor_client.post(
        reverse("summaries:finalize", args=[summary.pk]), {"based_on": summary.edit_token}
    )
    assert response.status_code == 400
    summary.refresh_from_db()
    assert not summary.is_finalized


# --- "Finalize as is" is confirmed first, with the text's checks ----------------------------


@pytest.fixture
def long_post(final_transcription):
    return GeneratedSummary.objects.create(
        transcription=final_transcription,
        summary_type="linkedin",
        generated_text=LONG_POST,
        engine="anthropic",
    )


def test_finalize_as_is_asks_first_and_shows_the_failed_checks(
    editor_client, final_transcription, long_post
):
    html = page(editor_client, final_transcription)
    confirm_url = reverse("summaries:finalize", args=[long_post.pk])
    assert f'href="{confirm_url}">Finalize as is…</a>' in html
    assert "by Anthropic Claude" in html

    html = editor_client.get(confirm_url).content.decode()
    assert "It fails its own checks" in html
    length = len(LONG_POST.strip())
    assert f"The LinkedIn post is {length} characters long; it should be at most 150." in html
    assert 'name="accept_warnings" value="on" required' in html
    assert "Finalize as is</button>" in html
    long_post.refresh_from_db()
    assert not long_post.is_finalized  # looking is not finalizing


def test_a_text_that_fails_its_checks_is_only_finalized_when_the_editor_says_so(
    editor_client, long_post
):
    confirm_url = reverse("summaries:finalize", args=[long_post.pk])
    response = editor_client.post(confirm_url, {"based_on": long_post.edit_token})
    assert response.status_code == 400
    assert "The LinkedIn text fails its checks" in response.content.decode()
    long_post.refresh_from_db()
    assert not long_post.is_finalized

    response = editor_client.post(
        confirm_url, {"based_on": long_post.edit_token, "accept_warnings": "on"}, follow=True
    )
    assert "LinkedIn text finalized." in response.content.decode()
    long_post.refresh_from_db()
    assert long_post.is_finalized and FeedbackLog.objects.count() == 1


def test_the_edit_pages_finalize_refuses_failed_checks_until_confirmed(editor_client, long_post):
    edit_url = reverse("summaries:edit", args=[long_post.pk])
    data = {"text": LONG_POST + " More.", "based_on": long_post.edit_token, "action": "finalize"}
    html = editor_client.post(edit_url, data).content.decode()
    assert "The LinkedIn text fails its checks" in html
    assert 'name="accept_warnings"' in html
    long_post.refresh_from_db()
    assert not long_post.is_finalized

    editor_client.post(
        edit_url, {**data, "based_on": long_post.edit_token, "accept_warnings": "on"}
    )
    long_post.refresh_from_db()
    assert long_post.is_finalized and long_post.user_edited_text.endswith("More.")


# --- double submits --------------------------------------------------------------------------


def test_finalize_pressed_twice_writes_one_feedback_entry(editor_client, final_transcription):
    summary = GeneratedSummary.objects.create(
        transcription=final_transcription,
        summary_type="email",
        generated_text="Join the lecture. Seats are limited.",
    )
    token = summary.edit_token
    for _ in range(3):
        response = editor_client.post(
            reverse("summaries:finalize", args=[summary.pk]), {"based_on": token}, follow=True
        )
        html = response.content.decode()
        assert "Email text finalized." in html and "can't be changed" not in html
    assert FeedbackLog.objects.count() == 1


def test_generate_pressed_again_while_the_job_waits_returns_that_job(
    final_transcription, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        first = summary_generate_request(
            transcription=final_transcription, summary_types=["email", "blog"], user=editor
        )
        again = summary_generate_request(
            transcription=final_transcription, summary_types=["email"], user=editor
        )
        assert again == first
        with pytest.raises(ValidationError, match="already being written"):
            summary_generate_request(
                transcription=final_transcription, summary_types=["linkedin"], user=editor
            )
    assert Job.objects.filter(kind=SUMMARIZE_KIND).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_generate_requests_at_once_start_one_job(
    transcription, editor, other_editor, queued_not_run
):
    make_final(transcription, "Welcome to the lecture on endodontics.", editor)
    jobs = at_once(
        lambda user: summary_generate_request(
            transcription=transcription, summary_types=["email"], user=user
        ),
        [editor, other_editor],
    )
    assert Job.objects.filter(kind=SUMMARIZE_KIND).count() == 1
    assert jobs[0].pk == jobs[1].pk


def test_a_real_engines_text_is_recorded_with_its_engine(
    final_transcription, editor, claude, django_capture_on_commit_callbacks
):
    claude.reply = lambda system, prompt: "Join us. Seats are limited."
    generate(final_transcription, editor, django_capture_on_commit_callbacks, ["email"])
    summary = GeneratedSummary.objects.get()
    assert (summary.engine, summary.is_placeholder, summary.is_offline_draft) == (
        "anthropic",
        False,
        False,
    )
