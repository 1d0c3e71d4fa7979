"""Translations and their versions. Every write goes through here.

Versions and labels (DESIGN.md "Versions and labels")
-----------------------------------------------------
- The first machine translation lives in the `translations` row itself and is
  labelled `T-1-<lang>`.
- A human save creates `translation_versions` row N+1 (N allocated under a lock on the
  translation row) labelled with the English source label plus the language: `H-2-es`
  when English H-2 was translated, `T-1-es` when the source was the unedited T-1.
- Re-translating after the English final version changed never overwrites anything:
  the new machine text becomes `translation_versions` row N+1 with origin "machine",
  labelled `T-<n>-<lang>` (the n-th machine text of this translation). The row's
  `source_version` moves to the new English version; its `dictionary_corrections_applied`
  keeps every run's corrections, each tagged with the label of the text it belongs to.
- Finalize points `final_version` at the latest version; finalizing a translation that
  has no version yet (only T-1-<lang>) first copies it into version 1 (origin
  "finalize"), because `final_version` points at `translation_versions`.
- A translation is outdated when the English final version is no longer its
  `source_version`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from accounts.services import activity_record
from jobs import services as job_services
from jobs.models import Job
from transcripts.models import Transcription, TranscriptionVersion
from translations.models import Language, Translation, TranslationVersion, VoiceOver

TRANSLATE_KIND = "translate"
TRANSLATE_TASK = "translations.tasks.translate"
VOICEOVER_KIND = "voiceover"
VOICEOVER_TASK = "translations.tasks.voiceover"


# --- reading ------------------------------------------------------------------------------


def target_language(code: str) -> Language:
    """The active target language `code`, or ValidationError saying what is wrong."""
    code = (code or "").strip()
    language = Language.objects.filter(code=code).first()
    if language is None:
        raise ValidationError(f"“{code}” is not a language Max knows.")
    if code == "en":
        raise ValidationError("English is the source language; it is not translated into.")
    if not language.active:
        raise ValidationError(
            f"{language.name} ({code}) is not active: an admin can switch it on under Languages."
        )
    return language


def translation_source(transcription: Transcription) -> TranscriptionVersion:
    """The English text to translate: the transcript's final version."""
    if transcription.archived:
        raise ValidationError("This transcript is archived; restore it before translating.")
    if transcription.final_version_id is None:
        raise ValidationError(
            "This transcript has no final version yet: finalize the English transcript "
            "in the editor before translating it."
        )
    return transcription.final_version


def source_segments(source: TranscriptionVersion) -> list[dict[str, Any]]:
    """The English segments (id, start, end, text) of a transcript version."""
    data = source.json_with_timestamps or source.transcription.json_with_timestamps or {}
    segments = [
        {
            "id": int(seg.get("id", index)),
            "start": seg.get("start"),
            "end": seg.get("end"),
            "text": str(seg.get("text", "")).strip(),
        }
        for index, seg in enumerate(data.get("segments") or [])
    ]
    if not segments and source.edited_text.strip():
        # A version without timings: one segment per line, untimed.
        segments = [
            {"id": i, "start": None, "end": None, "text": line.strip()}
            for i, line in enumerate(source.edited_text.splitlines())
            if line.strip()
        ]
    return segments


