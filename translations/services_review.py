"""Review writes: segment states, the translation memory, re-translating changed segments,
finalizing over QA errors with a reason (DESIGN.md "Translation review").

States live in the translation version's JSON (`"state"` per segment: `machine`,
`needs_review`, `reviewed`; none means `machine`), so history keeps them. A human edit makes
a segment `reviewed` (TRANSLATION_DOCUMENT's after_save), a glossary entry applied to it
`needs_review` (`unreviewed_edit`); "Mark reviewed" is a new version
whose texts are unchanged. Every reviewed segment goes into the translation memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from accounts.services import activity_record
from documents.selectors import document_snapshot
from documents.services import version_append
from documents.text import split_lines
from jobs import services as job_services
from jobs.models import Job
from translations.memory import TM_MAX_CHARS, TmxUnit, normalise, source_hash
from translations.models import Translation, TranslationMemory, TranslationVersion
from translations.selectors import (
    TRANSLATE_KIND,
    source_segments,
    translation_changed_english,
)

MACHINE = "machine"
NEEDS_REVIEW = "needs_review"
REVIEWED = "reviewed"
STATES = (MACHINE, NEEDS_REVIEW, REVIEWED)

# Set while a save is no human's review (a glossary entry applied to existing
# translations): the segments it changes need review, and none goes into the memory.
_unreviewed_edit: ContextVar[bool] = ContextVar("translations_unreviewed_edit", default=False)


@contextmanager
def unreviewed_edit() -> Iterator[None]:
    """Saves inside mark the segments they change `needs_review` instead of `reviewed`."""
    token = _unreviewed_edit.set(True)
    try:
        yield
    finally:
        _unreviewed_edit.reset(token)


def _doc():
    from translations.services import TRANSLATION_DOCUMENT

    return TRANSLATION_DOCUMENT


# --- states --------------------------------------------------------------------------------


def _set_states(version: TranslationVersion, states: dict[int, str]) -> None:
    """Set `"state"` of some segments (by position) in a version's stored JSON."""
    if not states:
        return
    table = connection.ops.quote_name(TranslationVersion._meta.db_table)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET json_with_timestamps = jsonb_set(json_with_timestamps, "
                "'{segments}', (SELECT jsonb_agg(CASE WHEN r.value IS NULL THEN e.value "
                "ELSE e.value || jsonb_build_object('state', r.value) END ORDER BY e.ord) "
                "FROM jsonb_array_elements(json_with_timestamps -> 'segments') "
                "WITH ORDINALITY AS e(value, ord) "
                "LEFT JOIN jsonb_each_text(%s::jsonb) AS r ON r.key::int = e.ord - 1)) "
                "WHERE id = %s AND jsonb_typeof(json_with_timestamps -> 'segments') = 'array'",
                [json.dumps({str(i): s for i, s in states.items()}), version.pk],
            )
        version.__dict__.pop("json_with_timestamps", None)
        return
    version.refresh_from_db(fields=["json_with_timestamps"])
    data = version.json_with_timestamps
    if not isinstance(data, dict) or not isinstance(data.get("segments"), list):
        return
    for i, state in states.items():
        if 0 <= i < len(data["segments"]):
            data["segments"][i]["state"] = state
    TranslationVersion.objects.filter(pk=version.pk).update(json_with_timestamps=data)


def _segment_ids(version: TranslationVersion, indexes: list[int]) -> dict[int, int]:
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(TranslationVersion._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT (e.ord - 1)::int, e.value ->> 'id' FROM {table} AS v CROSS JOIN "
                "LATERAL jsonb_array_elements(v.json_with_timestamps -> 'segments') "
                "WITH ORDINALITY AS e(value, ord) WHERE v.id = %s AND (e.ord - 1) = ANY(%s)",
                [version.pk, indexes],
            )
            return {i: int(v) if v is not None else i for i, v in cursor.fetchall()}
    version.refresh_from_db(fields=["json_with_timestamps"])
    segments = (version.json_with_timestamps or {}).get("segments") or []
    return {i: int(segments[i].get("id", i)) for i in indexes if i < len(segments)}


