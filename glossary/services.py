"""The dictionary: entries, imports, and their application to text. Every write goes through here.

Called by other apps (keep these names and signatures):

    glossary_apply(text=, language_code=, record_usage=True) -> (new_text, corrections)
    glossary_record_usage(corrections=)                         # count usage later

The reads (`glossary_find`, `glossary_terms`) are in glossary.selectors.

Two originals that differ only in case ("Implane", "implane") in one language are
the same entry to the matcher, so they are refused as duplicates. Writes in one
language are serialised by locking its `languages` row, which makes that check (by
Unicode case folding, not only by SQL `lower`) exact under concurrency; a
functional unique index on lower(term_original) backs it up in the database.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from accounts.models import Activity, User
from accounts.services import activity_record, set_archived
from core.stale import refuse_stale
from glossary.exchange import ImportFileError, ImportRow, detect_format, parse_csv, parse_tbx
from glossary.hooks import AppliedRow, ImpactRow, impact_providers
from glossary.matcher import fold
from glossary.models import DictionaryEntry
from glossary.registry import matcher_for, matcher_invalidate
from languages.models import Language

KEEP: Any = object()  # an argument left out: keep the stored value

TERM_LABELS = {"term_original": "original term", "term_corrected": "correct term"}


# --- validation -------------------------------------------------------------------------


def clean_term(value: str | None, field_name: str) -> str:
    """Collapse whitespace and refuse a term no one could match: empty, only
    punctuation/whitespace, or holding control characters."""
    label = TERM_LABELS[field_name]
    value = " ".join((value or "").split())
    if not value:
        raise ValidationError({field_name: f"The {label} is empty."})
    if has_control_characters(value):
        raise ValidationError({field_name: _control_message(f"The {label}", value)})
    if not any(unicodedata.category(ch)[0] in "LN" for ch in value):
        raise ValidationError(
            {field_name: f"The {label} “{value}” has no letter or digit: it is only punctuation."}
        )
    return value


SOURCE_TERM_MAX = 500


def clean_source_term(value: str | None, language_code: str) -> str | None:
    """The English term a target-language entry renders: whitespace collapsed, no control
    characters, empty means none; English entries render no English term."""
    value = " ".join((value or "").split())
    if not value:
        return None
    if language_code == "en":
        raise ValidationError(
            {
                "source_term": "An English entry is itself the English term: "
                "leave “English term it translates” empty."
            }
        )
    if has_control_characters(value):
        raise ValidationError({"source_term": _control_message("The English term", value)})
    if len(value) > SOURCE_TERM_MAX:
        raise ValidationError(
            {
                "source_term": f"The English term is {len(value):,} characters long; "
                f"at most {SOURCE_TERM_MAX} are allowed."
            }
        )
    if not any(unicodedata.category(ch)[0] in "LN" for ch in value):
        raise ValidationError({"source_term": "The English term has no letter or digit."})
    return value


def clean_context(value: str | None) -> str | None:
    """Collapse whitespace; refuse control characters (they would break a TBX export)."""
    value = " ".join((value or "").split())
    if has_control_characters(value):
        raise ValidationError({"context": _control_message("The context", value)})
    return value or None


# Format characters that are part of writing, not copy-and-paste debris: the zero-width
# non-joiner and joiner shape Hindi conjuncts, Persian and Arabic words and emoji sequences;
# the directional marks keep Arabic text with numbers or Latin words in order.
WRITING_FORMAT_CHARACTERS = frozenset("\u200c\u200d\u200e\u200f\u061c")


def _is_control(ch: str) -> bool:
    return (
        unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn")
        and ch not in WRITING_FORMAT_CHARACTERS
    )


def has_control_characters(value: str) -> bool:
    return any(_is_control(ch) for ch in value)


def _control_message(what: str, value: str) -> str:
    found = next(ch for ch in value if _is_control(ch))
    return (
        f"{what} contains an invisible control or invalid character (U+{ord(found):04X}), "
        "usually pasted from another program: retype the text without it."
    )


def language_resolve(code: str | None, known: Iterable[str] | None = None) -> str | None:
    """Max's code for a language tag: exact, else its primary subtag (`en-US` → `en`)."""
    codes = (
        set(known) if known is not None else set(Language.objects.values_list("code", flat=True))
    )
    tag = (code or "").strip().lower().replace("_", "-")
    if tag in codes:
        return tag
    primary = tag.split("-", 1)[0]
    return primary if primary in codes else None


