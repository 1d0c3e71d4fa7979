"""Prompt templates, summaries and feedback: every write goes through here."""

import string

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from summaries.models import PromptTemplate, PromptVersion

REQUIRED_PLACEHOLDER = "transcription_text"
ALLOWED_PLACEHOLDERS = {REQUIRED_PLACEHOLDER}


def prompt_placeholders(content: str) -> set[str]:
    """Names of the `{placeholders}` in a template; raises ValidationError on bad braces."""
    try:
        parsed = list(string.Formatter().parse(content))
    except ValueError as exc:
        raise ValidationError(
            f"The template has an unbalanced brace ({exc}). Write a literal brace as {{{{ or }}}}."
        ) from exc
    return {name for _, name, _, _ in parsed if name is not None}


def prompt_template_validate(content: str) -> None:
    if not content.strip():
        raise ValidationError("The template is empty.")
    names = prompt_placeholders(content)
    if REQUIRED_PLACEHOLDER not in names:
        raise ValidationError(
            "The template must contain {transcription_text}, where the transcript goes."
        )
    unknown = sorted(n or "{}" for n in names - ALLOWED_PLACEHOLDERS)
    if unknown:
        raise ValidationError(
            "Unknown placeholder(s): "
            + ", ".join("{" + n + "}" for n in unknown)
            + ". Only {transcription_text} is filled in."
        )


def prompt_template_update(
    *, template: PromptTemplate, content: str, changed_by, change_notes: str = ""
) -> PromptTemplate:
    """Save new content as the next version; earlier versions stay in prompt_versions.

    Every version, including the first, has its own prompt_versions row, so a summary
    can point at exactly the text that produced it.
    """
    prompt_template_validate(content)
    with transaction.atomic():
        template = PromptTemplate.objects.select_for_update().get(pk=template.pk)
        if content == template.template_content:
            return template
        template.version_number = F("version_number") + 1
        template.template_content = content
        template.save(update_fields=["version_number", "template_content", "updated_at"])
        template.refresh_from_db(fields=["version_number"])
        PromptVersion.objects.create(
            template=template,
            version_number=template.version_number,
            template_content=content,
            changed_by=changed_by,
            change_notes=change_notes or None,
        )
    return template


def prompt_template_revert(
    *, template: PromptTemplate, version_number: int, changed_by, change_notes: str = ""
) -> PromptTemplate:
    """Go back to an earlier version's content, as a new version (history is kept)."""
    old = PromptVersion.objects.get(template=template, version_number=version_number)
    notes = change_notes or f"Reverted to version {version_number}."
    return prompt_template_update(
        template=template, content=old.template_content, changed_by=changed_by, change_notes=notes
    )


def prompt_template_create(
    *, template_name: str, content: str, created_by, change_notes: str = "First version."
) -> PromptTemplate:
    prompt_template_validate(content)
    with transaction.atomic():
        template = PromptTemplate.objects.create(
            template_name=template_name,
            template_content=content,
            version_number=1,
            created_by=created_by,
        )
        PromptVersion.objects.create(
            template=template,
            version_number=1,
            template_content=content,
            changed_by=created_by,
            change_notes=change_notes,
        )
    return template