def translation_after_save(translation: Translation, version: TranslationVersion, user) -> None:
    """TRANSLATION_DOCUMENT.after_save: the segments a human edit changed are reviewed, and
    go into the translation memory (inside the save's transaction)."""
    if version.origin != TranslationVersion.Origin.EDIT:
        return  # a restore brings back the states the version had
    previous = document_snapshot(
        doc=_doc(), parent=translation, version_number=version.version_number - 1, with_json=False
    )
    texts = split_lines(version.edited_text)
    changed = [
        i for i, text in enumerate(texts) if i >= len(previous.texts) or previous.texts[i] != text
    ]
    if not changed:
        return
    if _unreviewed_edit.get():
        _set_states(version, dict.fromkeys(changed, NEEDS_REVIEW))
        return
    _set_states(version, dict.fromkeys(changed, REVIEWED))
    ids = _segment_ids(version, changed)
    _memory_record(translation, {ids[i]: texts[i] for i in changed if i in ids}, user)


def translation_mark_reviewed(
    *, translation: Translation, segment_indexes: list[int], user: User
) -> TranslationVersion | None:
    """Mark segments reviewed without changing their text: a new version (history keeps
    states). Segments already reviewed change nothing; none left → no version."""
    doc = _doc()
    with transaction.atomic():
        Translation.objects.select_for_update().filter(pk=translation.pk).first()
        latest = document_snapshot(doc=doc, parent=translation)
        data = latest.json
        if not isinstance(data, dict) or not isinstance(data.get("segments"), list):
            raise ValidationError("This translation has no segments to mark.")
        segments = data["segments"]
        bad = [i for i in segment_indexes if not 0 <= int(i) < len(segments)]
        if bad:
            raise ValidationError(f"There is no segment {int(bad[0]) + 1}.")
        todo = sorted(
            {int(i) for i in segment_indexes if segments[int(i)].get("state") != REVIEWED}
        )
        if not todo:
            return None
        data = {**data, "segments": list(segments)}
        for i in todo:
            data["segments"][i] = {**segments[i], "state": REVIEWED}
        version = version_append(
            doc=doc,
            parent=translation,
            user=user,
            previous=latest,
            texts=latest.texts,
            data=data,
            origin=TranslationVersion.Origin.EDIT,
        )
        _memory_record(
            translation,
            {int(segments[i].get("id", i)): latest.texts[i] for i in todo},
            user,
        )
        activity_record(
            user=user,
            action="translation.mark_reviewed",
            target=translation,
            project_id=doc.project_id(translation),
            details={"version": version.version_type, "segments": len(todo)},
        )
    return version


# --- the translation memory ------------------------------------------------------------------


def _memory_record(translation: Translation, targets: dict[int, str], user) -> int:
    """Store reviewed segments (segment id → target text) against their English."""
    if not targets:
        return 0
    source = translation.source_version
    if source is None:
        return 0
    changed = translation_changed_english(translation) if translation.is_outdated else {}
    english = {seg["id"]: seg["text"] for seg in source_segments(source)}
    pairs = {
        english[sid]: text
        for sid, text in targets.items()
        if sid not in changed and english.get(sid, "").strip() and text.strip()
    }
    return tm_store(
        pairs=list(pairs.items()),
        target_language=translation.language_code,
        user=user,
        translation=translation,
        segments={english[sid]: sid for sid in targets if sid in english},
    )


def tm_store(
    *,
    pairs: list[tuple[str, str]],
    target_language: str,
    user,
    source_language: str = "en",
    translation: Translation | None = None,
    segments: dict[str, int] | None = None,
) -> int:
    """Add or update memory entries (English text, its reviewed translation); the caller's
    transaction holds them. Returns how many were written."""
    rows: dict[str, TranslationMemory] = {}
    for source_text, target_text in pairs:
        source_text = " ".join(str(source_text).split())
        target_text = " ".join(str(target_text).split())
        key = normalise(source_text)
        if not key or not target_text or max(len(source_text), len(target_text)) > TM_MAX_CHARS:
            continue
        rows[source_hash(key)] = TranslationMemory(
            source_text=source_text,
            source_language=source_language,
            target_language=target_language,
            target_text=target_text,
            source_key=key,
            source_hash=source_hash(key),
            translation=translation,
            segment=(segments or {}).get(source_text),
            created_by=user if user is not None and user.is_authenticated else None,
            updated_at=timezone.now(),
        )
    if not rows:
        return 0
    TranslationMemory.objects.bulk_create(
        rows.values(),
        batch_size=2_000,
        update_conflicts=True,
        unique_fields=["source_language", "target_language", "source_hash"],
        update_fields=["source_text", "target_text", "translation", "segment", "updated_at"],
    )
    return len(rows)


