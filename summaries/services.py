"""Prompt templates, summaries and feedback: every write goes through here."""

from __future__ import annotations

import json
import logging
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.services import activity_record
from integrations.errors import PermanentError, VendorReplyError
from integrations.llm import ChatEngine, get_chat_engine
from integrations.llm_offline import OFFLINE_LABEL
from jobs.models import Job
from jobs.services import job_create, job_progress
from max_site.stale import refuse_stale
from summaries import texts
from summaries.models import FeedbackLog, GeneratedSummary, PromptTemplate, PromptVersion
from transcripts.models import Transcription

logger = logging.getLogger(__name__)

REQUIRED_PLACEHOLDER = texts.REQUIRED_PLACEHOLDER
ALLOWED_PLACEHOLDERS = {REQUIRED_PLACEHOLDER}

SummaryType = GeneratedSummary.SummaryType

SUMMARIZE_KIND = "summarize"
GENERATE_TASK = "summaries.tasks.generate_summary"
ANALYSE_KIND = "analyse feedback"
ANALYSE_TASK = "summaries.tasks.analyse_feedback"


# --- Prompt templates ---------------------------------------------------------------------


def _parse_template(content: str) -> list[tuple[str, str | None, str | None, str | None]]:
    try:
        return list(string.Formatter().parse(content))
    except ValueError as exc:
        raise ValidationError(
            f"The template has an unbalanced brace ({exc}). Write a literal brace as {{{{ or }}}}."
        ) from exc


def prompt_template_validate(content: str) -> None:
    if not content.strip():
        raise ValidationError("The template is empty.")
    parsed = _parse_template(content)
    names = {name for _, name, _, _ in parsed if name is not None}
    if REQUIRED_PLACEHOLDER not in names:
        raise ValidationError(
            "The template must contain {transcription_text}, where the transcript goes."
        )
    unknown = sorted(n or "{}" for n in names - ALLOWED_PLACEHOLDERS)
    if unknown:
        raise ValidationError(
            "Unknown placeholder(s): "
            + ", ".join("{" + n + "}" for n in unknown)
            + ". Only {transcription_text} is filled in."
        )
    if any(name and (spec or conversion) for _, name, spec, conversion in parsed):
        raise ValidationError("Write {transcription_text} exactly, with nothing after the name.")


def _template_save(
    *,
    template: PromptTemplate,
    content: str,
    changed_by,
    change_notes: str,
    action: str,
    details: dict[str, Any] | None = None,
    based_on: str | None = None,
) -> PromptTemplate:
    prompt_template_validate(content)
    with transaction.atomic():
        template = PromptTemplate.objects.select_for_update().get(pk=template.pk)
        refuse_stale(current=template, based_on=based_on, what="template")
        if content == template.template_content:
            return template
        template.version_number = F("version_number") + 1
        template.template_content = content
        template.save(update_fields=["version_number", "template_content", "updated_at"])
        template.refresh_from_db(fields=["version_number", "updated_at"])
        PromptVersion.objects.create(
            template=template,
            version_number=template.version_number,
            template_content=content,
            changed_by=changed_by,
            change_notes=change_notes or None,
        )
        activity_record(
            actor=changed_by,
            action=action,
            target=template,
            details={
                "template_name": template.template_name,
                "version_number": template.version_number,
                "change_notes": change_notes,
                **(details or {}),
            },
        )
    return template


def prompt_template_update(
    *,
    template: PromptTemplate,
    content: str,
    changed_by,
    change_notes: str = "",
    based_on: str | None = None,
) -> PromptTemplate:
    """Save new content as the next version; earlier versions stay in prompt_versions.

    Every version, including the first, has its own prompt_versions row, so a summary
    can point at exactly the text that produced it. Saving unchanged content is a no-op
    (no new version); callers compare version numbers to tell. `based_on` is the edit
    token the editor's form showed (`max_site.stale`): StaleEdit if someone saved since.
    """
    return _template_save(
        template=template,
        content=content,
        changed_by=changed_by,
        change_notes=change_notes,
        action="prompt_template.update",
        based_on=based_on,
    )


