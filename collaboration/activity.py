"""Review and collaboration on the activity page: "Alma Approver approved H-3 of lecture.wav",
"Erin Editor commented on segment 4 of lecture.wav: “Which tooth?”". The documents are
named by their own apps (transcripts, translations)."""

from django.utils.html import format_html

from accounts.activity import register_action


def _with_note(sentence, note):
    return format_html("{} — “{}”", sentence, note) if note else sentence


def requested(entry, subject, cache):
    d = entry.details
    sentence = format_html(
        "asked for approval of {} of {}", d.get("version") or "a version", subject
    )
    if d.get("replaces"):
        # The newer request replaced the open one (services.approval_request).
        sentence = format_html("{} (instead of {})", sentence, d["replaces"])
    return _with_note(sentence, d.get("note"))


def approved(entry, subject, cache):
    d = entry.details
    sentence = format_html("approved {} of {}", d.get("version") or "a version", subject)
    return _with_note(sentence, d.get("note"))


def rejected(entry, subject, cache):
    d = entry.details
    sentence = format_html("rejected {} of {}", d.get("version") or "a version", subject)
    return _with_note(sentence, d.get("note"))


def took_over(entry, subject, cache):
    return format_html(
        "took over editing {} from {}", subject, entry.details.get("from") or "someone"
    )


def _comment(verb):
    def sentence(entry, subject, cache):
        text = entry.details.get("text")
        base = format_html("{} on {}", verb, subject)
        return format_html("{}: “{}”", base, text) if text else base

    return sentence


def _thread(verb):
    def sentence(entry, subject, cache):
        return format_html("{} a comment thread on {}", verb, subject)

    return sentence


for prefix, noun in (("transcription", "transcript"), ("translation", "translation")):
    register_action(f"{prefix}.approval_requested", f"Asked for approval of a {noun}", requested)
    register_action(f"{prefix}.approved", f"Approved a {noun} version", approved)
    register_action(f"{prefix}.rejected", f"Rejected a {noun} version", rejected)
    register_action(f"{prefix}.lock_taken_over", f"Took over editing a {noun}", took_over)
register_action("comment.add", "Commented", _comment("commented"))
register_action("comment.reply", "Replied to a comment", _comment("replied to a comment"))
register_action("comment.resolve", "Resolved a comment", _thread("resolved"))
register_action("comment.reopen", "Reopened a comment", _thread("reopened"))
