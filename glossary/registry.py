"""One built matcher per language, reused until the dictionary changes — in every process.

Invalidation: each language has a version token in the Django cache (Redis, or the
file cache in the embedded setup: both shared by web and worker processes). Every
write to the dictionary replaces the token of the languages it touched; a process
keeps its built matcher keyed by (language, token) and compares tokens with one cache
read before each use, rebuilding when they differ.

A write replaces the token twice: at once, so the writing process (and a test inside
one transaction) sees its own change, and again after commit, so that a process
which rebuilt from the not-yet-committed state in between is made to rebuild again.
A missing token (cache cleared or evicted) is replaced by a fresh random one, so a
matcher built before the loss is never mistaken for current.
"""

from __future__ import annotations

import threading
import uuid

from django.core.cache import cache
from django.db import transaction

from glossary.matcher import Matcher, Term

_KEY = "glossary:matcher-version:{}"
_built: dict[str, tuple[str, Matcher]] = {}
_lock = threading.Lock()


def _token(language_code: str) -> str | None:
    key = _KEY.format(language_code)
    token = cache.get(key)
    if token is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)
        token = cache.get(key)
    return token


def matcher_invalidate(*language_codes: str) -> None:
    """Mark these languages' matchers stale everywhere (now and again after commit)."""
    codes = sorted(set(language_codes))

    def bump():
        cache.set_many({_KEY.format(code): uuid.uuid4().hex for code in codes}, timeout=None)

    if codes:
        bump()
        transaction.on_commit(bump)


def matcher_for(language_code: str) -> Matcher:
    """The current matcher of a language: the in-process one if still current, else rebuilt."""
    token = _token(language_code)
    if token is None:
        # A cache that keeps nothing (DummyCache) cannot tell us about other
        # processes' writes: never trust a built matcher then.
        return _build(language_code)
    current = _built.get(language_code)
    if current is not None and current[0] == token:
        return current[1]
    with _lock:
        current = _built.get(language_code)
        if current is not None and current[0] == token:
            return current[1]
        matcher = _build(language_code)
        _built[language_code] = (token, matcher)
        return matcher


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
    return Matcher((Term(*row) for row in rows), word_boundaries=boundaries is not False)