def prompt_template_revert(
    *, template: PromptTemplate, version_number: int, changed_by, change_notes: str = ""
) -> PromptTemplate:
    """Go back to an earlier version's content, as a new version (history is kept)."""
    old = PromptVersion.objects.filter(template=template, version_number=version_number).first()
    if old is None:
        raise ValidationError(f"{template.template_name} has no version {version_number}.")
    template = PromptTemplate.objects.get(pk=template.pk)
    if old.template_content == template.template_content:
        raise ValidationError(
            f"Version {version_number} has the same text as the current version "
            f"{template.version_number}; there is nothing to revert."
        )
    notes = change_notes or f"Reverted to version {version_number}."
    return _template_save(
        template=template,
        content=old.template_content,
        changed_by=changed_by,
        change_notes=notes,
        action="prompt_template.revert",
        details={"reverted_to": version_number},
    )


def prompt_template_create(
    *, template_name: str, content: str, created_by, change_notes: str = "First version."
) -> PromptTemplate:
    prompt_template_validate(content)
    with transaction.atomic():
        template = PromptTemplate.objects.create(
            template_name=template_name,
            template_content=content,
            version_number=1,
            created_by=created_by,
        )
        PromptVersion.objects.create(
            template=template,
            version_number=1,
            template_content=content,
            changed_by=created_by,
            change_notes=change_notes,
        )
        activity_record(
            actor=created_by,
            action="prompt_template.create",
            target=template,
            details={"template_name": template_name, "version_number": 1},
        )
    return template


# --- Generating summaries -----------------------------------------------------------------

MAX_TOKENS = {SummaryType.EMAIL: 600, SummaryType.LINKEDIN: 300, SummaryType.BLOG: 2000}
NOTES_MAX_TOKENS = 1500
# Condensing notes of notes more often than this means the model is not shortening them.
MAX_CONDENSE_ROUNDS = 4
# Below this many characters for the transcript, a prompt is not worth sending.
MIN_TRANSCRIPT_BUDGET = 500

WHAT_IS_WRITTEN = {
    SummaryType.EMAIL: "a short professional email",
    SummaryType.LINKEDIN: "a LinkedIn post",
    SummaryType.BLOG: "a blog post excerpt",
}

SUMMARY_SYSTEM = (
    "You write texts for a dental-education company from transcripts of talks by its "
    "speaker, {speaker}. Follow the instructions in the user's message exactly. Reply "
    "with the finished text only: no preamble, no remarks about what you did."
)
NOTES_NOTICE = (
    "\n\nThe transcript was too long to send at once, so the content in the user's "
    "message is notes made from its {count} parts, in order, not the transcript itself."
)
EXAMPLES_INTRO = (
    "\n\nEditors corrected earlier AI drafts of this kind of text. Learn from their "
    "corrections and write the way they edited, without copying their content:"
)
EXAMPLE_BLOCK = (
    "\n\nExample {index}\nAI draft:\n<<<\n{draft}\n>>>\n"
    "As the editor finalized it:\n<<<\n{edited}\n>>>"
)
NOTES_SYSTEM = (
    "You condense one part of a long talk transcript into notes for a writer who will "
    "draft {what} from the notes of all parts. Keep every key point, claim, number, "
    "clinical term and example; drop filler and repetition. Write plain sentences or "
    "bullet points, no preamble."
)
NOTES_PROMPT = "Part {index} of {count}:\n\n{text}"
NOTES_JOIN = "[Part {index} of {count}]\n{notes}"


@dataclass
class Draft:
    """One generated text and how it was made (recorded in the job result and activity)."""

    text: str
    prompt_version: PromptVersion
    examples: list[FeedbackLog]
    pieces: int  # 1 = the whole transcript went into one prompt
    condense_rounds: int  # extra passes over the notes of a very long transcript
    transcript_chars: int
    budget_chars: int

    @property
    def long_transcript(self) -> bool:
        return self.pieces > 1

    def record(self) -> dict[str, Any]:
        return {
            "prompt_template": self.prompt_version.template.template_name,
            "prompt_version_number": self.prompt_version.version_number,
            "prompt_version_id": str(self.prompt_version.pk),
            "feedback_example_ids": [str(e.pk) for e in self.examples],
            "transcript_chars": self.transcript_chars,
            "budget_chars": self.budget_chars,
            "strategy": "pieces then combined" if self.long_transcript else "whole transcript",
            "pieces": self.pieces,
            "condense_rounds": self.condense_rounds,
        }