def translation_segments(data: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [
        {
            "id": int(seg.get("id", index)),
            "start": seg.get("start"),
            "end": seg.get("end"),
            "text": str(seg.get("text", "")),
        }
        for index, seg in enumerate((data or {}).get("segments") or [])
    ]


@dataclass(frozen=True)
class TranslationLatest:
    text: str
    json_with_timestamps: dict[str, Any]
    version_number: int | None  # None: the machine text T-1-<lang> in the row
    label: str
    version: TranslationVersion | None

    @property
    def segments(self) -> list[dict[str, Any]]:
        return translation_segments(self.json_with_timestamps)


def translation_latest(translation: Translation) -> TranslationLatest:
    version = translation.versions.order_by("-version_number").first()
    if version is None:
        return TranslationLatest(
            translation.translated_text,
            translation.json_with_timestamps or {},
            None,
            translation.machine_label,
            None,
        )
    return TranslationLatest(
        version.edited_text,
        version.json_with_timestamps or translation.json_with_timestamps or {},
        version.version_number,
        version.version_type,
        version,
    )


def human_label(translation: Translation) -> str:
    """The label a human save gets: English source label + language (H-2-es)."""
    return f"{translation.source_label}-{translation.language_code}"


def translation_text(segments: list[dict[str, Any]]) -> str:
    return "\n".join(seg["text"].strip() for seg in segments)


# --- starting translate jobs --------------------------------------------------------------


@dataclass
class StartResult:
    started: list[Job] = field(default_factory=list)
    running: list[Job] = field(default_factory=list)
    up_to_date: list[Translation] = field(default_factory=list)


def _active_translate_job(transcription: Transcription, code: str) -> Job | None:
    return (
        Job.for_target(transcription, TRANSLATE_KIND)
        .filter(status__in=Job.ACTIVE, params__language=code)
        .order_by("-created_at")
        .first()
    )


def translation_start(
    *, transcription: Transcription, language_codes: list[str] | None, user: User
) -> StartResult:
    """Queue one translate job per language (default: every active target language).

    Languages whose translation was made from the current English final version are
    skipped (re-translating them would change nothing); a language with a job already
    queued or running gets no second one. Bad input changes nothing.
    """
    codes = list(dict.fromkeys(language_codes or []))
    with transaction.atomic():
        # Lock the transcript: two clicks on Translate never start two runs per language.
        transcription = Transcription.objects.select_for_update().get(pk=transcription.pk)
        source = translation_source(transcription)
        if codes:
            languages = [target_language(code) for code in codes]
        else:
            languages = list(Language.objects.targets())
            if not languages:
                raise ValidationError("No target language is active.")
        existing = {
            t.language_code: t
            for t in Translation.objects.filter(
                transcription=transcription, language_code__in=[lang.code for lang in languages]
            )
        }
        result = StartResult()
        for language in languages:
            current = existing.get(language.code)
            if current is not None and current.source_version_id == source.pk:
                result.up_to_date.append(current)
                continue
            active = _active_translate_job(transcription, language.code)
            if active is not None:
                result.running.append(active)
                continue
            result.started.append(_queue_translate_job(transcription, language.code, user))
        if result.started:
            activity_record(
                actor=user,
                action="translation.start",
                target=transcription,
                project_id=transcription.audio_file.project_id,
                details={
                    "languages": [j.params["language"] for j in result.started],
                    "source": source.version_type,
                },
            )
    return result


def _queue_translate_job(transcription: Transcription, code: str, user: User) -> Job:
    # job_create() keeps one active job per (target, kind) and would hand back another
    # language's job, so per-language jobs are created here under the transcript lock
    # (taken by the caller) and queued the way job_create queues them.
    job = Job.objects.create(
        kind=TRANSLATE_KIND,
        task_name=TRANSLATE_TASK,
        target_type=ContentType.objects.get_for_model(Transcription),
        target_id=transcription.pk,
        params={"language": code},
        created_by=user,
        message="Waiting for a worker…",
    )
    job_services._enqueue(job)
    return job


def translate_jobs_by_language(transcription: Transcription) -> dict[str, Job]:
    """The newest translate job per language for a transcript."""
    latest: dict[str, Job] = {}
    for job in Job.for_target(transcription, TRANSLATE_KIND).order_by("-created_at")[:200]:
        latest.setdefault(job.params.get("language", ""), job)
    return latest


# --- storing machine text -----------------------------------------------------------------


@dataclass(frozen=True)
class StoredMachineText:
    translation: Translation
    version: TranslationVersion | None  # None when it went into the row (T-1-<lang>)
    label: str
    skipped: bool = False


def translation_store_machine_text(
    *,
    transcription: Transcription,
    language_code: str,
    source: TranscriptionVersion,
    segments: list[dict[str, Any]],
    corrections: list[dict[str, Any]],
    engine: str,
    user: User,
    record_usage=None,
) -> StoredMachineText:
    """Store a finished machine translation in one transaction (nothing half-written).

    The first one fills the `translations` row (T-1-<lang>); a later one (re-translation
    from a newer English version) is appended as a machine version T-<n>-<lang>. A text
    for a source the translation already has is not stored again, so a redelivered job
    never duplicates anything. `record_usage(corrections)` counts dictionary usage inside
    the same transaction.
    """
    # One line per segment, as every version of a document keeps it (the editor splits the
    # text on newlines): a model's line break inside a segment becomes a space.
    segments = [{**seg, "text": " ".join(str(seg["text"]).split())} for seg in segments]
    text = translation_text(segments)
    with transaction.atomic():
        Transcription.objects.select_for_update().filter(pk=transcription.pk).first()
        translation = (
            Translation.objects.select_for_update()
            .filter(transcription=transcription, language_code=language_code)
            .first()
        )
        if translation is not None and translation.source_version_id == source.pk:
            return StoredMachineText(translation, None, "", skipped=True)
        if translation is None:
            label = f"T-1-{language_code}"
            data = _machine_json(segments, language_code, source, engine, label, user)
            translation = Translation.objects.create(
                transcription=transcription,
                language_code=language_code,
                translated_text=text,
                json_with_timestamps=data,
                dictionary_corrections_applied=_label(corrections, label),
                source_version=source,
            )
            version = None
        else:
            machine_runs = (
                1 + translation.versions.filter(origin=TranslationVersion.Origin.MACHINE).count()
            )
            label = f"T-{machine_runs + 1}-{language_code}"
            data = _machine_json(segments, language_code, source, engine, label, user)
            version = _add_version(
                translation=translation,
                label=label,
                text=text,
                data=data,
                user=user,
                origin=TranslationVersion.Origin.MACHINE,
            )
            translation.source_version = source
            translation.dictionary_corrections_applied = [
                *(translation.dictionary_corrections_applied or []),
                *_label(corrections, label),
            ]
            translation.save(
                update_fields=["source_version", "dictionary_corrections_applied", "updated_at"]
            )
        if record_usage is not None:
            record_usage(corrections)
        activity_record(
            actor=user,
            action="translation.machine",
            target=translation,
            project_id=transcription.audio_file.project_id,
            details={
                "label": label,
                "source": source.version_type,
                "engine": engine,
                "corrections": len(corrections),
            },
        )
    return StoredMachineText(translation, version, label)


def _label(corrections: list[dict[str, Any]], label: str) -> list[dict[str, Any]]:
    return [{**c, "version": label} for c in corrections]


def _machine_json(segments, language_code, source, engine, label, user) -> dict[str, Any]:
    return {
        "segments": [
            {"id": s["id"], "start": s["start"], "end": s["end"], "text": s["text"]}
            for s in segments
        ],
        "metadata": {
            "language": language_code,
            "label": label,
            "engine": engine,
            "source_version_id": str(source.pk),
            "source_label": source.version_type,
            "requested_by": user.get_full_name() if user else "",
        },
    }


def _add_version(
    *,
    translation: Translation,
    label: str,
    text: str,
    data: dict[str, Any],
    user: User,
    origin: str,
    diff: str | None = None,
) -> TranslationVersion:
    """Append version N+1; the caller holds the lock on the translation row."""
    previous = translation_latest(translation)
    number = (translation.versions.aggregate(n=Max("version_number"))["n"] or 0) + 1
    return TranslationVersion.objects.create(
        translation=translation,
        version_number=number,
        version_type=label,
        edited_text=text,
        json_with_timestamps=data,
        diff_from_previous=diff if diff is not None else simple_diff(previous.text, text, user),
        edited_by=user,
        origin=origin,
    )


def simple_diff(old: str, new: str, user: User | None) -> str:
    """DESIGN.md's diff_from_previous for versions made outside the editor."""
    import diff_match_patch

    dmp = diff_match_patch.diff_match_patch()
    diffs = dmp.diff_main(old, new)
    dmp.diff_cleanupSemantic(diffs)
    operations, position, index = [], 0, 0
    while index < len(diffs):
        op, chunk = diffs[index]
        if op == 0:
            position += len(chunk)
        elif op == -1 and index + 1 < len(diffs) and diffs[index + 1][0] == 1:
            operations.append(
                {
                    "operation": "replace",
                    "position": position,
                    "old_text": chunk,
                    "new_text": diffs[index + 1][1],
                }
            )
            position += len(chunk)
            index += 1
        elif op == -1:
            operations.append(
                {"operation": "delete", "position": position, "old_text": chunk, "new_text": ""}
            )
            position += len(chunk)
        else:
            operations.append(
                {"operation": "insert", "position": position, "old_text": "", "new_text": chunk}
            )
        index += 1
    return json.dumps(
        {
            "user_id": str(user.pk) if user else None,
            "timestamp": timezone.now().isoformat(),
            "operations": operations,
            "patch": dmp.patch_toText(dmp.patch_make(old, diffs)),
        }
    )


# --- finalize ----------------------------------------------------------------------------


def translation_finalize(*, translation: Translation, user: User) -> TranslationVersion:
    """Mark the latest text final: "ready for voice-over"."""
    with transaction.atomic():
        translation = (
            Translation.objects.select_for_update(of=("self",))
            .select_related("transcription__audio_file", "source_version")
            .get(pk=translation.pk)
        )
        latest = translation_latest(translation)
        version = latest.version
        if version is None:
            version = _add_version(
                translation=translation,
                label=human_label(translation),
                text=translation.translated_text,
                data=translation.json_with_timestamps or {},
                user=user,
                origin=TranslationVersion.Origin.FINALIZE,
            )
        if translation.final_version_id != version.pk:
            translation.final_version = version
            translation.save(update_fields=["final_version", "updated_at"])
            activity_record(
                actor=user,
                action="translation.finalize",
                target=translation,
                project_id=translation.transcription.audio_file.project_id,
                details={"version": version.version_type, "number": version.version_number},
            )
    return version


# --- voice-over --------------------------------------------------------------------------


def voiceover_start(*, translation: Translation, user: User) -> Job:
    """Queue the ElevenLabs read-out of the translation's final version."""
    from django.conf import settings

    if not settings.ELEVENLABS_API_KEY:
        raise ValidationError(
            "Voice-over is not set up: an administrator needs to set ELEVENLABS_API_KEY "
            "(and optionally ELEVENLABS_VOICE_ID) in the server settings."
        )
    if translation.final_version_id is None:
        raise ValidationError("Finalize this translation before sending it to voice-over.")
    return job_services.job_create(
        kind=VOICEOVER_KIND,
        task_name=VOICEOVER_TASK,
        target=translation,
        created_by=user,
        params={"version_id": str(translation.final_version_id)},
    )


def voiceover_store(
    *,
    translation: Translation,
    version: TranslationVersion,
    file_path: str,
    file_size_bytes: int,
    engine: str,
    voice_id: str,
    model_id: str,
    user: User,
) -> VoiceOver:
    with transaction.atomic():
        voiceover = VoiceOver.objects.create(
            translation=translation,
            version=version,
            file_path=file_path,
            file_size_bytes=file_size_bytes,
            engine=engine,
            voice_id=voice_id,
            model_id=model_id,
            created_by=user,
        )
        activity_record(
            actor=user,
            action="translation.voiceover",
            target=translation,
            project_id=translation.transcription.audio_file.project_id,
            details={"version": version.version_type, "file": file_path},
        )
    return voiceover
