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

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from accounts.services import activity_record
from documents.document import VersionedDocument
from documents.realign import PLACEHOLDER_KEY
from documents.selectors import document_snapshot, version_content
from documents.services import version_append
from documents.text import document_segments, split_lines
from integrations.errors import PermanentError
from integrations.llm import get_chat_engine
from jobs import services as job_services
from jobs.models import Job
from languages.models import Language
from projects.models import Project
from transcripts.models import Transcription, TranscriptionVersion
from transcripts.services import transcript_default_speaker
from translations.models import Translation, TranslationVersion, VoiceOver
from translations.selectors import (
    TRANSLATE_KIND,
    human_label,
    placeholder_message,
    placeholder_segments,
    source_segments,
    target_language,
    translation_latest,
    translation_source,
    translation_text,
)

TRANSLATE_TASK = "translations.tasks.translate"
VOICEOVER_KIND = "voiceover"
VOICEOVER_TASK = "translations.tasks.voiceover"


# --- reading ------------------------------------------------------------------------------


# --- starting translate jobs --------------------------------------------------------------


@dataclass
class StartResult:
    started: list[Job] = field(default_factory=list)
    running: list[Job] = field(default_factory=list)
    up_to_date: list[Translation] = field(default_factory=list)
    # Offline drafts that only a configured engine can replace (none is configured).
    needs_engine: list[Translation] = field(default_factory=list)


def _engine_is_offline() -> bool:
    try:
        return get_chat_engine().is_offline
    except (ValueError, PermanentError):
        return False  # misconfigured: the job fails with the configuration message


def translation_has_placeholders(translation: Translation) -> bool:
    """Whether the latest text of a translation still has offline stand-in segments."""
    latest = translation_latest(translation)
    return bool(
        placeholder_segments(
            data=latest.json_with_timestamps,
            text=latest.text,
            language_code=translation.language_code,
        )
    )


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
                # Translated from this English already, unless it is an offline draft that
                # a configured engine can now replace.
                if not translation_has_placeholders(current):
                    result.up_to_date.append(current)
                    continue
                if _engine_is_offline():
                    result.needs_engine.append(current)
                    continue
            active = _active_translate_job(transcription, language.code)
            if active is not None:
                result.running.append(active)
                continue
            result.started.append(_queue_translate_job(transcription, language.code, user))
        if result.started:
            activity_record(
                user=user,
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
    return job_services.job_create(
        kind=TRANSLATE_KIND,
        task_name=TRANSLATE_TASK,
        target=transcription,
        user=user,
        params={"language": code},
        per_params=True,
    )


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
        if (
            translation is not None
            and translation.source_version_id == source.pk
            and not translation_has_placeholders(translation)
        ):
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
            version = version_append(
                doc=TRANSLATION_DOCUMENT,
                parent=translation,
                user=user,
                previous=document_snapshot(
                    doc=TRANSLATION_DOCUMENT, parent=translation, with_json=False
                ),
                texts=split_lines(text),
                data=data,
                origin=TranslationVersion.Origin.MACHINE,
                label=label,
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
            user=user,
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
            {
                "id": s["id"],
                "start": s["start"],
                "end": s["end"],
                "text": s["text"],
                **({"speaker": s["speaker"]} if s.get("speaker") else {}),
                **({PLACEHOLDER_KEY: True} if s.get(PLACEHOLDER_KEY) else {}),
                # Review state (DESIGN.md "Translation review"), the memory entry reused,
                # and the timed words of a segment kept from the previous text.
                "state": s.get("state") or "machine",
                **({"tm": s["tm"]} if s.get("tm") else {}),
                **({"words": s["words"]} if s.get("words") else {}),
            }
            for s in segments
        ],
        # The speakers' names as the English version had them (same ids, same speakers).
        **(
            {"speakers": names}
            if isinstance(names := (version_content(source)[1] or {}).get("speakers"), dict)
            and names
            else {}
        ),
        "metadata": {
            "language": language_code,
            "label": label,
            "engine": engine,
            "source_version_id": str(source.pk),
            "source_label": source.version_type,
            "requested_by": user.get_full_name() if user else "",
        },
    }


# --- offline drafts ------------------------------------------------------------------------


# A segment of at least this many words that reads exactly as its English is not translated
# (shorter ones may rightly be the same: a name, a number, "OK").
UNTRANSLATED_MIN_WORDS = 3


def untranslated_segments(*, translation: Translation, data: dict[str, Any] | None, text: str):
    """Indexes of the segments whose text is still their English source, word for word: an
    offline draft whose label was deleted is the English, not a translation."""
    if translation.source_version is None:
        return []
    english = {seg["id"]: seg["text"] for seg in source_segments(translation.source_version)}

    def words(value: str) -> list[str]:
        return re.findall(r"\w+", value.casefold())

    found = []
    for index, seg in enumerate(document_segments(data, text)):
        source = words(english.get(seg.get("id", index), ""))
        if len(source) >= UNTRANSLATED_MIN_WORDS and words(str(seg.get("text") or "")) == source:
            found.append(index)
    return found