def _summary_types(values: list[str]) -> list[str]:
    valid = [choice.value for choice in SummaryType]
    types = [v for v in valid if v in set(values)]
    unknown = sorted(set(values) - set(valid))
    if unknown or not types:
        raise ValidationError(
            f"Unknown summary type(s): {', '.join(unknown) or '(none)'}; "
            f"choose from {', '.join(valid)}."
        )
    return types


def _label(summary_type: str) -> str:
    return SummaryType(summary_type).label


def summary_generate_request(
    *,
    transcription: Transcription,
    summary_types: list[str],
    requested_by,
    replace_edits: bool = False,
) -> Job:
    """Queue one job (summaries queue) that writes the given texts from the final transcript.

    Refused with a ValidationError, and nothing queued, when the transcript has no final
    version, a text is finalized (finalized texts are never replaced), a text has edits
    and `replace_edits` is not set, or a summary job for this transcript is still running.
    With `replace_edits`, only the edits present now may be replaced; their text is kept
    in the activity log.
    """
    types = _summary_types(summary_types)
    with transaction.atomic():
        transcription = Transcription.objects.select_for_update().get(pk=transcription.pk)
        if transcription.archived:
            raise ValidationError("This transcript is archived; restore it before generating.")
        if transcription.final_version_id is None:
            raise ValidationError(
                "This transcript has no final version yet. Finalize it in the editor first: "
                "summaries are written from the final transcript."
            )
        running = (
            Job.for_target(transcription, SUMMARIZE_KIND)
            .filter(status__in=Job.ACTIVE)
            .order_by("-created_at")
            .first()
        )
        if running is not None:
            if set(types) <= set(_job_summary_types(running.params)):
                # The same request again (a double click, a second tab): that job.
                return running
            raise ValidationError(
                "Summaries for this transcript are already being written. Wait for that job "
                "to finish, then try again."
            )
        replace: dict[str, str] = {}
        existing = GeneratedSummary.objects.filter(
            transcription=transcription, summary_type__in=types
        )
        for summary in existing:
            label = _label(summary.summary_type)
            if summary.is_finalized:
                raise ValidationError(
                    f"The {label} text is finalized; finalized texts are never replaced."
                )
            if summary.is_edited:
                if not replace_edits:
                    raise ValidationError(
                        f"The {label} text has your edits. Tick “Replace my edits” to "
                        "regenerate it; the edited text is kept in the activity history."
                    )
                replace[summary.summary_type] = summary.edit_token
        params: dict[str, Any] = {"summary_types": types, "replace_edits": replace}
        job = job_create(
            kind=SUMMARIZE_KIND,
            task_name=GENERATE_TASK,
            target=transcription,
            created_by=requested_by,
            params=params,
        )
        activity_record(
            actor=requested_by,
            action="summary.generate_request",
            target=transcription,
            project_id=_project_id(transcription.pk),
            details={"summary_types": types, "replace_edits": sorted(replace), "job": str(job.pk)},
        )
    return job


def _project_id(transcription_id):
    return (
        Transcription.objects.filter(pk=transcription_id)
        .values_list("audio_file__project_id", flat=True)
        .first()
    )


def _job_summary_types(params: dict[str, Any]) -> list[str]:
    raw = params.get("summary_types") or [params.get("summary_type")]
    try:
        return _summary_types([str(v) for v in raw if v])
    except ValidationError as exc:
        raise PermanentError(" ".join(exc.messages)) from exc