def _unknown_language_message(code: str, known: Iterable[str]) -> str:
    return f"Unknown language code “{code}”. Max's languages are: {', '.join(sorted(known))}."


def _check_language(code: str) -> str:
    known = list(Language.objects.values_list("code", flat=True))
    resolved = language_resolve(code, known)
    if resolved is None:
        raise ValidationError({"language_code": _unknown_language_message(code, known)})
    return resolved


def _lock_languages(codes: Iterable[str]) -> None:
    # Serialises dictionary writes per language, so the case-insensitive duplicate
    # check cannot race another writer.
    list(Language.objects.select_for_update().filter(code__in=sorted(set(codes))).order_by("code"))


def _duplicate_of(
    *, language_code: str, term_original: str, exclude_pk=None
) -> DictionaryEntry | None:
    key = fold(term_original)
    # By the indexed key; rows inserted around the model (raw SQL) have none and are
    # folded here.
    candidates = DictionaryEntry.objects.filter(language_code=language_code).filter(
        Q(term_key=key) | Q(term_key="")
    )
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    for entry in candidates.order_by("created_at", "pk").only(
        "pk", "term_original", "term_corrected", "archived"
    ):
        if fold(entry.term_original) == key:
            return entry
    return None


def _duplicate_error(term_original: str, language_code: str, other: DictionaryEntry):
    if other.term_original == term_original:
        message = (
            f"“{term_original}” is already in the {language_code} dictionary "
            f"(→ “{other.term_corrected}”)."
        )
    else:
        message = (
            f"“{term_original}” is already in the {language_code} dictionary as "
            f"“{other.term_original}” (→ “{other.term_corrected}”). The glossary ignores case, "
            "so they would be the same entry: edit that one instead."
        )
    if other.archived:
        message += " It is archived: restore it instead."
    return ValidationError({"term_original": message})


# --- single entries ---------------------------------------------------------------------


