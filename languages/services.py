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
LANGUAGE_EDITABLE = ("name", "direction", "word_boundaries", "active")


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
    if code == SOURCE_LANGUAGE and changes.get("active") is False:
        raise ValidationError(
            {"active": "English is the language every transcript is in; it stays active."}
        )
    return code


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