def summaries_generate_run(job: Job) -> dict[str, Any]:
    """The work of a "summarize" job: each requested text from its template's latest version.

    Safe to run twice: a text this job already wrote (a retry after a later text failed)
    is not written again.
    """
    transcription = Transcription.objects.select_related("final_version").get(pk=job.target_id)
    types = _job_summary_types(job.params)
    final = transcription.final_version
    if final is None:
        raise PermanentError(
            "This transcript has no final version any more. Finalize it in the editor, "
            "then generate again."
        )
    transcript = final.edited_text.strip()
    if not transcript:
        raise PermanentError("The final transcript is empty; there is nothing to summarise.")
    engine = get_chat_engine()
    replace = job.params.get("replace_edits") or {}
    share = 100 / len(types)
    results: dict[str, Any] = {}
    for index, summary_type in enumerate(types):
        label = _label(summary_type)
        already = GeneratedSummary.objects.filter(
            transcription=transcription, summary_type=summary_type, generated_at__gte=job.created_at
        ).first()
        if already is not None:
            results[summary_type] = {"summary_id": str(already.pk), "skipped": "already written"}
            continue

        def progress(fraction: float, message: str, base=index * share, label=label) -> None:
            job_progress(job=job, percent=base + share * fraction, message=f"{label}: {message}")

        progress(0, "writing…")
        draft = _draft_summary(
            engine=engine, summary_type=summary_type, transcript=transcript, progress=progress
        )
        summary = _summary_store(
            transcription=transcription,
            summary_type=summary_type,
            draft=draft,
            engine=engine,
            replace_token=replace.get(summary_type) if isinstance(replace, dict) else None,
            actor=job.created_by,
            details={
                "engine": engine.name,
                "final_version": final.version_type,
                "job": str(job.pk),
            },
        )
        results[summary_type] = {"summary_id": str(summary.pk), **draft.record()}
        progress(1, "done.")
    return {"engine": engine.name, "final_version": final.version_type, "summaries": results}


def _summary_system(examples: list[FeedbackLog], *, notes_parts: int = 0) -> str:
    system = SUMMARY_SYSTEM.format(speaker=settings.SPEAKER_NAME)
    if notes_parts:
        system += NOTES_NOTICE.format(count=notes_parts)
    if examples:
        system += EXAMPLES_INTRO
        for index, example in enumerate(examples, start=1):
            system += EXAMPLE_BLOCK.format(
                index=index, draft=example.generated_text, edited=example.user_edited_text
            )
    return system


def _feedback_examples(summary_type: str, *, budget: int) -> list[FeedbackLog]:
    """The latest human corrections of this type that fit in `budget` characters."""
    count = settings.SUMMARY_FEEDBACK_EXAMPLE_COUNT
    if not settings.SUMMARY_FEEDBACK_EXAMPLES or count <= 0:
        return []
    candidates = (
        FeedbackLog.objects.filter(summary__summary_type=summary_type)
        .exclude(user_edited_text=F("generated_text"))
        # A text written over an offline stand-in is no correction of a model's draft.
        .exclude(summary__is_placeholder=True)
        .order_by("-created_at")[: count * 3]
    )
    chosen: list[FeedbackLog] = []
    used = 0
    for example in candidates:
        size = len(EXAMPLE_BLOCK) + len(example.generated_text) + len(example.user_edited_text)
        if used + size > budget:
            continue
        chosen.append(example)
        used += size
        if len(chosen) == count:
            break
    return chosen


def _complete(engine: ChatEngine, *, system: str, prompt: str, max_tokens: int, what: str) -> str:
    """One model call; an empty or refused reply is a clear, permanent failure."""
    try:
        reply = engine.complete(system=system, prompt=prompt, max_tokens=max_tokens)
    except VendorReplyError as exc:
        raise PermanentError(
            f"The language model gave no usable {what} ({exc}). Nothing was saved."
        ) from exc
    reply = (reply or "").strip()
    if not reply:
        raise PermanentError(
            f"The language model returned an empty {what}. Nothing was saved; try again, "
            "or check the prompt template."
        )
    return reply


