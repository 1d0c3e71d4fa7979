"""Translations on the activity page (see accounts/activity.py)."""

from django.utils.html import format_html

from accounts.activity import Subject, plural, register_action, register_subjects
from integrations.llm import chat_engine_label
from languages.models import Language
from transcripts.activity import (
    finalized_version,
    kept_machine_text,
    restored_version,
    saved_version,
)
from translations.models import Translation


def _language_names(cache: dict) -> dict[str, str]:
    # Loaded once per page, and only when a sentence needs them.
    if "language_names" not in cache:
        cache["language_names"] = dict(Language.objects.values_list("code", "name"))
    return cache["language_names"]


def _translations(ids):
    names = dict(Language.objects.values_list("code", "name"))
    return {
        t.pk: Subject(
            f"the {names.get(t.language_code, t.language_code)} translation of "
            f"{t.transcription.audio_file.file_name}",
            t.get_absolute_url(),
        )
        for t in Translation.objects.filter(pk__in=ids)
        .select_related("transcription__audio_file")
        .only("id", "language_code", "transcription__id", "transcription__audio_file__file_name")
    }


def _started(entry, subject, cache):
    names = _language_names(cache)
    languages = [names.get(code, code) for code in entry.details.get("languages") or []]
    return format_html(
        "started translating {} of {} into {}",
        entry.details.get("source") or "the final version",
        subject,
        ", ".join(languages) or "no language",
    )


def _machine(entry, subject, cache):
    d = entry.details
    if d.get("engine") == "offline":
        # Not a translation: the English with a draft label (see translations.services).
        sentence = format_html(
            "received the offline draft {} of {} (the English of {} with a draft label, "
            "not a translation: no translation engine is configured)",
            d.get("label") or "",
            subject,
            d.get("source") or "",
        )
    else:
        sentence = format_html(
            "received the machine translation {} of {}, made from English {} by {}",
            d.get("label") or "",
            subject,
            d.get("source") or "",
            chat_engine_label(d.get("engine") or "") or "an engine",
        )
    if d.get("corrections"):
        return format_html(
            "{} — {} applied", sentence, plural(d["corrections"], "glossary correction")
        )
    return sentence


def _voiceover(entry, subject, cache):
    return format_html(
        "made a voice-over of {} of {}", entry.details.get("version") or "a version", subject
    )


register_subjects("translations.Translation", _translations)
register_action("translation.start", "Started translations", _started)
register_action("translation.machine", "Machine translation made", _machine)
register_action("translation.edit", "Saved a translation version", saved_version)
register_action("translation.restore", "Restored a translation version", restored_version)
register_action(
    "translation.keep_machine_text", "Accepted a machine translation as is", kept_machine_text
)
register_action("translation.finalize", "Finalized a translation", finalized_version)
register_action("translation.voiceover", "Made a voice-over", _voiceover)


def _mark_reviewed(entry, subject, cache):
    d = entry.details
    return format_html(
        "marked {} of {} reviewed ({})",
        plural(d.get("segments") or 0, "segment"),
        subject,
        d.get("version") or "a new version",
    )


def _retranslate_changed(entry, subject, cache):
    return format_html(
        "asked to re-translate the {} of {} whose English changed",
        plural(entry.details.get("segments") or 0, "segment"),
        subject,
    )


def _memory_import(entry, subject, cache):
    d = entry.details
    names = _language_names(cache)
    languages = [names.get(code, code) for code in d.get("languages") or []]
    return format_html(
        "imported {} into the translation memory ({})",
        plural(d.get("units") or 0, "translation unit"),
        ", ".join(languages) or "no language",
    )


def _qa_override(entry, subject, cache):
    d = entry.details
    return format_html(
        "finalized version {} of {} despite QA errors, because: “{}”",
        d.get("version_number") or "?",
        subject,
        d.get("reason") or "",
    )


register_action("translation.mark_reviewed", "Marked segments reviewed", _mark_reviewed)
register_action(
    "translation.retranslate_changed", "Re-translated changed segments", _retranslate_changed
)
register_action("translation.memory_import", "Imported a translation memory", _memory_import)
register_action("translation.qa_override", "Finalized over QA errors", _qa_override)
