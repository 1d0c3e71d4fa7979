import json

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Activity
from integrations.tests.llm_fakes import refusal
from jobs.models import Job
from summaries.models import FeedbackLog, GeneratedSummary
from summaries.services.editing import summary_finalize, summary_save_edit
from summaries.services.feedback import ANALYSE_KIND

pytestmark = pytest.mark.django_db

DRAFT = "We utilize advanced endodontic techniques. Join our webinar on Friday."
EDITED = "We use advanced root canal methods. Join our free webinar on Friday!"


@pytest.fixture
def summary(final_transcription):
    return GeneratedSummary.objects.create(
        transcription=final_transcription, summary_type="email", generated_text=DRAFT
    )


def finalize(summary, user, text=None, capture=None):
    if capture is None:
        return summary_finalize(summary=summary, user=user, based_on=summary.edit_token, text=text)
    with capture(execute=True):
        feedback = summary_finalize(
            summary=summary, user=user, based_on=summary.edit_token, text=text
        )
    feedback.refresh_from_db()
    return feedback


def test_finalize_sets_the_seed_fields_and_logs_feedback_in_the_seed_format(summary, editor):
    feedback = finalize(summary, editor, EDITED)
    summary.refresh_from_db()
    assert summary.user_edited_text == EDITED
    assert summary.edited_by == editor
    assert summary.edited_at is not None and summary.finalized_at == summary.edited_at
    assert feedback.summary == summary
    assert feedback.generated_text == DRAFT and feedback.user_edited_text == EDITED
    analysis = json.loads(feedback.diff_analysis)
    assert analysis == {
        "type": "summary",
        "original_length": 70,
        "edited_length": 68,
        # (68 − 70) / 70 = −2.86 % → −3
        "length_change_percent": -3,
        "tone_changes": [],
        "structure_changes": [],
        "additions": ["free"],
        "deletions": [],
        "changes": [
            {"type": "replace", "original": "utilize", "edited": "use"},
            {
                "type": "replace",
                "original": "endodontic techniques.",
                "edited": "root canal methods.",
            },
            {"type": "insert", "original": "", "edited": "free"},
            {"type": "replace", "original": "Friday.", "edited": "Friday!"},
        ],
    }
    entry = Activity.objects.get(action="summary.finalize")
    assert entry.actor == editor and entry.details["feedback"] == str(feedback.pk)


def test_finalizing_the_draft_unchanged_leaves_user_edited_text_empty(summary, editor):
    feedback = finalize(summary, editor)
    summary.refresh_from_db()
    # The seed's feedback query counts `user_edited_text IS NOT NULL` as "edited".
    assert summary.user_edited_text is None
    assert summary.finalized_at is not None and summary.edited_by == editor
    analysis = json.loads(feedback.diff_analysis)
    assert analysis["changes"] == [] and analysis["length_change_percent"] == 0
    assert feedback.user_edited_text == DRAFT


def test_finalizing_saved_edits_without_new_text_uses_the_saved_edits(summary, editor):
    summary = summary_save_edit(
        summary=summary, text=EDITED, user=editor, based_on=summary.edit_token
    )
    feedback = finalize(summary, editor)
    assert feedback.user_edited_text == EDITED


def test_a_finalized_text_can_never_be_changed_again(summary, editor, other_editor):
    finalize(summary, editor, EDITED)
    summary.refresh_from_db()
    with pytest.raises(ValidationError, match="finalized texts can't be changed"):
        finalize(summary, other_editor, "Overwrite!")
    with pytest.raises(ValidationError, match="finalized texts can't be changed"):
        summary_save_edit(
            summary=summary, text="Overwrite!", user=other_editor, based_on=summary.edit_token
        )
    summary.refresh_from_db()
    assert summary.user_edited_text == EDITED and summary.edited_by == editor
    assert FeedbackLog.objects.count() == 1


def test_a_stale_save_is_refused_and_changes_nothing(summary, editor, other_editor):
    token = summary.edit_token
    summary_save_edit(summary=summary, text="First edit.", user=editor, based_on=token)
    with pytest.raises(ValidationError, match="changed while you were editing"):
        summary_save_edit(summary=summary, text="Second edit.", user=other_editor, based_on=token)
    with pytest.raises(ValidationError, match="changed while you were editing"):
        summary_finalize(summary=summary, user=other_editor, based_on=token, text="Second edit.")
    summary.refresh_from_db()
    assert summary.user_edited_text == "First edit." and summary.finalized_at is None