def entry_validate(
    *,
    term_original: str,
    term_corrected: str,
    language_code: str,
    context: str | None = None,
    exclude_pk=None,
) -> dict[str, Any]:
    """Check an entry as a form would, without writing (create/update check again,
    under a lock): the cleaned values, or ValidationError keyed by field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, value in (("term_original", term_original), ("term_corrected", term_corrected)):
        try:
            cleaned[name] = clean_term(value, name)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if context is not None:  # callers that do not edit the context leave it alone
        try:
            cleaned["context"] = clean_context(context)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    try:
        cleaned["language_code"] = _check_language(language_code)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not errors:
        other = _duplicate_of(
            language_code=cleaned["language_code"],
            term_original=cleaned["term_original"],
            exclude_pk=exclude_pk,
        )
        if other is not None:
            raise _duplicate_error(cleaned["term_original"], cleaned["language_code"], other)
    if errors:
        raise ValidationError(errors)
    return cleaned


def entry_create(
    *,
    user: User,
    term_original: str,
    term_corrected: str,
    language_code: str = "en",
    context: str | None = None,
    speaker_id: Any = None,
    source_term: str | None = None,
) -> DictionaryEntry:
    """Add an entry; with `speaker_id` (a transcript's speaker) it applies only to that
    speaker's segments; `source_term` names the English term a target-language entry
    renders."""
    term_original = clean_term(term_original, "term_original")
    term_corrected = clean_term(term_corrected, "term_corrected")
    context = clean_context(context)
    language_code = _check_language(language_code)
    source_term = clean_source_term(source_term, language_code)
    # The speakers table belongs to transcripts (above this app): reached through the key.
    speaker_model: Any = DictionaryEntry._meta.get_field("speaker").related_model
    speakers = speaker_model._default_manager
    if speaker_id is not None and not speakers.filter(pk=speaker_id, archived=False).exists():
        raise ValidationError("That speaker is not in the transcript (save it first).")
    try:
        with transaction.atomic():
            _lock_languages([language_code])
            other = _duplicate_of(language_code=language_code, term_original=term_original)
            if other is not None:
                raise _duplicate_error(term_original, language_code, other)
            entry = DictionaryEntry.objects.create(
                term_original=term_original,
                term_corrected=term_corrected,
                language_code=language_code,
                context=context,
                source_term=source_term,
                created_by=user,
                speaker_id=speaker_id,
            )
            activity_record(
                user=user,
                action="dictionary.create",
                target=entry,
                details={
                    "term_original": term_original,
                    "term_corrected": term_corrected,
                    **({"speaker_id": str(speaker_id)} if speaker_id else {}),
                    **({"source_term": source_term} if source_term else {}),
                },
            )
            matcher_invalidate(language_code, entry_ids=[entry.pk])
    except IntegrityError as exc:
        raise ValidationError(
            {"term_original": f"“{term_original}” is already in the {language_code} dictionary."}
        ) from exc
    return entry


def entry_update(
    *,
    entry: DictionaryEntry,
    user: User,
    term_original: str,
    term_corrected: str,
    language_code: str,
    context: str | None = None,
    based_on: str | None = None,
    source_term: Any = KEEP,
) -> DictionaryEntry:
    """Change an entry. `based_on` is the edit token the editor's form showed
    (`core.stale`): if the entry changed since, StaleEdit is raised rather than
    silently overwriting the other change. `source_term` left out keeps the entry's."""
    term_original = clean_term(term_original, "term_original")
    term_corrected = clean_term(term_corrected, "term_corrected")
    context = clean_context(context)
    language_code = _check_language(language_code)
    if source_term is not KEEP:
        source_term = clean_source_term(source_term, language_code)
    try:
        with transaction.atomic():
            _lock_languages([language_code, entry.language_code])
            entry = DictionaryEntry.objects.select_for_update().get(pk=entry.pk)
            refuse_stale(current=entry, based_on=based_on, what="glossary entry")
            other = _duplicate_of(
                language_code=language_code, term_original=term_original, exclude_pk=entry.pk
            )
            if other is not None:
                raise _duplicate_error(term_original, language_code, other)
            previous_language = entry.language_code
            before = {
                "term_original": entry.term_original,
                "term_corrected": entry.term_corrected,
                "language_code": previous_language,
                "context": entry.context,
                "source_term": entry.source_term,
            }
            entry.term_original = term_original
            entry.term_corrected = term_corrected
            entry.language_code = language_code
            entry.context = context
            if source_term is not KEEP:
                entry.source_term = source_term
            elif language_code == "en":
                entry.source_term = None
            entry.save()
            activity_record(
                user=user, action="dictionary.update", target=entry, details={"before": before}
            )
            matcher_invalidate(language_code, previous_language, entry_ids=[entry.pk])
    except IntegrityError as exc:
        raise ValidationError(
            {"term_original": f"“{term_original}” is already in the {language_code} dictionary."}
        ) from exc
    return entry


def entry_set_archived(*, entry: DictionaryEntry, archived: bool, user: User) -> DictionaryEntry:
    """Archive (soft delete) or restore an entry; archived entries are not applied."""
    with transaction.atomic():
        if not archived:
            _lock_languages([entry.language_code])
            other = _duplicate_of(
                language_code=entry.language_code,
                term_original=entry.term_original,
                exclude_pk=entry.pk,
            )
            if other is not None and not other.archived:
                raise ValidationError(
                    f"“{entry.term_original}” cannot be restored: “{other.term_original}” is "
                    f"already an active {entry.language_code} entry, and the glossary ignores case."
                )
        entry = set_archived(obj=entry, archived=archived, user=user)
        matcher_invalidate(entry.language_code, entry_ids=[entry.pk])
    return entry


# --- applying the dictionary ------------------------------------------------------------


def glossary_apply(
    *, text: str, language_code: str, record_usage: bool = True
) -> tuple[str, list[dict]]:
    """Apply the language's dictionary to `text` in one pass.

    Returns the new text and the corrections `{term_original, term_corrected,
    position: [start, end], language_code}`, positions in `text` (the text the pass
    read). Canonical entries are included though they change nothing. With
    `record_usage`, each entry's `usage_count` grows by its number of applications.
    """
    new_text, matches = matcher_for(language_code).apply(text)
    if record_usage and matches:
        counts = Counter(match.entry_id for match in matches)
        with transaction.atomic():
            DictionaryEntry.objects.filter(pk__in=counts).update(
                usage_count=F("usage_count")
                + Case(
                    *(When(pk=pk, then=Value(n)) for pk, n in counts.items()),
                    default=Value(0),
                )
            )
    return new_text, [match.as_correction(language_code) for match in matches]


def glossary_record_usage(*, corrections: Iterable[dict[str, Any]]) -> int:
    """Count applications reported earlier by `glossary_apply(record_usage=False)`: one
    UPDATE for all entries, each growing by how often it was applied. Returns the
    number of entries updated."""
    counts = Counter((c["language_code"], c["term_original"]) for c in corrections)
    if not counts:
        return 0
    conditions = {key: Q(language_code=key[0], term_original=key[1]) for key in counts}
    with transaction.atomic():
        return DictionaryEntry.objects.filter(reduce(or_, conditions.values())).update(
            usage_count=F("usage_count")
            + Case(
                *(When(conditions[key], then=Value(n)) for key, n in counts.items()),
                default=Value(0),
            )
        )


# --- import -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportOutcome:
    where: str
    term_original: str
    term_corrected: str
    language_code: str
    reason: str = ""


@dataclass
class ImportReport:
    """What an import did (or, with problems or as a check, would have done)."""

    dry_run: bool = False
    added: list[ImportOutcome] = field(default_factory=list)
    updated: list[ImportOutcome] = field(default_factory=list)
    skipped: list[ImportOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def imported(self) -> bool:
        return not self.problems and not self.dry_run

    @property
    def row_count(self) -> int:
        return len(self.added) + len(self.updated) + len(self.skipped)


def glossary_import_file(
    *, user: User, filename: str, data: bytes, dry_run: bool = False
) -> ImportReport:
    """Import a CSV or TBX file (see `glossary.exchange` for the formats): all or nothing."""
    limit = settings.GLOSSARY_IMPORT_MAX_BYTES
    if len(data) > limit:
        return ImportReport(dry_run=dry_run, problems=[file_too_large_message(len(data))])
    try:
        kind = detect_format(filename, data)
        rows = parse_tbx(data) if kind == "tbx" else parse_csv(data)
    except ImportFileError as exc:
        return ImportReport(dry_run=dry_run, problems=[str(exc)])
    most = settings.GLOSSARY_IMPORT_MAX_ROWS
    if len(rows) > most:
        # One request holds the language locks for the whole import: keep it short.
        return ImportReport(
            dry_run=dry_run,
            problems=[
                f"The file has {len(rows):,} entries; Max imports at most {most:,} at a time. "
                f"Split it into files of at most {most:,} entries and import each."
            ],
        )
    return glossary_import(user=user, rows=rows, dry_run=dry_run, source=filename)


def file_too_large_message(size: int) -> str:
    limit = settings.GLOSSARY_IMPORT_MAX_BYTES
    return (
        f"The file is {size / 1_000_000:.1f} MB; the largest glossary file Max imports is "
        f"{limit / 1_000_000:.1f} MB. Split it into smaller files and import each."
    )


@dataclass(frozen=True)
class _CleanRow:
    row: ImportRow
    language: str
    original: str
    corrected: str
    context: str | None
    repeat_of: str = ""  # where the same entry was given before, if it was
    source_term: str | None = None


def glossary_import(
    *, user: User, rows: list[ImportRow], dry_run: bool = False, source: str = ""
) -> ImportReport:
    """Add and update entries from parsed rows in one transaction.

    A row whose original is new is added; one matching an existing entry (ignoring
    case) with a different correction or context is updated (an empty context leaves
    the entry's context alone); one that changes nothing, repeats an earlier row or
    matches an archived entry is skipped with the reason. Any invalid row (empty or
    punctuation-only term, unknown language, a term given twice with different
    corrections) means nothing is written and every problem is reported.
    """
    report = ImportReport(dry_run=dry_run)
    known = list(Language.objects.values_list("code", flat=True))
    seen: dict[tuple[str, str], tuple[ImportRow, str, str | None]] = {}
    cleaned: list[_CleanRow] = []
    for row in rows:
        row_problems = []
        language = language_resolve(row.language_code, known)
        if language is None:
            row_problems.append(_unknown_language_message(row.language_code, known))
        terms = {}
        for name in ("term_original", "term_corrected"):
            try:
                terms[name] = clean_term(getattr(row, name), name)
            except ValidationError as exc:
                row_problems.extend(exc.message_dict[name])
        try:
            context = clean_context(row.context)
        except ValidationError as exc:
            row_problems.extend(exc.message_dict["context"])
        row_source_term = None
        if language is not None and language != "en":
            try:
                row_source_term = clean_source_term(row.source_term, language)
            except ValidationError as exc:
                row_problems.extend(exc.message_dict["source_term"])
        if row_problems or language is None:  # no language is one of the row's problems
            report.problems.extend(f"{row.where}: {p}" for p in row_problems)
            continue
        original, corrected = terms["term_original"], terms["term_corrected"]
        key = (language, fold(original))
        if key in seen:
            first, first_corrected, first_context = seen[key]
            if first_corrected == corrected and (not context or context == first_context):
                cleaned.append(
                    _CleanRow(
                        row, language, original, corrected, context, first.where, row_source_term
                    )
                )
            else:
                report.problems.append(
                    f"{row.where}: “{original}” ({language}) is also on {first.where} with a "
                    f"different correction or context (“{first_corrected}”). Keep one of them."
                )
            continue
        seen[key] = (row, corrected, context)
        cleaned.append(_CleanRow(row, language, original, corrected, context, "", row_source_term))
    if not rows:
        report.problems.append("The file has no entries to import.")
    if report.problems:
        return report

    try:
        with transaction.atomic():
            languages = sorted({clean.language for clean in cleaned})
            if not dry_run:
                _lock_languages(languages)
            _plan_and_write(user, cleaned, languages, report, source)
    except IntegrityError:
        report.added.clear()
        report.updated.clear()
        report.skipped.clear()
        report.problems.append(
            "Someone changed the dictionary while the file was being imported. "
            "Nothing was imported: try again."
        )
    return report


def _plan_and_write(
    user: User, cleaned: list[_CleanRow], languages: list[str], report: ImportReport, source: str
) -> None:
    # Only the entries the file names (by the indexed key), not the whole dictionary.
    existing: dict[tuple[str, str], DictionaryEntry] = {}
    keys = sorted({fold(clean.original) for clean in cleaned})
    for start in range(0, len(keys) + 1, 5000):
        chunk = keys[start : start + 5000]
        for entry in DictionaryEntry.objects.filter(
            Q(term_key__in=chunk) | Q(term_key=""), language_code__in=languages
        ).order_by("created_at", "pk"):
            existing.setdefault((entry.language_code, fold(entry.term_original)), entry)

    to_create: list[DictionaryEntry] = []
    to_update: list[tuple[DictionaryEntry, dict[str, Any]]] = []
    for clean in cleaned:
        row, language, original, corrected, context = (
            clean.row,
            clean.language,
            clean.original,
            clean.corrected,
            clean.context,
        )
        if clean.repeat_of:
            report.skipped.append(
                ImportOutcome(
                    row.where, original, corrected, language, f"repeats {clean.repeat_of}"
                )
            )
            continue
        current = existing.get((language, fold(original)))
        if current is None:
            report.added.append(ImportOutcome(row.where, original, corrected, language))
            to_create.append(
                DictionaryEntry(
                    term_original=original,
                    term_key=fold(original),
                    term_corrected=corrected,
                    language_code=language,
                    context=context,
                    source_term=clean.source_term,
                    created_by=user,
                )
            )
            continue
        outcome = ImportOutcome(row.where, current.term_original, corrected, language)
        new_context = context or current.context
        new_source = clean.source_term or current.source_term
        if current.archived:
            report.skipped.append(
                _with_reason(outcome, "matches an archived entry: restore it to change it")
            )
        elif (
            current.term_corrected == corrected
            and current.context == new_context
            and current.source_term == new_source
        ):
            report.skipped.append(_with_reason(outcome, "already in the dictionary, unchanged"))
        else:
            before = {
                "term_corrected": current.term_corrected,
                "context": current.context,
                "source_term": current.source_term,
            }
            current.term_corrected = corrected
            current.context = new_context
            current.source_term = new_source
            report.updated.append(outcome)
            to_update.append((current, before))
    if report.dry_run or not (to_create or to_update):
        return

    now = timezone.now()
    for entry, _ in to_update:
        entry.updated_at = now
    DictionaryEntry.objects.bulk_create(to_create, batch_size=1000)
    DictionaryEntry.objects.bulk_update(
        [entry for entry, _ in to_update],
        ["term_corrected", "context", "source_term", "updated_at"],
        batch_size=1000,
    )
    # One audit row per entry changed, written in bulk (an import may hold thousands).
    content_type = ContentType.objects.get_for_model(DictionaryEntry)
    actor = user if user is not None and user.is_authenticated else None
    activities = [
        Activity(
            actor=actor,
            action="dictionary.create",
            target_type=content_type,
            target_id=entry.pk,
            target_repr=str(entry)[:300],
            details={
                "term_original": entry.term_original,
                "term_corrected": entry.term_corrected,
                "import": source,
            },
        )
        for entry in to_create
    ] + [
        Activity(
            actor=actor,
            action="dictionary.update",
            target_type=content_type,
            target_id=entry.pk,
            target_repr=str(entry)[:300],
            details={"before": before, "import": source},
        )
        for entry, before in to_update
    ]
    Activity.objects.bulk_create(activities, batch_size=1000)
    matcher_invalidate(
        *languages, entry_ids=[entry.pk for entry in to_create] + [e.pk for e, _ in to_update]
    )


def _with_reason(outcome: ImportOutcome, reason: str) -> ImportOutcome:
    return ImportOutcome(
        outcome.where, outcome.term_original, outcome.term_corrected, outcome.language_code, reason
    )


# --- impact on existing documents -------------------------------------------------------


def _word_boundaries(language_code: str) -> bool:
    value = Language.objects.filter(code=language_code).values_list("word_boundaries", flat=True)
    return next(iter(value), True)


def entry_impact(
    *, term_original: str, term_corrected: str, language_code: str, entry_id: Any = None
) -> list[ImpactRow]:
    """How many segments of which existing documents this entry (saved or not) would
    change if it were applied to them: nothing is written. Documents change only through
    `entry_apply_to_documents`."""
    terms = [(entry_id, term_original, term_corrected)]
    boundaries = _word_boundaries(language_code)
    rows: list[ImpactRow] = []
    for provider in impact_providers():
        rows.extend(
            provider.preview(terms=terms, language_code=language_code, word_boundaries=boundaries)
        )
    return rows


def entry_apply_to_documents(
    *, entry: DictionaryEntry, user: User, keys: Iterable[str]
) -> list[AppliedRow]:
    """The explicit "apply to existing translations": the entry applied to the chosen
    documents (keys from `entry_impact`), each as a new version with an activity record."""
    keys = [str(k) for k in keys if k]
    if not keys:
        raise ValidationError("Choose at least one document to apply the entry to.")
    if entry.archived:
        raise ValidationError("The entry is archived: restore it before applying it.")
    if entry.speaker_id is not None:
        raise ValidationError(
            "A speaker's own term is applied from that transcript's editor, not from here."
        )
    if entry.is_canonical:
        raise ValidationError(
            "The entry keeps the term as it is (original and correction are the same): "
            "applying it changes no text."
        )
    applied: list[AppliedRow] = []
    terms = [(entry.pk, entry.term_original, entry.term_corrected)]
    boundaries = _word_boundaries(entry.language_code)
    for provider in impact_providers():
        applied.extend(
            provider.apply(
                terms=terms,
                language_code=entry.language_code,
                word_boundaries=boundaries,
                keys=keys,
                user=user,
                reason=f"glossary entry “{entry.term_original}” → “{entry.term_corrected}”",
            )
        )
    return applied


def glossary_apply_to_documents(
    *, user: User, language_code: str, keys: Iterable[str]
) -> list[AppliedRow]:
    """The language's whole dictionary (its general entries) applied to the chosen
    documents as new versions: the translation start page's "apply to the English first"."""
    keys = [str(k) for k in keys if k]
    if not keys:
        raise ValidationError("Choose at least one document to apply the glossary to.")
    language_code = _check_language(language_code)
    applied: list[AppliedRow] = []
    for provider in impact_providers():
        applied.extend(
            provider.apply(
                terms=None,
                language_code=language_code,
                word_boundaries=_word_boundaries(language_code),
                keys=keys,
                user=user,
                reason=f"the {language_code} glossary applied before translating",
            )
        )
    return applied


# --- the termbase -------------------------------------------------------------------------


def termbase_set_rendering(
    *, user: User, source_term: str, language_code: str, rendering: str
) -> DictionaryEntry | None:
    """Set how one language renders an English term (a termbase cell): the target entry
    naming that term is changed, or a canonical one is added (or an existing unlinked entry
    of that spelling is linked); an empty rendering archives the cell's entry. Returns the
    cell's entry (None when emptied)."""
    language_code = _check_language(language_code)
    if language_code == "en":
        raise ValidationError("The English column is the glossary's English entries: edit those.")
    source = clean_source_term(source_term, language_code)
    if source is None:
        raise ValidationError("Name the English term this rendering translates.")
    text = " ".join((rendering or "").split())
    if len(text) > SOURCE_TERM_MAX:
        raise ValidationError(
            f"The rendering is {len(text):,} characters long; at most {SOURCE_TERM_MAX} are "
            "allowed."
        )
    with transaction.atomic():
        _lock_languages([language_code])
        current = (
            DictionaryEntry.objects.select_for_update()
            .filter(
                language_code=language_code,
                archived=False,
                speaker__isnull=True,
                source_term__iexact=source,
            )
            .order_by("created_at", "pk")
            .first()
        )
        if not text:
            if current is not None:
                entry_set_archived(entry=current, archived=True, user=user)
            return None
        try:
            text = clean_term(text, "term_corrected")
        except ValidationError as exc:
            raise ValidationError(
                exc.message_dict["term_corrected"][0].replace("correct term", "rendering")
            ) from exc
        if current is not None:
            if current.term_corrected == text:
                return current
            return entry_update(
                entry=current,
                user=user,
                term_original=text if current.is_canonical else current.term_original,
                term_corrected=text,
                language_code=language_code,
                context=current.context,
                source_term=current.source_term,
            )
        other = _duplicate_of(language_code=language_code, term_original=text)
        if other is not None:
            if (
                other.archived
                or other.source_term
                or other.term_corrected.casefold() != text.casefold()
            ):
                raise ValidationError(
                    f"“{other.term_original}” is already a {language_code} entry "
                    f"(→ “{other.term_corrected}”"
                    + (f", for “{other.source_term}”" if other.source_term else "")
                    + (", archived" if other.archived else "")
                    + "): edit that entry in the glossary list."
                )
            other = DictionaryEntry.objects.get(pk=other.pk)
            return entry_update(
                entry=other,
                user=user,
                term_original=other.term_original,
                term_corrected=other.term_corrected,
                language_code=language_code,
                context=other.context,
                source_term=source,
            )
        return entry_create(
            user=user,
            term_original=text,
            term_corrected=text,
            language_code=language_code,
            source_term=source,
        )
