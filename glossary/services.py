"""The dictionary: entries and their application to text. Every write goes through here."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.services import activity_record
from glossary.models import DictionaryEntry


def _clean_term(value: str, label: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise ValidationError({label: "This term is empty."})
    if not any(ch.isalnum() for ch in value):
        raise ValidationError({label: "A term needs at least one letter or digit."})
    return value


def entry_create(
    *,
    user,
    term_original: str,
    term_corrected: str,
    language_code: str = "en",
    context: str | None = None,
) -> DictionaryEntry:
    term_original = _clean_term(term_original, "term_original")
    term_corrected = _clean_term(term_corrected, "term_corrected")
    try:
        with transaction.atomic():
            entry = DictionaryEntry.objects.create(
                term_original=term_original,
                term_corrected=term_corrected,
                language_code=language_code,
                context=context or None,
                created_by=user,
            )
            activity_record(
                actor=user,
                action="dictionary.create",
                target=entry,
                details={"term_original": term_original, "term_corrected": term_corrected},
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"term_original": f"“{term_original}” is already in the {language_code} dictionary."}
        ) from exc
    return entry


def entry_update(
    *,
    entry: DictionaryEntry,
    user,
    term_original: str,
    term_corrected: str,
    language_code: str,
    context: str | None = None,
) -> DictionaryEntry:
    term_original = _clean_term(term_original, "term_original")
    term_corrected = _clean_term(term_corrected, "term_corrected")
    try:
        with transaction.atomic():
            entry = DictionaryEntry.objects.select_for_update().get(pk=entry.pk)
            before = {
                "term_original": entry.term_original,
                "term_corrected": entry.term_corrected,
                "language_code": entry.language_code,
                "context": entry.context,
            }
            entry.term_original = term_original
            entry.term_corrected = term_corrected
            entry.language_code = language_code
            entry.context = context or None
            entry.save()
            activity_record(
                actor=user, action="dictionary.update", target=entry, details={"before": before}
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"term_original": f"“{term_original}” is already in the {language_code} dictionary."}
        ) from exc
    return entry
