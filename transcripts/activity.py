"""Transcripts on the activity page (see accounts/activity.py): "Erin Editor saved H-4 of
lecture.wav — 3 segments changed"."""

from django.utils.html import format_html

from accounts.activity import Subject, plural, register_action, register_subjects
from documents.labels import engine_label
from transcripts.models import Speaker, Transcription


def _transcripts(ids):
    return {
        t.pk: Subject(t.audio_file.file_name, t.get_absolute_url())
        for t in Transcription.objects.filter(pk__in=ids)
        .select_related("audio_file")
        .only("id", "audio_file__id", "audio_file__file_name")
    }


def saved_version(entry, subject, cache):
    d = entry.details
    tail = []
    if d.get("segments_changed") is not None:
        tail.append(plural(d["segments_changed"], "segment") + " changed")
    elif d.get("changes") is not None:
        tail.append(plural(d["changes"], "change"))
    if d.get("merged_over"):
        tail.append(f"merged with {d['merged_over']}, saved meanwhile by someone else")
    sentence = format_html("saved {} of {}", d.get("version") or "a version", subject)
    return format_html("{} — {}", sentence, "; ".join(tail)) if tail else sentence


def restored_version(entry, subject, cache):
    d = entry.details
    if "version" not in d:
        # The same code is written when an archived document is restored (set_archived).
        return format_html("restored the archived {}", subject)
    return format_html(
        "restored {} of {} as the new version {}",
        d.get("restored") or "an earlier version",
        subject,
        d.get("version") or "",
    )


def kept_machine_text(entry, subject, cache):
    d = entry.details
    return format_html(
        "accepted the machine text {} of {} unchanged, as the human version {}",
        d.get("finalized") or d.get("previous") or "",
        subject,
        d.get("version") or "",
    )


def finalized_version(entry, subject, cache):
    d = entry.details
    version = d.get("version") or "a version"
    sentence = format_html("made {} the final version of {}", version, subject)
    # "finalize" is the plain case, said by the sentence already; others say why.
    if d.get("reason") and d["reason"] != "finalize":
        return format_html("{} ({})", sentence, d["reason"])
    return sentence


def _created(entry, subject, cache):
    source = entry.details.get("source")
    by = "Sonix" if source == "sonix" else "speech recognition"
    return format_html("received the machine transcript T-1 of {} from {}", subject, by)


def _started(entry, subject, cache):
    d = entry.details
    verb = "started re-transcribing" if d.get("replaces") else "started transcribing"
    engine = engine_label(d.get("engine"), d.get("model"))
    if engine:
        return format_html("{} {} with {}", verb, subject, engine)
    return format_html("{} {}", verb, subject)


def _archived(entry, subject, cache):
    return format_html("archived the transcript of {} (with all its versions)", subject)


register_subjects("transcripts.Transcription", _transcripts)


def _speakers(ids):
    """A speaker reads as their name and the transcript they speak in."""
    return {
        s.pk: Subject(
            f"{s.name} in {s.transcription.audio_file.file_name}",
            s.transcription.get_absolute_url(),
        )
        for s in Speaker.objects.filter(pk__in=ids).select_related("transcription__audio_file")
    }


register_subjects("transcripts.Speaker", _speakers)
register_action("transcription.create", "Machine transcript made", _created)
register_action("transcription.start", "Started a transcription", _started)
register_action("transcription.edit", "Saved a transcript version", saved_version)
register_action("transcription.restore", "Restored a transcript version", restored_version)
register_action(
    "transcription.keep_machine_text", "Accepted a machine transcript as is", kept_machine_text
)
register_action("transcription.finalize", "Finalized a transcript", finalized_version)
register_action("transcription.archive", "Archived a transcript", _archived)
