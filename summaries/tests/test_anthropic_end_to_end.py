"""Summaries end to end through the real anthropic SDK and adapter, against a local server."""

import pytest

from integrations.llm_anthropic import AnthropicChatEngine
from integrations.tests.llm_fakes import FakeAnthropic, error, refusal, text, tool
from jobs.models import Job
from summaries.models import GeneratedSummary
from summaries.services.drafts import MAX_TOKENS
from summaries.services.editing import summary_finalize
from summaries.services.feedback import ANALYSIS_SCHEMA
from summaries.services.generation import summary_generate_request
from summaries.tests.conftest import FINAL_TEXT, make_final

pytestmark = pytest.mark.django_db


@pytest.fixture
def claude(settings):
    with FakeAnthropic() as server:
        settings.LLM_ENGINE = "anthropic"
        settings.ANTHROPIC_API_KEY = "sk-ant-test"
        settings.ANTHROPIC_BASE_URL = server.url
        settings.ANTHROPIC_MODEL = "claude-test"
        # The SDK would retry 5xx itself with sleeps; let our job's retry handle it instead.
        settings.VENDOR_MAX_RETRIES = 0
        settings.VENDOR_TIMEOUT_SECONDS = 10
        yield server


def run(transcription, user, capture, types):
    with capture(execute=True):
        job = summary_generate_request(transcription=transcription, summary_types=types, user=user)
    job.refresh_from_db()
    return job


def test_three_texts_are_written_by_claude(
    claude, final_transcription, editor, django_capture_on_commit_callbacks
):
    replies = {
        "professional email": "Dear colleagues, join Dr. Soto's endodontics lecture.",
        "LinkedIn post": "Irrigation matters. #dentistry",
        "blog post excerpt": "## Endodontics today\n\nRotary files ...",
    }

    def respond(body):
        prompt = claude.prompt_of(body)
        return text(next(reply for key, reply in replies.items() if key in prompt))

    claude.respond = respond
    job = run(
        final_transcription,
        editor,
        django_capture_on_commit_callbacks,
        ["email", "linkedin", "blog"],
    )

    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.result["engine"] == "anthropic"
    texts = {
        s.summary_type: s.generated_text
        for s in GeneratedSummary.objects.filter(transcription=final_transcription)
    }
    assert texts == {
        "email": replies["professional email"],
        "linkedin": replies["LinkedIn post"],
        "blog": replies["blog post excerpt"],
    }
    assert len(claude.requests) == 3
    first = claude.requests[0]
    assert first["model"] == "claude-test"
    assert first["max_tokens"] == MAX_TOKENS["email"]
    assert FINAL_TEXT in claude.prompt_of(first)
    assert "Dr. Soto" in claude.system_of(first)


def test_a_refusal_fails_the_job_with_a_clear_message(
    claude, final_transcription, editor, django_capture_on_commit_callbacks
):
    claude.respond = lambda body: refusal()
    job = run(final_transcription, editor, django_capture_on_commit_callbacks, ["linkedin"])
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("The language model gave no usable LinkedIn text")
    assert "declined" in job.error and "Nothing was saved" in job.error
    assert not GeneratedSummary.objects.exists()


def test_an_overloaded_server_is_retried_by_the_job(
    claude, final_transcription, editor, django_capture_on_commit_callbacks
):
    answers = [error(529, "Overloaded"), text("Mail text.")]
    claude.respond = lambda body: answers.pop(0)
    job = run(final_transcription, editor, django_capture_on_commit_callbacks, ["email"])
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.attempts == 2
    assert GeneratedSummary.objects.get().generated_text == "Mail text."


def test_a_long_transcript_goes_to_claude_in_pieces(
    claude, transcription, editor, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(AnthropicChatEngine, "max_input_chars", 3000)
    lines = [f"Segment {i}: a point about apex locators and working length." for i in range(150)]
    make_final(transcription, "\n".join(lines), editor)

    def respond(body):
        prompt = claude.prompt_of(body)
        if prompt.startswith("Part "):
            return text(f"notes ({prompt.count('Segment')} segments)")
        return text("Blog from notes.")

    claude.respond = respond
    job = run(transcription, editor, django_capture_on_commit_callbacks, ["blog"])
    assert job.status == Job.Status.SUCCEEDED, job.error
    info = job.result["summaries"]["blog"]
    assert info["strategy"] == "pieces then combined" and info["pieces"] == len(claude.requests) - 1
    assert all(len(claude.prompt_of(r)) + len(claude.system_of(r)) <= 3000 for r in claude.requests)
    counted = sum(claude.prompt_of(r).count("Segment") for r in claude.requests[:-1])
    assert counted == len(lines)


def test_finalize_asks_claude_for_tone_and_structure_through_a_tool(
    claude, final_transcription, editor, django_capture_on_commit_callbacks
):
    summary = GeneratedSummary.objects.create(
        transcription=final_transcription,
        summary_type="email",
        generated_text="We utilize advanced techniques.",
    )
    # The fake answers through the tool the request forces (`tool_choice`).
    claude.respond = lambda body: tool(
        {"tone_changes": ["less formal"], "structure_changes": ["added a closing line"]}
    )
    with django_capture_on_commit_callbacks(execute=True):
        feedback = summary_finalize(
            summary=summary,
            user=editor,
            based_on=summary.edit_token,
            text="We use modern techniques. See you there!",
        )
    feedback.refresh_from_db()
    assert feedback.tone_changes == ["less formal"]
    assert feedback.structure_changes == ["added a closing line"]
    request = claude.requests[0]
    assert request["tool_choice"] == {"type": "tool", "name": "record_edit_analysis"}
    assert request["tools"][0]["input_schema"] == ANALYSIS_SCHEMA
