"""Prompt templates and their versions: validate, create, update, revert."""

from __future__ import annotations

import string
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from accounts.services import activity_record
from core.stale import refuse_stale
from summaries import texts
from summaries.models import PromptTemplate, PromptVersion

REQUIRED_PLACEHOLDER = texts.REQUIRED_PLACEHOLDER
ALLOWED_PLACEHOLDERS = {REQUIRED_PLACEHOLDER}


def _parse_template(content: str) -> list[tuple[str, str | None, str | None, str | None]]:
    try:
        return list(string.Formatter().parse(content))
    except ValueError as exc:
        raise ValidationError(
            f"The template has an unbalanced brace ({exc}). Write a literal brace as {{{{ or }}}}."
        ) from exc


def prompt_template_validate(content: str) -> None:
    if not content.strip():
        raise ValidationError("The template is empty.")
    parsed = _parse_template(content)
    names = {name for _, name, _, _ in parsed if name is not None}
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
    if any(name and (spec or conversion) for _, name, spec, conversion in parsed):
        raise ValidationError("Write {transcription_text} exactly, with nothing after the name.")


def _template_save(
    *,
    template: PromptTemplate,
    content: str,
    user,
    change_notes: str,
    action: str,
    details: dict[str, Any] | None = None,
    based_on: str | None = None,
) -> PromptTemplate:
    prompt_template_validate(content)
    with transaction.atomic():
        template = PromptTemplate.objects.select_for_update().get(pk=template.pk)
        refuse_stale(current=template, based_on=based_on, what="template")
        if content == template.template_content:
            return template
        template.version_number = F("version_number") + 1
        template.template_content = content
        template.save(update_fields=["version_number", "template_content", "updated_at"])
        template.refresh_from_db(fields=["version_number", "updated_at"])
        PromptVersion.objects.create(
            template=template,
            version_number=template.version_number,
            template_content=content,
            changed_by=user,
            change_notes=change_notes or None,
        )
        activity_record(
            user=user,
            action=action,
            target=template,
            details={
                "template_name": template.template_name,
                "version_number": template.version_number,
                "change_notes": change_notes,
                **(details or {}),
            },
        )
    return template


def prompt_template_update(
    *,
    template: PromptTemplate,
    content: str,
    user,
    change_notes: str = "",
    based_on: str | None = None,
) -> PromptTemplate:
    """Save new content as the next version; earlier versions stay in prompt_versions.

    Every version, including the first, has its own prompt_versions row, so a summary
    can point at exactly the text that produced it. Saving unchanged content is a no-op
    (no new version); callers compare version numbers to tell. `based_on` is the edit
    token the editor's form showed (`core.stale`): StaleEdit if someone saved since.
    """
    return _template_save(
        template=template,
        content=content,
        user=user,
        change_notes=change_notes,
        action="prompt_template.update",
        based_on=based_on,
    )


def prompt_template_revert(
    *, template: PromptTemplate, version_number: int, user, change_notes: str = ""
) -> PromptTemplate:
    """Go back to an earlier version's content, as a new version (history is kept)."""
    old = PromptVersion.objects.filter(template=template, version_number=version_number).first()
    if old is None:
        raise ValidationError(f"{template.template_name} has no version {version_number}.")
    template = PromptTemplate.objects.get(pk=template.pk)
    if old.template_content == template.template_content:
        raise ValidationError(
            f"Version {version_number} has the same text as the current version "
            f"{template.version_number}; there is nothing to revert."
        )
    notes = change_notes or f"Reverted to version {version_number}."
    return _template_save(
        template=template,
        content=old.template_content,
        user=user,
        change_notes=notes,
        action="prompt_template.revert",
        details={"reverted_to": version_number},
    )


def prompt_template_create(
    *, template_name: str, content: str, user, change_notes: str = "First version."
) -> PromptTemplate:
    prompt_template_validate(content)
    with transaction.atomic():
        template = PromptTemplate.objects.create(
            template_name=template_name,
            template_content=content,
            version_number=1,
            created_by=user,
        )
        PromptVersion.objects.create(
            template=template,
            version_number=1,
            template_content=content,
            changed_by=user,
            change_notes=change_notes,
        )
        activity_record(
            user=user,
            action="prompt_template.create",
            target=template,
            details={"template_name": template_name, "version_number": 1},
        )
    return template
