"""Feedback on finalized texts: a model describes how the editor changed the draft's tone
and structure (a job, queued when a real model is configured)."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction

from integrations.errors import PermanentError, VendorReplyError
from integrations.llm import get_chat_engine
from jobs.models import Job
from jobs.services import job_create, job_progress
from summaries.models import FeedbackLog
from summaries.services.drafts import WHAT_IS_WRITTEN

ANALYSE_KIND = "analyse feedback"
ANALYSE_TASK = "summaries.tasks.analyse_feedback"


def _analysis_wanted() -> bool:
    try:
        return not get_chat_engine().is_offline
    except (PermanentError, ValueError):
        # A misconfigured engine (say, no API key) must not block finalizing; the job
        # then fails with the configuration message, shown on the feedback page.
        return True


def feedback_analysis_request(*, feedback: FeedbackLog, user) -> Job | None:
    """Queue the tone-and-structure analysis of a finalized text's edits, unless no real
    model is configured (the lists then stay empty). Call it inside the finalize transaction."""
    if not _analysis_wanted():
        return None
    return job_create(kind=ANALYSE_KIND, task_name=ANALYSE_TASK, target=feedback, user=user)


ANALYSIS_TOOL = "record_edit_analysis"
ANALYSIS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "tone_changes": {
            "type": "array",
            "items": {"type": "string"},
            "description": "How the editor changed the tone, each a short phrase, e.g. "
            "'more casual', 'removed technical jargon'. Empty if the tone is unchanged.",
        },
        "structure_changes": {
            "type": "array",
            "items": {"type": "string"},
            "description": "How the editor changed the structure, each a short phrase, e.g. "
            "'added bullet points', 'reorganized sections'. Empty if unchanged.",
        },
    },
    "required": ["tone_changes", "structure_changes"],
}
ANALYSIS_SYSTEM = (
    "You compare an AI-written draft with the version a human editor finalized, to learn "
    "what the editor prefers. Describe only changes that are really there, each as a short "
    "lower-case phrase. Call the tool with your answer."
)
ANALYSIS_PROMPT = (
    "Kind of text: {kind}\n\nAI draft:\n<<<\n{draft}\n>>>\n\nFinal version:\n<<<\n{edited}\n>>>"
)
MAX_PHRASES, MAX_PHRASE_CHARS = 8, 120


def _phrases(reply: dict[str, Any], key: str) -> list[str]:
    value = reply.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise VendorReplyError(f"The edit analysis has no list of strings under {key!r}.")
    phrases = [" ".join(v.split())[:MAX_PHRASE_CHARS] for v in value]
    return [p for p in phrases if p][:MAX_PHRASES]


def feedback_analyse_run(job: Job) -> dict[str, Any]:
    """The work of an "analyse feedback" job: fill tone_changes and structure_changes."""
    feedback = FeedbackLog.objects.select_related("summary").get(pk=job.target_id)
    engine = get_chat_engine()
    if engine.is_offline:
        return {"skipped": "no language model configured"}
    prompt = ANALYSIS_PROMPT.format(
        kind=WHAT_IS_WRITTEN[feedback.summary.summary_type],
        draft=feedback.generated_text,
        edited=feedback.user_edited_text,
    )
    if len(prompt) + len(ANALYSIS_SYSTEM) > engine.max_input_chars:
        raise PermanentError("The texts are too long to analyse within the model's budget.")
    job_progress(job=job, percent=10, message="Asking the language model…")
    reply = engine.complete_json(
        system=ANALYSIS_SYSTEM, prompt=prompt, schema=ANALYSIS_SCHEMA, tool_name=ANALYSIS_TOOL
    )
    tone, structure = _phrases(reply, "tone_changes"), _phrases(reply, "structure_changes")
    with transaction.atomic():
        feedback = FeedbackLog.objects.select_for_update().get(pk=feedback.pk)
        analysis = json.loads(feedback.diff_analysis or "{}")
        analysis["tone_changes"] = tone
        analysis["structure_changes"] = structure
        feedback.diff_analysis = json.dumps(analysis, ensure_ascii=False)
        feedback.save(update_fields=["diff_analysis"])
    return {"engine": engine.name, "tone_changes": tone, "structure_changes": structure}
