"""Languages on the activity page (see accounts/activity.py)."""

from django.utils.html import format_html

from accounts.activity import Subject, register_action, register_subjects, simple
from languages.models import Language


def _languages(ids):
    return {
        language.pk: Subject(f"the language {language.name} ({language.code})")
        for language in Language.objects.filter(pk__in=ids)
    }


def _language_updated(entry, subject, cache):
    after = entry.details.get("after") or {}
    if set(after) == {"active"}:
        verb = "offered" if after["active"] else "stopped offering"
        return format_html("{} {} for translation", verb, subject)
    return format_html("changed the {} of {}", ", ".join(sorted(after)) or "details", subject)


register_subjects("languages.Language", _languages)
register_action("language.create", "Added a language", simple("added {subject}"))
register_action("language.update", "Changed a language", _language_updated)
