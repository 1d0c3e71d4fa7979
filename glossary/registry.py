"""One built matcher per language, kept current in every process without rebuilding it.

Building a matcher reads every entry of the language and takes seconds for 100,000
entries, so a dictionary edit must not throw it away. The Django cache (Redis, or the
file cache in the embedded setup: both shared by web and worker processes) holds, per
language:

- a base token, replaced when every entry must be read again (a bulk import, a change of
  the language's word-boundary rule, a lost cache key);
- a change counter and, per change, the ids of the entries written.

A process keeps its matcher with the base token and counter it was built at. Before each
use it reads both (one cache round trip): same values, the matcher is current; a new
counter under the same base, it re-reads just the changed entries and layers them over
the matcher it has (`Matcher.with_changes`: milliseconds); a new base token, a missing
change record or too many changes since the base, it builds the matcher again.

A write records its change twice: at once, so the writing process (and a test inside one
transaction) sees its own change, and again after commit, so that a process which read
the entries before the commit reads them once more. Re-reading an entry is idempotent.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction

from glossary.matcher import Matcher, Term

_BASE = "glossary:matcher-base:{}"
_COUNTER = "glossary:matcher-changes:{}"
_CHANGE = "glossary:matcher-change:{}:{}"
# A change record outlives any process's wait between two uses of its matcher.
CHANGE_TTL = 7 * 24 * 3600
# Beyond this many entries changed since the base, one rebuild is cheaper than layering.
MAX_LAYERED_CHANGES = 2_000
# A write of more entries than this asks every process to rebuild (a bulk import).
MAX_RECORDED_ENTRIES = 500


@dataclass(frozen=True)
class _Built:
    base: str
    counter: int
    matcher: Matcher


_built: dict[str, _Built] = {}
_lock = threading.Lock()


def matcher_invalidate(*language_codes: str, entry_ids: Iterable[Any] | None = None) -> None:
    """Tell every process that these languages' entries changed: `entry_ids` when the
    write touched those entries only, None when any entry may have changed."""
    codes = sorted(set(language_codes))
    ids = None if entry_ids is None else sorted({str(pk) for pk in entry_ids})
    if ids is not None and len(ids) > MAX_RECORDED_ENTRIES:
        ids = None

    def record():
        for code in codes:
            _record(code, ids)

    if codes:
        record()
        transaction.on_commit(record)


def _record(code: str, ids: list[str] | None) -> None:
    if ids is not None:
        try:
            number = cache.incr(_COUNTER.format(code))
        except ValueError:  # the counter is gone: no one can trust their changes now
            pass
        else:
            cache.set(_CHANGE.format(code, number), ids, timeout=CHANGE_TTL)
            return
    _new_base(code)


def _new_base(code: str) -> None:
    cache.set_many({_BASE.format(code): uuid.uuid4().hex, _COUNTER.format(code): 0}, timeout=None)


def _state(code: str) -> tuple[str, int] | None:
    keys = (_BASE.format(code), _COUNTER.format(code))
    values = cache.get_many(keys)
    if len(values) < 2:
        # Either key lost (cleared, evicted): a fresh base, so that no matcher built
        # before the loss is mistaken for current.
        if values.get(keys[0]) is None:
            cache.add(keys[0], uuid.uuid4().hex, timeout=None)
            cache.add(keys[1], 0, timeout=None)
        else:
            _new_base(code)
        values = cache.get_many(keys)
        if len(values) < 2:
            return None  # a cache that keeps nothing (DummyCache)
    return values[keys[0]], int(values[keys[1]])


def matcher_for(language_code: str) -> Matcher:
    """The current matcher of a language: the in-process one if still current (brought up
    to date with the entries changed since, if any), else rebuilt."""
    state = _state(language_code)
    if state is None:
        # A cache that keeps nothing cannot tell us about other processes' writes:
        # never trust a built matcher then.
        return _build(language_code)
    current = _built.get(language_code)
    if current is not None and (current.base, current.counter) == state:
        return current.matcher
    with _lock:
        current = _built.get(language_code)
        if current is not None and (current.base, current.counter) == state:
            return current.matcher
        matcher = None
        if current is not None and current.base == state[0]:
            matcher = _bring_up_to_date(language_code, current, state[1])
        if matcher is None:
            matcher = _build(language_code)
        _built[language_code] = _Built(state[0], state[1], matcher)
        return matcher


def _bring_up_to_date(code: str, current: _Built, counter: int) -> Matcher | None:
    """The built matcher with the entries changed since layered over it, or None when a
    rebuild is needed (records lost, the counter restarted, too many changes)."""
    if counter < current.counter:
        return None
    numbers = range(current.counter + 1, counter + 1)
    records = cache.get_many([_CHANGE.format(code, n) for n in numbers])
    if len(records) != len(numbers):
        return None
    ids = set().union(*records.values())
    if current.matcher.changed_entries + len(ids) > MAX_LAYERED_CHANGES:
        return None
    return current.matcher.with_changes(_current_terms(code, ids))


def _current_terms(code: str, ids: set[str]) -> dict[Any, Term | None]:
    from glossary.models import DictionaryEntry

    changes: dict[Any, Term | None] = dict.fromkeys(ids)
    rows = DictionaryEntry.objects.filter(
        pk__in=ids, language_code=code, archived=False
    ).values_list("pk", "term_original", "term_corrected")
    for pk, original, corrected in rows:
        changes[str(pk)] = Term(str(pk), original, corrected)
    return changes


def _build(language_code: str) -> Matcher:
    from glossary.models import DictionaryEntry
    from translations.models import Language

    boundaries = (
        Language.objects.filter(code=language_code)
        .values_list("word_boundaries", flat=True)
        .first()
    )
    rows = (
        DictionaryEntry.objects.filter(language_code=language_code, archived=False)
        .order_by("created_at", "pk")
        .values_list("pk", "term_original", "term_corrected")
    )
    return Matcher(
        (Term(str(pk), original, corrected) for pk, original, corrected in rows),
        word_boundaries=boundaries is not False,
    )
