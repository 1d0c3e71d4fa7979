"""Recordings on the activity page (see accounts/activity.py)."""

from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html

from accounts.activity import Subject, register_action, register_subjects, simple
from media_files.models import AudioFile
from media_files.templatetags.media_tags import hms


def _recordings(ids):
    return {
        a.pk: Subject(a.file_name, a.get_absolute_url())
        for a in AudioFile.objects.filter(pk__in=ids).only("id", "file_name")
    }


def _uploaded(entry, subject, cache):
    facts = []
    if entry.details.get("duration_seconds") is not None:
        facts.append(hms(entry.details["duration_seconds"]))
    if entry.details.get("file_size_bytes"):
        facts.append(filesizeformat(entry.details["file_size_bytes"]))
    if facts:
        return format_html("uploaded {} ({})", subject, ", ".join(facts))
    return format_html("uploaded {}", subject)


def _sonix_imported(entry, subject, cache):
    status = entry.details.get("sonix_status") or "unknown"
    return format_html("imported {} from Sonix (Sonix status: {})", subject, status)


def _sonix_status(entry, subject, cache):
    return format_html(
        "noted that Sonix moved {} from “{}” to “{}”",
        subject,
        entry.details.get("from") or "unknown",
        entry.details.get("to") or "unknown",
    )


register_subjects("media_files.AudioFile", _recordings)
register_action("audio_file.upload", "Uploaded a recording", _uploaded)
register_action("audio_file.sonix_import", "Imported a recording from Sonix", _sonix_imported)
register_action("audio_file.sonix_status", "Sonix status changed", _sonix_status)
register_action("audiofile.archive", "Archived a recording", simple("archived {subject}"))
register_action("audiofile.restore", "Restored a recording", simple("restored {subject}"))


def _renamed(entry, subject, cache):
    return format_html("renamed the recording “{}” to {}", entry.details.get("before"), subject)


register_action("audio_file.rename", "Renamed a recording", _renamed)
