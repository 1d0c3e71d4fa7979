"""The translate job: English final version → one language, with the glossary on both sides.

    translation_start(transcription=…, language_codes=[…], user=…)   # services; queues jobs
    translation_run(job)                                             # the job body

Steps: translate the final English exactly as it is, in batches (each segment keeps its
English start/end; English glossary corrections the final lacks are never applied here:
the translation start page offers to apply them to the English first, as a new final);
apply the target language's dictionary to the output; store everything in one transaction at the end
(`translation_store_machine_text`), so a failed or cancelled job leaves no translation
row and no dictionary usage counted. Finished batches are kept in the cache under the
job's id, so a retried job resumes instead of paying for them twice.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

from documents.realign import PLACEHOLDER_KEY
from documents.text import document_segments
from glossary import services as glossary_services
from integrations.errors import PermanentError
from integrations.llm import get_chat_engine, language_name
from jobs.models import Job
from jobs.services import job_progress
from transcripts.models import Transcription
from translations.budgets import segment_budget
from translations.memory import document_matches, exact_matches
from translations.selectors import (
    source_segments,
    target_language,
    translation_changed_english,
    translation_latest,
    translation_source,
)
from translations.selectors_review import MACHINE, NEEDS_REVIEW
from translations.services import translation_has_placeholders, translation_store_machine_text
from translations.services_review import tm_count_use
from translations.terms import apply_pass, glossary_for_language

BATCH_CACHE_SECONDS = 3 * 24 * 3600
# Memory examples handed to the engine with one batch, at most.
MAX_EXAMPLES = 8


def batches(
    segments: list[dict[str, Any]], *, max_segments: int, max_chars: int
) -> list[list[dict[str, Any]]]:
    """Consecutive runs of segments, each within both limits (a long segment goes alone)."""
    result: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    size = 0
    for segment in segments:
        length = len(segment["text"])
        if current and (len(current) >= max_segments or size + length > max_chars):
            result.append(current)
            current, size = [], 0
        current.append(segment)
        size += length
    if current:
        result.append(current)
    return result


def _batch_key(job: Job, engine: str, language: str, batch, glossary) -> str:
    digest = hashlib.sha256(
        json.dumps([engine, language, batch, glossary], ensure_ascii=False).encode()
    ).hexdigest()
    return f"translations:batch:{job.pk}:{digest}"


def translation_run(job: Job) -> dict[str, Any]:
    """Body of translations.tasks.translate; raises PermanentError with a plain message."""
    transcription = (
        Transcription.objects.select_related("final_version", "audio_file")
        .filter(pk=job.target_id)
        .first()
    )
    if transcription is None:
        raise PermanentError("The transcript of this job no longer exists.")
    code = job.params.get("language", "")
    try:
        language = target_language(code)
        source = translation_source(transcription)
    except ValidationError as exc:
        raise PermanentError(" ".join(exc.messages)) from exc
    # Every English segment, blank ones too: all versions of a document have the same
    # segments, which is what lets the review editor merge and realign.
    segments = source_segments(source)
    if not any(s["text"] for s in segments):
        raise PermanentError(f"The English final version ({source.version_type}) has no text.")
    engine = get_chat_engine()
    name = language_name(code)
    existing = transcription.translations.filter(language_code=code).first()
    if (
        existing is not None
        and existing.source_version_id == source.pk
        and not (translation_has_placeholders(existing) and not engine.is_offline)
    ):
        return {"language": code, "skipped": f"already translated from {source.version_type}"}
    machine_runs = 1 + (existing.versions.filter(origin="machine").count() if existing else 0)
    label = f"T-{machine_runs}-{code}" if existing else f"T-1-{code}"

    job_progress(job=job, percent=2, message="Reading the English final…")
    # "Re-translate changed segments": only segments whose English changed (or that are
    # new) are sent; every other segment of the latest text is kept as it is.
    kept = _kept_segments(existing) if job.params.get("only_changed") and existing else {}
    # Reviewed translations of the same English (the translation memory) need no engine.
    memory = exact_matches(
        [s["text"] for s in segments], target_language=code, source_language="en"
    )
    reused = {segments[i]["id"]: m for i, m in memory.items() if segments[i]["id"] not in kept}
    todo = [s for s in segments if s["id"] not in kept and s["id"] not in reused]
    ids = [s["id"] for s in todo]
    # Each segment's speaker row: a speaker's own dictionary terms apply to their segments.
    speaker_rows = dict(transcription.speakers.values_list("label", "pk"))
    speakers = [speaker_rows.get(s["speaker"]) for s in todo]
    # The English is sent as it is in the final: an English glossary correction the final
    # lacks would make the translation say something the English does not.
    glossary = glossary_for_language(code)

    parts = batches(
        todo,
        max_segments=settings.TRANSLATION_BATCH_SEGMENTS,
        max_chars=settings.TRANSLATION_BATCH_CHARS,
    )
    # Reviewed translations of similar English (the memory's fuzzy matches) go to the
    # engine as examples, with the batch that has the segment.
    similar = (
        {
            todo[i]["id"]: (hits[0].source_text, hits[0].target_text)
            for i, hits in document_matches(
                [s["text"] for s in todo], target_language=code, source_language="en"
            ).items()
            if hits[0].score < 100
        }
        if parts
        else {}
    )
    translated = (
        _translate_batches(
            job, engine, code, name, parts, glossary, language.caption_chars_per_second, similar
        )
        if parts
        else {}
    )

    job_progress(job=job, percent=92, message=f"Applying the {name} glossary…")
    target = apply_pass(
        [translated[i].strip() for i in ids],
        language_code=code,
        label=label,
        segment_ids=ids,
        segment_speakers=speakers,
    )
    new_text = dict(zip(ids, target.texts, strict=True))
    # Timestamps come from the English segment: a translation is read against the
    # same audio and subtitles keep the lecture's timing. An offline engine's text is a
    # labelled stand-in, marked so that it is shown as a draft and never finalized; a
    # memory match is a reviewed translation, whichever engine runs.
    output = []
    for s in segments:
        if s["id"] in kept:
            output.append({**kept[s["id"]], "start": s["start"], "end": s["end"]})
            continue
        match = reused.get(s["id"])
        text = match.target_text if match else new_text[s["id"]]
        output.append(
            {
                "id": s["id"],
                "start": s["start"],
                "end": s["end"],
                "text": text,
                # The English segment's speaker: translations carry the transcript's speakers.
                "speaker": s["speaker"],
                **(
                    {PLACEHOLDER_KEY: True}
                    if engine.is_offline and match is None and text.strip()
                    else {}
                ),
                # A re-translated segment (its English changed) asks for another look.
                "state": NEEDS_REVIEW if kept else MACHINE,
                **({"tm": match.entry_id} if match else {}),
            }
        )
    corrections = target.corrections
    job_progress(job=job, percent=97, message="Saving the translation…")
    stored = translation_store_machine_text(
        transcription=transcription,
        language_code=code,
        source=source,
        segments=output,
        corrections=corrections,
        engine=engine.name,
        user=job.created_by or _system_user(),
        record_usage=_record_usage,
    )
    tm_count_use([m.entry_id for m in reused.values()])
    if stored.skipped:
        return {"language": code, "skipped": f"already translated from {source.version_type}"}
    return {
        "language": code,
        "label": stored.label,
        "translation_id": str(stored.translation.pk),
        "segments": len(output),
        "sent": len(todo),
        "from_memory": len(reused),
        "kept": len(kept),
        "batches": len(parts),
        "corrections": len(corrections),
        "engine": engine.name,
        "language_name": language.name,
    }


def _kept_segments(translation) -> dict[int, dict[str, Any]]:
    """The latest text's segments whose English did not change since it was made, by id."""
    changed = translation_changed_english(translation)
    latest = translation_latest(translation)
    return {
        int(seg.get("id", i)): seg
        for i, seg in enumerate(document_segments(latest.json_with_timestamps, latest.text))
        if int(seg.get("id", i)) not in changed
    }


