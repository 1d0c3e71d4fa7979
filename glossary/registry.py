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

A full build takes over a second for 100,000 entries, too long for the first page a new
process serves. So every full build made from committed data is also written to a file
under MAX_VAR_DIR, labelled with the base token and counter it was built at; a process
without a matcher reads that file (a fraction of the build) when its base token is the
current one and layers the changes recorded since, as it would over its own matcher. A
write that asks for a new base (a bulk import) builds the matcher again after its commit
and writes the file, so the first editor to open afterwards does not pay for the build.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast

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
logger = logging.getLogger(__name__)


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

    def record_and_rebuild():
        for code in codes:
            if not _record(code, ids):
                _rebuild(code)

    if codes:
        record()
        transaction.on_commit(record_and_rebuild)


def _record(code: str, ids: list[str] | None) -> bool:
    """Record a change; False when it needed a new base (every matcher is rebuilt)."""
    if ids is not None:
        try:
            number = cache.incr(_COUNTER.format(code))
        except ValueError:  # the counter is gone: no one can trust their changes now
            pass
        else:
            cache.set(_CHANGE.format(code, number), ids, timeout=CHANGE_TTL)
            return True
    _new_base(code)
    return False


def _rebuild(code: str) -> None:
    """Build a language's matcher now (after a commit that replaced its base) and write its
    file, so that the next editor opened, in any process, finds it ready."""
    state = _state(code)
    if state is None:
        return
    with _lock:
        matcher = _build(code)
        _built[code] = _Built(state[0], state[1], matcher)
        _write_file(code, state, matcher)


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
            stored = _read_file(language_code, state)
            if stored is not None:
                matcher = stored.matcher
                if stored.counter != state[1]:
                    matcher = _bring_up_to_date(language_code, stored, state[1])
        if matcher is None:
            matcher = _build(language_code)
            _write_file(language_code, state, matcher)
        _built[language_code] = _Built(state[0], state[1], matcher)
        return matcher


def matcher_warm() -> None:
    """Bring every language's matcher into this process (a web or worker process starting
    up), so that no user request waits for it."""
    from glossary.models import DictionaryEntry

    codes = (
        DictionaryEntry.objects.filter(archived=False)
        .order_by("language_code")
        .values_list("language_code", flat=True)
        .distinct()
    )
    for code in list(codes):
        matcher_for(code)


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
        pk__in=ids, language_code=code, archived=False, speaker__isnull=True
    ).values_list("pk", "term_original", "term_corrected")
    for pk, original, corrected in rows:
        changes[str(pk)] = Term(str(pk), original, corrected)
    return changes


def _build(language_code: str) -> Matcher:
    from glossary.models import DictionaryEntry
    from languages.models import Language

    boundaries = (
        Language.objects.filter(code=language_code)
        .values_list("word_boundaries", flat=True)
        .first()
    )
    # The id as text from the database: converting 100,000 UUIDs in Python costs more
    # than reading them.
    rows = (
        # A speaker's terms apply only to that speaker's segments (glossary.selectors).
        DictionaryEntry.objects.filter(
            language_code=language_code, archived=False, speaker__isnull=True
        )
        .order_by("created_at", "pk")
        .values_list(Cast("pk", output_field=TextField()), "term_original", "term_corrected")
    )
    return Matcher(rows, word_boundaries=boundaries is not False)


# --- the matcher's file -----------------------------------------------------------------------


def _matcher_path(code: str) -> Path:
    name = (
        code
        if re.fullmatch(r"[a-z0-9-]{1,35}", code)
        else hashlib.sha256(code.encode()).hexdigest()
    )
    return Path(settings.VAR_DIR) / "glossary" / f"matcher-{name}.bin"


def _read_file(code: str, state: tuple[str, int]) -> _Built | None:
    """The matcher written for this base, at a counter no later than `state`'s, or None."""
    path = _matcher_path(code)
    try:
        with path.open("rb") as file:
            label = file.readline().decode("ascii", "replace").split()
            # Base tokens are random per language, so the token names the language too.
            if len(label) != 2 or label[0] != state[0]:
                return None
            counter = int(label[1])
            if counter > state[1]:
                return None
            return _Built(label[0], counter, Matcher.load(file))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        logger.warning("Glossary matcher file %s unreadable (%s): building instead", path, exc)
        return None


def _write_file(code: str, state: tuple[str, int], matcher: Matcher) -> None:
    # Only committed entries may go to a file other processes trust: a build inside a
    # transaction may hold rows that are rolled back.
    if connection.in_atomic_block:
        return
    path = _matcher_path(code)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name, delete=False) as file:
            try:
                file.write(f"{state[0]} {state[1]}\n".encode())
                matcher.dump(file)
            except BaseException:
                os.unlink(file.name)
                raise
        os.replace(file.name, path)  # readers see the old file or the new one, never half
    except OSError as exc:
        logger.warning("Glossary matcher file %s not written: %s", path, exc)