def _finalize_check(translation: Translation, snapshot) -> None:
    """Finalize checks: no placeholder, and no QA error unless a reason was given."""
    from translations.services_review import qa_finalize_check

    _refuse_placeholders(translation, snapshot)
    qa_finalize_check(translation, snapshot)


def _after_save(translation: Translation, version, user) -> None:
    from translations.services_review import translation_after_save

    translation_after_save(translation, version, user)


def _refuse_placeholders(translation: Translation, snapshot) -> None:
    """Finalize check: nothing that is not a real translation is ever made final."""
    drafts = placeholder_segments(
        data=snapshot.json, text=snapshot.text, language_code=translation.language_code
    )
    english = untranslated_segments(translation=translation, data=snapshot.json, text=snapshot.text)
    if english and not drafts:
        raise ValidationError(
            f"{snapshot.label} cannot be finalized: {len(english)} of {len(snapshot.texts)} "
            "segments still read exactly as the English (segment "
            + ", ".join(str(i + 1) for i in english[:10])
            + (", …" if len(english) > 10 else "")
            + "). Replace them with the translation and save, or configure a translation "
            "engine and re-translate."
        )
    if drafts:
        raise ValidationError(
            f"{snapshot.label} cannot be finalized: "
            + placeholder_message(
                count=len(drafts),
                total=len(snapshot.texts),
                language_code=translation.language_code,
            )
        )


# --- finalize ----------------------------------------------------------------------------


def _with_relations(translation: Translation) -> Translation:
    """The labels and the audit trail read the English source and the project."""
    if "source_version" in translation._state.fields_cache and (
        "transcription" in translation._state.fields_cache
    ):
        return translation
    return Translation.objects.select_related("source_version", "transcription__audio_file").get(
        pk=translation.pk
    )


TRANSLATION_DOCUMENT = VersionedDocument(
    kind="translation",
    version_model=TranslationVersion,
    parent_field="translation",
    base_text=lambda t: t.translated_text,
    base_json=lambda t: t.json_with_timestamps,
    base_label=lambda t: t.machine_label,
    version_label=lambda t, number: human_label(t),
    project_id=lambda t: t.transcription.audio_file.project_id,
    language_code=lambda t: t.language_code,
    activity_prefix="translation",
    # A reviewed text is handed to voice-over only when someone finalizes it again.
    edits_after_final_become_final=False,
    # The generic origins ("edit", "restore", "finalize") are TranslationVersion.Origin values.
    version_fields=lambda origin: {"origin": origin},
    finalize_check=_finalize_check,
    # A human edit makes the segments it changed `reviewed` (and feeds the memory).
    after_save=_after_save,
    default_speaker=lambda t: transcript_default_speaker(t.transcription),
)


# --- voice-over --------------------------------------------------------------------------


def voiceover_start(*, translation: Translation, user: User) -> Job:
    """Queue the ElevenLabs read-out of the translation's final version."""
    from django.conf import settings

    if not settings.ELEVENLABS_API_KEY:
        raise ValidationError(
            "Voice-over is not set up: an administrator needs to set ELEVENLABS_API_KEY "
            "(and optionally ELEVENLABS_VOICE_ID) in the server settings."
        )
    final = translation.final_version
    if final is None:
        raise ValidationError("Finalize this translation before sending it to voice-over.")
    if (
        final.approved_at is None
        and Project.objects.filter(
            pk=translation.transcription.audio_file.project_id, requires_approval=True
        ).exists()
    ):
        raise ValidationError(
            f"This project requires approval: {final.version_type} is not approved, so it is "
            "not read aloud yet."
        )
    final_text, final_json = version_content(final)  # rebuilt if no longer the newest
    drafts = placeholder_segments(
        data=final_json,
        text=final_text,
        language_code=translation.language_code,
    )
    if drafts:
        # Finalized before offline drafts were refused: never read a placeholder aloud.
        raise ValidationError(
            f"{final.version_type} is not ready for voice-over: "
            + placeholder_message(
                count=len(drafts),
                total=len(split_lines(final_text)),
                language_code=translation.language_code,
            )
        )
    return job_services.job_create(
        kind=VOICEOVER_KIND,
        task_name=VOICEOVER_TASK,
        target=translation,
        user=user,
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
            user=user,
            action="translation.voiceover",
            target=translation,
            project_id=translation.transcription.audio_file.project_id,
            details={"version": version.version_type, "file": file_path},
        )
    return voiceover