def _translate_batches(
    job, engine, code, name, parts, glossary, cps, similar=None
) -> dict[int, str]:
    """All batches, up to TRANSLATION_PARALLELISM at a time; progress as each one lands.

    Only the vendor calls run in threads: the cache is the only shared state they touch,
    and progress (a database write that also notices Cancel) is reported from this thread.
    A failure stops the batches not yet started; those already running finish and are
    cached, so a retry of the job starts after them.
    """
    translated: dict[int, str] = {}
    pending = []
    for batch in parts:
        # Each segment's voice-over budget: the engine is asked to stay within it.
        request = [
            {
                "id": s["id"],
                "text": s["text"],
                **(
                    {"max_chars": budget}
                    if (budget := segment_budget(s, cps)) is not None and s["text"].strip()
                    else {}
                ),
            }
            for s in batch
        ]
        terms = glossary.for_batch(s["text"] for s in batch)
        examples = list(
            dict.fromkeys(similar[s["id"]] for s in batch if s["id"] in (similar or {}))
        )[:MAX_EXAMPLES]
        key = _batch_key(job, engine.name, code, request, [terms, examples])
        done = cache.get(key)
        if done is None:
            pending.append((key, request, terms, examples))
        else:
            translated.update({int(k): v for k, v in done.items()})
    finished = len(parts) - len(pending)

    def report() -> None:
        job_progress(
            job=job,
            percent=5 + 85 * finished / len(parts),
            message=f"Translating into {name}: {finished} of {len(parts)} batches done…",
        )

    def work(item) -> dict[int, str]:
        key, request, terms, examples = item
        done = engine.translate_segments(
            segments=request,
            source_language="en",
            target_language=code,
            glossary=terms,
            examples=examples,
        )
        cache.set(key, {str(k): v for k, v in done.items()}, BATCH_CACHE_SECONDS)
        return done

    report()
    workers = max(1, min(settings.TRANSLATION_PARALLELISM, len(pending) or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="translate") as pool:
        futures = [pool.submit(work, item) for item in pending]
        try:
            for future in as_completed(futures):
                translated.update(future.result())
                finished += 1
                report()
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return translated


def _record_usage(corrections: list[dict[str, Any]]) -> None:
    glossary_services.glossary_record_usage(corrections=corrections)


def _system_user():
    from accounts.models import User

    return User.objects.system_user()
