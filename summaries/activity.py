"""Summaries and prompt templates on the activity page (see accounts/activity.py)."""

from django.urls import reverse
from django.utils.html import format_html

from accounts.activity import Subject, plural, register_action, register_subjects
from summaries.models import GeneratedSummary, PromptTemplate

_TYPE_LABELS = dict(GeneratedSummary.SummaryType.choices)


def _summaries(ids):
    return {
        s.pk: Subject(
            f"the {s.get_summary_type_display()} text of {s.transcription.audio_file.file_name}",
            s.get_absolute_url(),
        )
        for s in GeneratedSummary.objects.filter(pk__in=ids)
        .select_related("transcription__audio_file")
        .only("id", "summary_type", "transcription__id", "transcription__audio_file__file_name")
    }


def _templates(ids):
    return {
        t.pk: Subject(
            f"the prompt template “{t.template_name}”",
            reverse("summaries:template_edit", args=[t.pk]),
        )
        for t in PromptTemplate.objects.filter(pk__in=ids).only("id", "template_name")
    }


def _requested(entry, subject, cache):
    types = [_TYPE_LABELS.get(t, t) for t in entry.details.get("summary_types") or []]
    return format_html("asked for {} texts of {}", ", ".join(types) or "summary", subject)


def _generated(verb):
    def sentence(entry, subject, cache):
        d = entry.details
        if d.get("engine") == "offline":
            return format_html(
                "{} {} (an offline stand-in, not a summary: no language model is configured)",
                verb,
                subject,
            )
        template = d.get("prompt_template")
        if template and d.get("prompt_version_number"):
            return format_html(
                "{} {} (AI draft from “{}” v{})",
                verb,
                subject,
                template,
                d["prompt_version_number"],
            )
        return format_html("{} {} (AI draft)", verb, subject)

    return sentence


def _edited(entry, subject, cache):
    return format_html(
        "edited {} ({} now)", subject, plural(entry.details.get("characters") or 0, "character")
    )


def _finalized(entry, subject, cache):
    d = entry.details
    if not d.get("edited"):
        return format_html("finalized {} as the AI wrote it", subject)
    facts = [plural(d.get("changes") or 0, "change")]
    percent = d.get("length_change_percent")
    if isinstance(percent, (int, float)) and percent:
        facts.append(f"{abs(percent)} % {'longer' if percent > 0 else 'shorter'}")
    return format_html("finalized {} — {}", subject, ", ".join(facts))


def _template_saved(entry, subject, cache):
    d = entry.details
    sentence = format_html("saved version {} of {}", d.get("version_number") or "", subject)
    if d.get("change_notes"):
        return format_html("{}: “{}”", sentence, d["change_notes"])
    return sentence


def _template_reverted(entry, subject, cache):
    d = entry.details
    return format_html(
        "brought {} back to version {} (saved as version {})",
        subject,
        d.get("reverted_to") or "",
        d.get("version_number") or "",
    )


def _template_created(entry, subject, cache):
    return format_html("created {}", subject)


register_subjects("summaries.GeneratedSummary", _summaries)
register_subjects("summaries.PromptTemplate", _templates)
register_action("summary.generate_request", "Asked for summaries", _requested)
register_action("summary.generate", "Summary drafted", _generated("got"))
register_action("summary.regenerate", "Summary drafted again", _generated("got a new draft of"))
register_action("summary.edit", "Edited a summary", _edited)
register_action("summary.finalize", "Finalized a summary", _finalized)
register_action("prompt_template.create", "Created a prompt template", _template_created)
register_action("prompt_template.update", "Changed a prompt template", _template_saved)
register_action("prompt_template.revert", "Reverted a prompt template", _template_reverted)
