"""Languages (admin only): which exist, their direction, and which are offered for translation."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from accounts.services import activity_record
from core.stale import refuse_stale
from languages.models import Language

LANGUAGE_CODE_PATTERN = r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$"
SOURCE_LANGUAGE = "en"
# What the admin may change on a language; `code` is fixed once created, because
# translations, glossary entries and caption profiles refer to it by its text.
LANGUAGE_EDITABLE = (
    "name",
    "direction",
    "word_boundaries",
    "active",
    "caption_chars_per_line",
    "caption_lines",
    "caption_chars_per_second",
    "caption_min_duration",
    "caption_max_duration",
    "caption_min_gap",
)


def language_validate(*, language: Language | None, code: str, changes: Mapping[str, Any]) -> str:
    """The code (for a new language) and the rules of the editable fields; returns the
    cleaned code. Raises ValidationError naming the field."""
    code = (code or "").strip().lower()
    if language is None:
        if not re.match(LANGUAGE_CODE_PATTERN, code):
            raise ValidationError(
                {"code": "Use a language code such as “es”, “pt-br” or “zh” (lowercase)."}
            )
        if Language.objects.filter(code=code).exists():
            raise ValidationError({"code": f"The language “{code}” exists already."})
    unknown = set(changes) - set(LANGUAGE_EDITABLE)
    if unknown:
        raise ValidationError(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    if "name" in changes and not str(changes["name"] or "").strip():
        raise ValidationError({"name": "A language needs a name."})
    if "direction" in changes and changes["direction"] not in Language.Direction.values:
        raise ValidationError({"direction": "Choose left to right or right to left."})
    _validate_caption_profile(language, changes)
    if code == SOURCE_LANGUAGE and changes.get("active") is False:
        raise ValidationError(
            {"active": "English is the language every transcript is in; it stays active."}
        )
    return code


def _validate_caption_profile(language: Language | None, changes: Mapping[str, Any]) -> None:
    def value(key: str) -> float:
        if key in changes:
            raw = changes[key]
        elif language is not None:
            raw = getattr(language, key)
        else:
            raw = getattr(Language._meta.get_field(key), "default", None)
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise ValidationError({key: "Enter a number."}) from None

    if value("caption_chars_per_line") < 8:
        raise ValidationError({"caption_chars_per_line": "A caption line needs 8 characters."})
    if value("caption_lines") < 1:
        raise ValidationError({"caption_lines": "A caption has at least one line."})
    if value("caption_chars_per_second") <= 0:
        raise ValidationError({"caption_chars_per_second": "The reading speed must be above 0."})
    if value("caption_min_duration") < 0 or value("caption_min_gap") < 0:
        raise ValidationError("Caption durations and gaps cannot be negative.")
    if value("caption_max_duration") <= value("caption_min_duration"):
        raise ValidationError(
            {"caption_max_duration": "The longest cue must be longer than the shortest."}
        )


def language_create(*, user: User, code: str, **fields: Any) -> Language:
    code = language_validate(language=None, code=code, changes=fields)
    with transaction.atomic():
        language = Language.objects.create(code=code, **fields)
        activity_record(
            user=user,
            action="language.create",
            target=language,
            details={"code": code, **{k: fields[k] for k in sorted(fields)}},
        )
    return language


def language_update(
    *, language: Language, user: User, based_on: str | None = None, **changes: Any
) -> Language:
    """Change a language's name, direction, word boundaries or whether it is offered.
    `based_on` is the edit token the admin's form showed (`core.stale`): StaleEdit if
    someone saved the language since."""
    with transaction.atomic():
        language = Language.objects.select_for_update().get(pk=language.pk)
        refuse_stale(current=language, based_on=based_on, what="language")
        language_validate(language=language, code=language.code, changes=changes)
        before = {key: getattr(language, key) for key in changes}
        changed = [key for key, value in changes.items() if before[key] != value]
        if not changed:
            return language
        for key in changed:
            setattr(language, key, changes[key])
        language.save(update_fields=[*changed, "updated_at"])
        activity_record(
            user=user,
            action="language.update",
            target=language,
            details={
                "before": {k: before[k] for k in changed},
                "after": {k: changes[k] for k in changed},
            },
        )
    return language
