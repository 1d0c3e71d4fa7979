"""Editing and finalizing a summary: the editor's text, stale-edit checks, the feedback row."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services import activity_record
from integrations.llm_offline import OFFLINE_LABEL
from summaries import texts
from summaries.models import FeedbackLog, GeneratedSummary
from summaries.selectors import transcription_project_id
from summaries.services.feedback import feedback_analysis_request

SummaryType = GeneratedSummary.SummaryType


def _clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ValidationError("The text is empty. Write the text, or leave without saving.")
    return text


def _check_open(summary: GeneratedSummary, based_on: str) -> None:
    label = SummaryType(summary.summary_type).label
    if summary.is_finalized:
        raise ValidationError(
            f"The {label} text was finalized on {summary.finalized_at:%Y-%m-%d %H:%M}; "
            "finalized texts can't be changed."
        )
    if based_on != summary.edit_token:
        raise ValidationError(
            f"The {label} text changed while you were editing (someone saved or it was "
            "regenerated). Your text is below; compare it with the current one and save again."
        )


def summary_save_edit(
    *, summary: GeneratedSummary, text: str, user, based_on: str
) -> GeneratedSummary:
    """Save the editor's text without finalizing. The previous text goes into the activity log."""
    text = _clean_text(text)
    with transaction.atomic():
        summary = GeneratedSummary.objects.select_for_update().get(pk=summary.pk)
        _check_open(summary, based_on)
        new_value = None if text == summary.generated_text else text
        if new_value == summary.user_edited_text:
            return summary
        previous = summary.user_edited_text
        summary.user_edited_text = new_value
        summary.edited_by = user
        summary.edited_at = timezone.now()
        summary.save(update_fields=["user_edited_text", "edited_by", "edited_at"])
        activity_record(
            user=user,
            action="summary.edit",
            target=summary,
            project_id=transcription_project_id(summary.transcription_id),
            details={
                "summary_type": summary.summary_type,
                "characters": len(text),
                "previous_user_edited_text": previous,
            },
        )
    return summary


def summary_finalize(
    *,
    summary: GeneratedSummary,
    user,
    based_on: str,
    text: str | None = None,
    require_checks: bool = False,
) -> FeedbackLog:
    """Finalize a text (the editor's `text`, or what is saved now) and log the feedback.

    `user_edited_text` holds the final text only when it differs from the AI draft, so
    the seed's feedback query counts as "edited" exactly the texts a human changed. The
    feedback_log row is written either way (an unchanged text records the draft was
    accepted as is). When a real model is configured, a job then describes tone and
    structure changes; without one those lists stay empty.

    Finalizing the same text again (a double click, a second tab) returns the feedback row
    already written. An offline stand-in is never finalized: the editor must write the text
    or regenerate it with a configured model. With `require_checks` (the pages pass it
    unless the editor confirmed), a text that fails its own checks (length, sentences) is
    refused with the reasons.
    """
    with transaction.atomic():
        summary = GeneratedSummary.objects.select_for_update().get(pk=summary.pk)
        if summary.is_finalized and (text is None or _clean_text(text) == summary.current_text):
            done = summary.feedback.order_by("-created_at").first()
            if done is not None:
                return done
        _check_open(summary, based_on)
        final_text = summary.current_text if text is None else _clean_text(text)
        label = SummaryType(summary.summary_type).label
        if summary.is_placeholder and (
            final_text == summary.generated_text or OFFLINE_LABEL in final_text
        ):
            raise ValidationError(
                f"The {label} text is an offline draft, not a summary: no language model was "
                "configured, so it is the opening of the transcript with a label. Replace it "
                "with your own text (Edit), or have an administrator configure a language "
                "model (ANTHROPIC_API_KEY, or LLM_ENGINE=openai with OPENAI_API_KEY) and "
                "regenerate it."
            )
        failed = texts.summary_warnings(summary.summary_type, final_text)
        if require_checks and failed:
            raise ValidationError(
                f"The {label} text fails its checks: {' '.join(failed)} Edit it, or confirm "
                "that you want to finalize it anyway."
            )
        now = timezone.now()
        summary.user_edited_text = None if final_text == summary.generated_text else final_text
        summary.edited_by = user
        summary.edited_at = now
        summary.finalized_at = now
        summary.save(update_fields=["user_edited_text", "edited_by", "edited_at", "finalized_at"])
        analysis = texts.diff_analysis(summary.generated_text, final_text)
        feedback = FeedbackLog.objects.create(
            summary=summary,
            generated_text=summary.generated_text,
            user_edited_text=final_text,
            diff_analysis=json.dumps(analysis, ensure_ascii=False),
        )
        activity_record(
            user=user,
            action="summary.finalize",
            target=summary,
            project_id=transcription_project_id(summary.transcription_id),
            details={
                "summary_type": summary.summary_type,
                "feedback": str(feedback.pk),
                "edited": summary.is_edited,
                "length_change_percent": analysis["length_change_percent"],
                "changes": len(analysis["changes"]),
            },
        )
        if analysis["changes"]:
            feedback_analysis_request(feedback=feedback, user=user)
    return feedback
