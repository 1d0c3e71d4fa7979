"""What the summaries send to Claude, read on the wire: the model, the token budget,
the prompt per text, and the forced tool for the edit analysis. (Every summaries test
talks to the same local Messages API server; these look at the requests themselves.)"""

import pytest

from jobs.models import Job
from summaries.models import GeneratedSummary
from summaries.services.drafts import MAX_TOKENS
from summaries.services.editing import summary_finalize
from summaries.services.feedback import ANALYSIS_SCHEMA
from summaries.services.generation import summary_generate_request
from summaries.tests.conftest import FINAL_TEXT

pytestmark = pytest.mark.django_db


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

    claude.reply = lambda system, prompt: next(r for key, r in replies.items() if key in prompt)
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
    assert len(claude.server.requests) == 3
    first = claude.server.requests[0]
    assert first["model"] == "claude-test"
    assert first["max_tokens"] == MAX_TOKENS["email"]
    assert FINAL_TEXT in claude.server.prompt_of(first)
    assert "Dr. Soto" in claude.server.system_of(first)


def test_finalize_asks_claude_for_tone_and_structure_through_a_tool(
    claude, final_transcription, editor, django_capture_on_commit_callbacks
):
    summary = GeneratedSummary.objects.create(
        transcription=final_transcription,
        summary_type="email",
        generated_text="We utilize advanced techniques.",
    )
    # The fake answers through the tool the request forces (`tool_choice`).
    claude.json_reply = lambda system, prompt: {
        "tone_changes": ["less formal"],
        "structure_changes": ["added a closing line"],
    }
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
    request = claude.server.requests[0]
    assert request["tool_choice"] == {"type": "tool", "name": "record_edit_analysis"}
    assert request["tools"][0]["input_schema"] == ANALYSIS_SCHEMA