def tm_count_use(entry_ids: list[str]) -> None:
    if entry_ids:
        TranslationMemory.objects.filter(pk__in=entry_ids).update(usage_count=F("usage_count") + 1)


def tm_import(*, units: list[TmxUnit], user: User, target_languages: set[str]) -> int:
    """TMX units into the memory (only the languages Max translates into)."""
    by_pair: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for unit in units:
        if unit.target_language in target_languages:
            by_pair.setdefault((unit.source_language, unit.target_language), []).append(
                (unit.source_text, unit.target_text)
            )
    written = 0
    with transaction.atomic():
        for (src, tgt), pairs in by_pair.items():
            written += tm_store(pairs=pairs, target_language=tgt, source_language=src, user=user)
        if user is not None:
            activity_record(
                user=user,
                action="translation.memory_import",
                target=user,
                details={"units": written, "languages": sorted({t for _, t in by_pair})},
            )
    return written


# --- re-translate changed segments ------------------------------------------------------------


def translation_retranslate_changed(*, translation: Translation, user: User) -> Job:
    """Queue a translate job that sends only the segments whose English changed since the
    translation was made; every other segment (human edits included) is kept."""
    translation = Translation.objects.select_related(
        "transcription__final_version", "transcription__audio_file", "source_version"
    ).get(pk=translation.pk)
    if not translation.is_outdated:
        raise ValidationError(
            "This translation is already made from the final English version: nothing changed."
        )
    active = (
        Job.for_target(translation.transcription, TRANSLATE_KIND)
        .filter(status__in=Job.ACTIVE, params__language=translation.language_code)
        .order_by("-created_at")
        .first()
    )
    if active is not None:
        return active
    with transaction.atomic():
        job = job_services.job_create(
            kind=TRANSLATE_KIND,
            task_name="translations.tasks.translate",
            target=translation.transcription,
            user=user,
            params={"language": translation.language_code, "only_changed": True},
            per_params=True,
        )
        activity_record(
            user=user,
            action="translation.retranslate_changed",
            target=translation,
            project_id=translation.transcription.audio_file.project_id,
            details={"segments": len(translation_changed_english(translation))},
        )
    return job


# --- finalize over QA errors --------------------------------------------------------------------


QA_OVERRIDE = "translation.qa_override"


def translation_qa_override(
    *, translation: Translation, version_number: int, reason: str, user: User, errors: int
) -> None:
    """Record why a version with QA errors may be finalized (the audit trail keeps it)."""
    reason = " ".join(str(reason).split())
    if len(reason) < 3:
        raise ValidationError("Give a reason to finalize a translation with QA errors.")
    if len(reason) > 1000:
        raise ValidationError("The reason is too long (1,000 characters at most).")
    activity_record(
        user=user,
        action=QA_OVERRIDE,
        target=translation,
        project_id=translation.transcription.audio_file.project_id,
        details={"version_number": version_number, "reason": reason, "errors": errors},
    )


def qa_override_reason(translation: Translation, version_number: int) -> str | None:
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import Activity

    row = (
        Activity.objects.filter(
            target_type=ContentType.objects.get_for_model(Translation),
            target_id=translation.pk,
            action=QA_OVERRIDE,
            details__version_number=version_number,
        )
        .order_by("-created_at")
        .values_list("details", flat=True)
        .first()
    )
    return row.get("reason") if row else None


def qa_finalize_check(translation: Translation, snapshot: Any) -> None:
    """Finalize check: QA errors refuse finalize unless someone recorded a reason."""
    from translations.selectors_review import qa_issues

    issues = qa_issues(translation, snapshot.json, snapshot.texts)
    errors = sum(1 for seg in issues.values() if any(i.severity == "error" for i in seg))
    if not errors or qa_override_reason(translation, snapshot.number):
        return
    first = sorted(i for i, seg in issues.items() if any(x.severity == "error" for x in seg))
    raise ValidationError(
        f"{snapshot.label} cannot be finalized: {errors} segment{'s' if errors != 1 else ''} "
        "have QA errors (segment "
        + ", ".join(str(i + 1) for i in first[:10])
        + (", …" if len(first) > 10 else "")
        + "). Fix them, or give a reason to finalize anyway in “Finalize despite QA errors, "
        "because” in the Review card (it is kept in the activity log)."
    )
