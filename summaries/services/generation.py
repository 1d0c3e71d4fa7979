"""Generating summaries: the request that queues a job, the job's work, and storing each
draft in its row without ever overwriting finalized or edited text."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services import activity_record
from documents.selectors import version_content
from documents.structure import outline_of, speaker_name
from documents.text import split_lines
from integrations.errors import PermanentError
from integrations.llm import ChatEngine, get_chat_engine
from jobs.models import Job
from jobs.services import job_create, job_progress
from summaries.models import GeneratedSummary
from summaries.selectors import transcription_project_id
from summaries.services.drafts import Draft, draft_summary
from transcripts.models import Transcription
from transcripts.services import transcript_default_speaker

SummaryType = GeneratedSummary.SummaryType

SUMMARIZE_KIND = "summarize"
GENERATE_TASK = "summaries.tasks.generate_summary"


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


def summary_generate_request(
    *,
    transcription: Transcription,
    summary_types: list[str],
    user,
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
            label = SummaryType(summary.summary_type).label
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
            user=user,
            params=params,
        )
        activity_record(
            user=user,
            action="summary.generate_request",
            target=transcription,
            project_id=transcription_project_id(transcription.pk),
            details={"summary_types": types, "replace_edits": sorted(replace), "job": str(job.pk)},
        )
    return job


def _job_summary_types(params: dict[str, Any]) -> list[str]:
    raw = params.get("summary_types") or [params.get("summary_type")]
    try:
        return _summary_types([str(v) for v in raw if v])
    except ValidationError as exc:
        raise PermanentError(" ".join(exc.messages)) from exc


def _with_speakers(transcription, final, transcript: str) -> tuple[str, list[str]]:
    """The transcript as the prompt gets it, and who speaks in it (the default speaker
    first). With one speaker it is the text as is; with several, each turn is a paragraph
    that starts with the speaker's name."""
    default = transcript_default_speaker(transcription)
    text, data = version_content(final)  # rebuilt when it is no longer the newest
    outline = outline_of(data or transcription.json_with_timestamps, split_lines(text))
    names = [speaker_name(outline.names, label, default) for label in outline.speakers]
    speakers = list(dict.fromkeys([default, *names])) if names else [default]
    if len(set(names)) < 2:
        return transcript, [names[0] if names else default]
    turns: list[tuple[str, list[str]]] = []
    for name, text in zip(names, outline.texts, strict=True):
        if not text:
            continue
        if turns and turns[-1][0] == name:
            turns[-1][1].append(text)
        else:
            turns.append((name, [text]))
    speakers = [s for s in speakers if s in set(names)]
    return "\n\n".join(f"{name}: {' '.join(parts)}" for name, parts in turns), speakers


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
    transcript = version_content(final)[0].strip()
    if not transcript:
        raise PermanentError("The final transcript is empty; there is nothing to summarise.")
    transcript, speakers = _with_speakers(transcription, final, transcript)
    engine = get_chat_engine()
    replace = job.params.get("replace_edits") or {}
    share = 100 / len(types)
    results: dict[str, Any] = {}
    for index, summary_type in enumerate(types):
        label = SummaryType(summary_type).label
        already = GeneratedSummary.objects.filter(
            transcription=transcription, summary_type=summary_type, generated_at__gte=job.created_at
        ).first()
        if already is not None:
            results[summary_type] = {"summary_id": str(already.pk), "skipped": "already written"}
            continue

        def progress(fraction: float, message: str, base=index * share, label=label) -> None:
            job_progress(job=job, percent=base + share * fraction, message=f"{label}: {message}")

        progress(0, "writing…")
        draft = draft_summary(
            engine=engine,
            summary_type=summary_type,
            transcript=transcript,
            progress=progress,
            speakers=speakers,
        )
        summary = _summary_store(
            transcription=transcription,
            summary_type=summary_type,
            draft=draft,
            engine=engine,
            replace_token=replace.get(summary_type) if isinstance(replace, dict) else None,
            user=job.created_by,
            details={
                "engine": engine.name,
                "final_version": final.version_type,
                "job": str(job.pk),
            },
        )
        results[summary_type] = {"summary_id": str(summary.pk), **draft.record()}
        progress(1, "done.")
    return {"engine": engine.name, "final_version": final.version_type, "summaries": results}


def _summary_store(
    *,
    transcription: Transcription,
    summary_type: str,
    draft: Draft,
    engine: ChatEngine,
    replace_token: str | None,
    user,
    details: dict[str, Any],
) -> GeneratedSummary:
    """Write a new draft into the one row per (transcript, type), never over human work.

    The row records which engine wrote it; an offline engine's text is marked a placeholder.
    """
    label = SummaryType(summary_type).label
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
            user=user,
            action="summary.regenerate" if previous else "summary.generate",
            target=summary,
            project_id=transcription_project_id(transcription.pk),
            details={
                "summary_type": summary_type,
                **draft.record(),
                **details,
                **({"previous": previous} if previous else {}),
            },
        )
    return summary
