"""Glossary entries on the activity page (see accounts/activity.py)."""

from django.urls import reverse
from django.utils.html import format_html

from accounts.activity import Subject, register_action, register_subjects, simple
from glossary.models import DictionaryEntry


def _entries(ids):
    return {
        e.pk: Subject(
            f"“{e.term_original}” → “{e.term_corrected}” ({e.language_code})",
            reverse("glossary:edit", args=[e.pk]),
        )
        for e in DictionaryEntry.objects.filter(pk__in=ids).only(
            "id", "term_original", "term_corrected", "language_code"
        )
    }


def _source(entry) -> str:
    source = entry.details.get("import")
    return f" (imported from {source})" if source else ""


def _created(entry, subject, cache):
    return format_html("added {} to the glossary{}", subject, _source(entry))


def _updated(entry, subject, cache):
    before = entry.details.get("before") or {}
    if before.get("term_original") and before.get("term_corrected"):
        return format_html(
            "changed the glossary entry “{}” → “{}” to {}{}",
            before["term_original"],
            before["term_corrected"],
            subject,
            _source(entry),
        )
    return format_html("changed the glossary entry {}{}", subject, _source(entry))


register_subjects("glossary.DictionaryEntry", _entries)
register_action("dictionary.create", "Added a glossary entry", _created)
register_action("dictionary.update", "Changed a glossary entry", _updated)
register_action(
    "dictionaryentry.archive",
    "Archived a glossary entry",
    simple("archived the glossary entry {subject}"),
)
register_action(
    "dictionaryentry.restore",
    "Restored a glossary entry",
    simple("restored the glossary entry {subject}"),
)


def _applied(entry, subject, cache):
    d = entry.details or {}
    segments = d.get("segments", 0)
    return format_html(
        "applied glossary terms to {} as {} ({} segment{}; {})",
        subject,
        d.get("version", "a new version"),
        segments,
        "" if segments == 1 else "s",
        d.get("reason") or "; ".join(d.get("terms") or []),
    )


register_action("dictionary.apply", "Applied glossary terms to a document", _applied)