def _draft_summary(
    *,
    engine: ChatEngine,
    summary_type: str,
    transcript: str,
    progress: Callable[[float, str], None],
) -> Draft:
    label = _label(summary_type)
    template_name = GeneratedSummary.TEMPLATE_FOR_TYPE[summary_type]
    template = PromptTemplate.objects.filter(template_name=template_name).first()
    version = (
        PromptVersion.objects.select_related("template")
        .filter(template=template, version_number=template.version_number)
        .first()
        if template
        else None
    )
    if version is None:
        raise PermanentError(
            f"The prompt template {template_name} (or its current version) is missing; "
            "restore it under Settings › Prompt templates."
        )
    try:
        prompt_template_validate(version.template_content)
    except ValidationError as exc:
        raise PermanentError(
            f"The {template_name} template can't be used: {' '.join(exc.messages)} "
            "Fix it under Settings › Prompt templates."
        ) from exc
    content = version.template_content
    frame = len(texts.prompt_fill(content, ""))
    limit = engine.max_input_chars
    examples = _feedback_examples(summary_type, budget=limit // 4)

    budget = limit - frame - len(_summary_system(examples))
    if budget < MIN_TRANSCRIPT_BUDGET and examples:
        examples = []
        budget = limit - frame - len(_summary_system(examples))
    if budget < MIN_TRANSCRIPT_BUDGET:
        raise PermanentError(
            f"The {template_name} template leaves no room for the transcript within the "
            f"model's input budget of {limit} characters. Shorten the template."
        )
    what = f"{label} text"
    if len(transcript) <= budget:
        text = _complete(
            engine,
            system=_summary_system(examples),
            prompt=texts.prompt_fill(content, transcript),
            max_tokens=MAX_TOKENS[summary_type],
            what=what,
        )
        return Draft(text, version, examples, 1, 0, len(transcript), budget)

    # Too long for one prompt: notes per piece (split at segment/paragraph boundaries),
    # then the template is filled with the notes. Nothing is cut off.
    notes, pieces, rounds = _condense(
        engine,
        transcript,
        summary_type=summary_type,
        limit=limit,
        # The final prompt's budget once the notes notice is in the system prompt.
        target=limit - frame - len(_summary_system(examples, notes_parts=10**6)),
        progress=progress,
    )
    progress(0.9, f"combining the notes of {pieces} parts…")
    text = _complete(
        engine,
        system=_summary_system(examples, notes_parts=pieces),
        prompt=texts.prompt_fill(content, notes),
        max_tokens=MAX_TOKENS[summary_type],
        what=what,
    )
    return Draft(text, version, examples, pieces, rounds, len(transcript), budget)


def _condense(
    engine: ChatEngine,
    transcript: str,
    *,
    summary_type: str,
    limit: int,
    target: int,
    progress: Callable[[float, str], None],
) -> tuple[str, int, int]:
    """Notes of every piece of `transcript`, joined, short enough for `target` characters.

    Returns (notes, number of transcript pieces, extra condensing rounds).
    """
    system = NOTES_SYSTEM.format(what=WHAT_IS_WRITTEN[summary_type])
    piece_budget = limit - len(system) - len(NOTES_PROMPT.format(index=10**6, count=10**6, text=""))
    if piece_budget < MIN_TRANSCRIPT_BUDGET:
        raise PermanentError("The model's input budget is too small to summarise in pieces.")
    text, pieces, rounds = transcript, 0, 0
    while True:
        parts = texts.split_for_budget(text, piece_budget)
        if rounds == 0:
            pieces = len(parts)
        notes = []
        for index, part in enumerate(parts, start=1):
            stage = "notes" if rounds == 0 else f"condensing notes (round {rounds})"
            progress(0.85 * (index - 1) / len(parts), f"{stage}, part {index} of {len(parts)}…")
            note = _complete(
                engine,
                system=system,
                prompt=NOTES_PROMPT.format(index=index, count=len(parts), text=part),
                max_tokens=NOTES_MAX_TOKENS,
                what=f"notes for part {index}",
            )
            notes.append(NOTES_JOIN.format(index=index, count=len(parts), notes=note))
        text = "\n\n".join(notes)
        if len(text) <= target:
            return text, pieces, rounds
        rounds += 1
        if rounds > MAX_CONDENSE_ROUNDS:
            raise PermanentError(
                f"The transcript is too long to summarise: after {MAX_CONDENSE_ROUNDS} "
                "rounds the notes still do not fit the model's input budget."
            )


def _summary_store(
    *,
    transcription: Transcription,
    summary_type: str,
    draft: Draft,
    engine: ChatEngine,
    replace_token: str | None,
    actor,
    details: dict[str, Any],
) -> GeneratedSummary:
    """Write a new draft into the one row per (transcript, type), never over human work.

    The row records which engine wrote it; an offline engine's text is marked a placeholder.
    """
    label = _label(summary_type)
    with transaction.atomic():
        summary = (
            GeneratedSummary.objects.select_for_update()
            .filter(transcription=transcription, summary_type=summary_type)
            .first()
        )
        previous: dict[str, Any] | None = None
        if summary is not None:
            if summary.is_finalized:
                raise PermanentError(
                    f"The {label} text was finalized while it was being written; the "
                    "finalized text was kept and the new draft discarded."
                )
            if summary.is_edited and summary.edit_token != replace_token:
                raise PermanentError(
                    f"The {label} text was edited while it was being written; the edits "
                    "were kept and the new draft discarded. Generate again to replace them."
                )
            previous = {
                "generated_text": summary.generated_text,
                "user_edited_text": summary.user_edited_text,
                "edited_by": str(summary.edited_by_id) if summary.edited_by_id else None,
                "edited_at": summary.edited_at.isoformat() if summary.edited_at else None,
                "prompt_version_id": str(summary.prompt_version_id)
                if summary.prompt_version_id
                else None,
            }
            summary.generated_text = draft.text
            summary.user_edited_text = None
            summary.edited_by = None
            summary.edited_at = None
            summary.generated_at = timezone.now()
            summary.prompt_version = draft.prompt_version
            summary.engine = engine.name
            summary.is_placeholder = engine.is_offline
            summary.save()
        else:
            summary = GeneratedSummary.objects.create(
                transcription=transcription,
                summary_type=summary_type,
                generated_text=draft.text,
                prompt_version=draft.prompt_version,
                engine=engine.name,
                is_placeholder=engine.is_offline,
            )
        summary.feedback_examples.set(draft.examples)
        activity_record(
            actor=actor,
            action="summary.regenerate" if previous else "summary.generate",
            target=summary,
            project_id=_project_id(transcription.pk),
            details={
                "summary_type": summary_type,
                **draft.record(),
                **details,
                **({"previous": previous} if previous else {}),
            },
        )
    return summary


# --- Editing and finalizing ---------------------------------------------------------------


def _clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ValidationError("The text is empty. Write the text, or leave without saving.")
    return text


def _check_open(summary: GeneratedSummary, based_on: str) -> None:
    label = _label(summary.summary_type)
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
    *, summary: GeneratedSummary, text: str, edited_by, based_on: str
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
        summary.edited_by = edited_by
        summary.edited_at = timezone.now()
        summary.save(update_fields=["user_edited_text", "edited_by", "edited_at"])
        activity_record(
            actor=edited_by,
            action="summary.edit",
            target=summary,
            project_id=_project_id(summary.transcription_id),
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
    finalized_by,
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
        label = _label(summary.summary_type)
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
        summary.edited_by = finalized_by
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
            actor=finalized_by,
            action="summary.finalize",
            target=summary,
            project_id=_project_id(summary.transcription_id),
            details={
                "summary_type": summary.summary_type,
                "feedback": str(feedback.pk),
                "edited": summary.is_edited,
                "length_change_percent": analysis["length_change_percent"],
                "changes": len(analysis["changes"]),
            },
        )
        if analysis["changes"] and _analysis_wanted():
            job_create(
                kind=ANALYSE_KIND, task_name=ANALYSE_TASK, target=feedback, created_by=finalized_by
            )
    return feedback


# --- Describing edits (tone, structure) ---------------------------------------------------


def _analysis_wanted() -> bool:
    try:
        return not get_chat_engine().is_offline
    except (PermanentError, ValueError):
        # A misconfigured engine (say, no API key) must not block finalizing; the job
        # then fails with the configuration message, shown on the feedback page.
        return True


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