def test_saving_edits_keeps_the_previous_text_in_the_activity_log(summary, editor):
    summary = summary_save_edit(
        summary=summary, text="One.\r\nTwo.", user=editor, based_on=summary.edit_token
    )
    assert summary.user_edited_text == "One.\nTwo."
    summary = summary_save_edit(
        summary=summary, text="Three.", user=editor, based_on=summary.edit_token
    )
    latest = Activity.objects.filter(action="summary.edit").order_by("-created_at").first()
    assert latest.details["previous_user_edited_text"] == "One.\nTwo."
    # Saving the AI draft's own text means "no edits".
    summary = summary_save_edit(
        summary=summary, text=DRAFT, user=editor, based_on=summary.edit_token
    )
    assert summary.user_edited_text is None


def test_empty_text_is_refused(summary, editor):
    with pytest.raises(ValidationError, match="The text is empty"):
        summary_save_edit(summary=summary, text="  \n ", user=editor, based_on=summary.edit_token)
    with pytest.raises(ValidationError, match="The text is empty"):
        finalize(summary, editor, " ")
    summary.refresh_from_db()
    assert summary.finalized_at is None and summary.user_edited_text is None


def test_without_a_model_tone_and_structure_stay_empty_and_no_job_runs(
    summary, editor, django_capture_on_commit_callbacks
):
    feedback = finalize(summary, editor, EDITED, django_capture_on_commit_callbacks)
    assert not Job.objects.filter(kind=ANALYSE_KIND).exists()
    assert feedback.tone_changes == [] and feedback.structure_changes == []


def test_with_a_model_a_job_fills_tone_and_structure_changes(
    summary, editor, claude, django_capture_on_commit_callbacks
):
    claude.json_reply = lambda system, prompt: {
        "tone_changes": ["more casual", "  removed   technical jargon "],
        "structure_changes": ["added bullet points"],
    }
    feedback = finalize(summary, editor, EDITED, django_capture_on_commit_callbacks)
    job = Job.for_target(feedback, ANALYSE_KIND).get()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert feedback.tone_changes == ["more casual", "removed technical jargon"]
    assert feedback.structure_changes == ["added bullet points"]
    (call,) = claude.json_calls
    assert call["tool_name"] == "record_edit_analysis"
    assert DRAFT in call["prompt"] and EDITED in call["prompt"]
    assert set(call["schema"]["properties"]) == {"tone_changes", "structure_changes"}
    # The word-level part is untouched by the model.
    assert len(feedback.changes) == 4 and feedback.length_change_percent == -3


def test_a_malformed_analysis_fails_its_job_but_keeps_the_feedback(
    summary, editor, claude, django_capture_on_commit_callbacks
):
    claude.json_reply = lambda system, prompt: {"tone_changes": "casual"}
    feedback = finalize(summary, editor, EDITED, django_capture_on_commit_callbacks)
    job = Job.for_target(feedback, ANALYSE_KIND).get()
    assert job.status == Job.Status.FAILED and "tone_changes" in job.error
    assert feedback.tone_changes == [] and len(feedback.changes) == 4
    summary.refresh_from_db()
    assert summary.is_finalized


def test_a_refused_analysis_fails_clearly(
    summary, editor, claude, django_capture_on_commit_callbacks
):
    claude.json_reply = lambda system, prompt: refusal()
    feedback = finalize(summary, editor, EDITED, django_capture_on_commit_callbacks)
    job = Job.for_target(feedback, ANALYSE_KIND).get()
    assert job.status == Job.Status.FAILED
    assert job.error == "Anthropic declined to answer this request."


def test_an_unchanged_finalize_needs_no_analysis(
    summary, editor, claude, django_capture_on_commit_callbacks
):
    finalize(summary, editor, None, django_capture_on_commit_callbacks)
    assert claude.server.requests == []
    assert not Job.objects.exists()


def test_a_misconfigured_engine_never_blocks_finalizing(
    summary, editor, settings, django_capture_on_commit_callbacks
):
    settings.LLM_ENGINE = "anthropic"
    settings.ANTHROPIC_API_KEY = ""
    feedback = finalize(summary, editor, EDITED, django_capture_on_commit_callbacks)
    summary.refresh_from_db()
    assert summary.is_finalized
    job = Job.for_target(feedback, ANALYSE_KIND).get()
    assert job.status == Job.Status.FAILED
    assert job.error == "Claude is not configured: set ANTHROPIC_API_KEY."
