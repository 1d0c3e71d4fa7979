"""The dictionary matcher: every entry of one language applied to a text in one pass.

The rules (DESIGN.md "Dictionary"):

- Case-insensitive by Unicode case folding (`str.casefold`).
- Whole words: a match never touches a letter, combining mark or digit (Unicode
  categories L, M, N) on either side, so Devanagari vowel signs count as part of a
  word. Languages written without spaces (`Language.word_boundaries` is False, e.g.
  zh) drop this rule: any occurrence matches.
- Leftmost-longest and non-overlapping: of the matches that pass the boundary rule,
  the one starting first wins, and of those starting together the longest.
- One pass: replacements are assembled from the input, never scanned again.
- Case follows the matched text: ALL CAPS (two or more cased letters, all upper)
  stays all caps; Title Case over several words stays title case; a capitalised
  match gets the correction's first letter capitalised; otherwise the correction
  is written as in the dictionary.
- Canonical entries (original == corrected) change nothing but are reported, so
  they are recorded and counted like any other.

Positions and case folding
--------------------------
Folding can change a string's length (ß → ss, İ → i̇, ﬁ → fi), and every position
we report must point into the ORIGINAL text. Every character folds to at least one
character, so when the folded text is as long as the original each character maps
to exactly one, and positions are shared: that is the fast path, taken for nearly
all text. Otherwise the few expanding characters are located (a regex of the ~100
code points whose folding is longer than one character, built on first need) and
recorded as breakpoints; a folded offset maps back to the original by bisecting
them. A match that starts or ends inside an expansion (the second "s" of "ß") does
not correspond to whole original characters and is dropped.

Folding per character equals folding the whole string (`casefold` has no context
rules, unlike `lower` and the Greek final sigma), so the breakpoint map is exact.

Text is not Unicode-normalised (NFC/NFD) and whitespace inside a multi-word term
must match exactly (one space in "ceramic crown" matches one space in the text).
"""

from __future__ import annotations

import bisect
import functools
import pickle
import re
import unicodedata
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO

import ahocorasick

WORD_CATEGORIES = frozenset("LMN")
# Bumped whenever what `Matcher.dump` writes changes, so an older file is rebuilt.
_FILE_FORMAT = 1


@dataclass(frozen=True, slots=True)
class Term:
    """One dictionary entry as the matcher sees it."""

    entry_id: Any
    original: str
    corrected: str

    @property
    def canonical(self) -> bool:
        return self.original == self.corrected


@dataclass(frozen=True, slots=True)
class Match:
    """One occurrence of an entry in a text; `start`/`end` index the text that was read."""

    start: int
    end: int
    text: str  # the matched slice of the input, as written there
    replacement: str  # what the pass writes instead (== text for canonical entries)
    term_original: str
    term_corrected: str
    entry_id: Any

    @property
    def canonical(self) -> bool:
        return self.term_original == self.term_corrected

    def as_correction(self, language_code: str) -> dict[str, Any]:
        """The seed's `dictionary_corrections_applied` item."""
        return {
            "term_original": self.term_original,
            "term_corrected": self.term_corrected,
            "position": [self.start, self.end],
            "language_code": language_code,
        }


def is_word_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in WORD_CATEGORIES


def fold(term: str) -> str:
    """The key a term is matched by (also what makes two entries duplicates)."""
    return term.casefold()


@functools.cache
def _expanding_chars() -> re.Pattern[str]:
    chars = [chr(c) for c in range(0x110000) if len(chr(c).casefold()) != 1]
    return re.compile("[" + "".join(re.escape(c) for c in chars) + "]")


class _FoldMap:
    """Maps offsets in a folded text back to the original text (slow path only)."""

    def __init__(self, text: str):
        self.folded_starts: list[int] = []  # where each expanding char's folding begins
        self.original_index: list[int] = []
        self.folded_length: list[int] = []
        pieces: list[str] = []
        last = 0
        shift = 0  # folded offset minus original offset so far
        for found in _expanding_chars().finditer(text):
            index = found.start()
            pieces.append(text[last:index].casefold())
            folded_char = found.group().casefold()
            self.folded_starts.append(index + shift)
            self.original_index.append(index)
            self.folded_length.append(len(folded_char))
            pieces.append(folded_char)
            shift += len(folded_char) - 1
            last = index + 1
        pieces.append(text[last:].casefold())
        self.folded = "".join(pieces)

    def to_original(self, offset: int) -> int | None:
        """The original offset of a folded offset, or None inside an expansion."""
        at = bisect.bisect_right(self.folded_starts, offset) - 1
        if at < 0:
            return offset
        start, index, length = (
            self.folded_starts[at],
            self.original_index[at],
            self.folded_length[at],
        )
        if offset == start:
            return index
        if offset < start + length:
            return None
        return index + 1 + (offset - start - length)


def follow_case(matched: str, correction: str) -> str:
    """Write `correction` in the case of `matched` (see the module docstring)."""
    cased = [ch for ch in matched if ch.isupper() or ch.islower()]
    if not cased:
        return correction
    if len(cased) >= 2 and all(ch.isupper() for ch in cased):
        return correction.upper()
    if not cased[0].isupper():
        return correction
    words = matched.split()
    if len(words) > 1 and all(_first_cased_is_upper(w) for w in words if _has_cased(w)):
        return " ".join(_capitalise(w) for w in correction.split(" "))
    return _capitalise(correction)


def _has_cased(word: str) -> bool:
    return any(ch.isupper() or ch.islower() for ch in word)


def _first_cased_is_upper(word: str) -> bool:
    return next(ch for ch in word if ch.isupper() or ch.islower()).isupper()


def _capitalise(word: str) -> str:
    for index, ch in enumerate(word):
        if ch.isupper() or ch.islower():
            return word[:index] + ch.title() + word[index + 1 :]
    return word


def _pack(values: list[Any]) -> list[Any] | str:
    # One string splits several times faster than a list of 100,000 strings unpickles;
    # NUL cannot be in a term PostgreSQL stored, and the count proves it is in none.
    if values and all(isinstance(value, str) for value in values):
        joined = "\0".join(values)
        if joined.count("\0") == len(values) - 1:
            return joined
    return values


def _unpack(packed: list[Any] | str) -> list[Any]:
    return packed.split("\0") if isinstance(packed, str) else packed


class _MatcherUnpickler(pickle.Unpickler):
    """Reads only what `Matcher.dump` writes: plain data, an array and the automaton."""

    _ALLOWED = {("ahocorasick", "Automaton"), ("array", "array"), ("array", "_array_reconstructor")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a matcher file")
        return super().find_class(module, name)


class Matcher:
    """All terms of one language in one Aho-Corasick automaton.

    Build once, then call `find` / `apply` any number of times (it is read-only after
    construction and safe to share between threads).

    Building takes about a second for 100,000 terms, so a dictionary edit does not rebuild
    it: `with_changes` returns a new matcher that reads the same built automaton (the base)
    with the changed entries' old terms hidden, plus a small automaton of their current
    terms (the overlay). Results are exactly those of a matcher built from scratch over
    the same entries, as long as no two active entries fold alike (the services refuse
    that; should two slip in, the base's term wins, as the first does in one build).

    A built matcher can be written to a file and read back (`dump`, `load`) several times
    faster than it is built, so a new process does not pay for the build.
    Terms are kept as parallel lists and the automaton maps each key to its index (plain
    integers, no Python object per node): that is what makes loading it quick.
    """

    def __init__(
        self, terms: Iterable[Term | tuple[Any, str, str]], *, word_boundaries: bool = True
    ):
        self.word_boundaries = word_boundaries
        self._ids: list[Any] = []
        self._originals: list[str] = []
        self._corrections: list[str] = []
        self._key_lengths = array("I")
        automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        keys: set[str] = set()
        for term in terms:
            entry_id, original, corrected = (
                (term.entry_id, term.original, term.corrected) if isinstance(term, Term) else term
            )
            key = fold(original)
            # Two originals that fold alike are refused by the services; should one
            # slip in (raw SQL), the first in iteration order wins, deterministically.
            if not key or key in keys:
                continue
            keys.add(key)
            automaton.add_word(key, len(self._ids))
            self._ids.append(entry_id)
            self._originals.append(original)
            self._corrections.append(corrected)
            self._key_lengths.append(len(key))
        self._automaton = automaton
        self._empty = not self._ids
        if not self._empty:
            automaton.make_automaton()
        self._index_of: dict[Any, int] | None = None
        # Layering (see `with_changes`): none for a matcher built from scratch.
        self._base: Matcher = self
        self._hidden: frozenset[int] = frozenset()
        self._changes: dict[Any, Term | None] = {}
        self._overlay: Matcher | None = None

    @property
    def terms(self) -> list[Term]:
        """The terms this matcher's own automaton holds (of the base, for a layered one)."""
        fields = zip(self._ids, self._originals, self._corrections, strict=True)
        return [Term(*term) for term in fields]

    def _term(self, index: int) -> Term:
        return Term(self._ids[index], self._originals[index], self._corrections[index])

    def _index_of_entry(self) -> dict[Any, int]:
        # Only a layered matcher needs it: built on the first edit, not with the matcher.
        if self._index_of is None:
            self._index_of = dict(zip(self._ids, range(len(self._ids)), strict=True))
        return self._index_of

    # -- files -------------------------------------------------------------------------------

    def dump(self, file: BinaryIO) -> None:
        """Write this built (not layered) matcher to a binary file, for `load`."""
        if self._overlay is not None:
            raise ValueError("Only a built matcher can be written, not one with changes.")
        pickle.dump(
            (
                _FILE_FORMAT,
                self.word_boundaries,
                _pack(self._ids),
                _pack(self._originals),
                _pack(self._corrections),
                self._key_lengths,
                None if self._empty else self._automaton,
            ),
            file,
            protocol=pickle.HIGHEST_PROTOCOL,
        )

    @classmethod
    def load(cls, file: BinaryIO) -> Matcher:
        """A matcher written by `dump`; ValueError if the file is not one."""
        try:
            loaded = _MatcherUnpickler(file).load()
            file_format, boundaries, ids, originals, corrections, lengths, automaton = loaded
            ids, originals, corrections = _unpack(ids), _unpack(originals), _unpack(corrections)
        except (pickle.UnpicklingError, EOFError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"Not a glossary matcher file: {exc}") from exc
        if file_format != _FILE_FORMAT or not (
            len(ids) == len(originals) == len(corrections) == len(lengths)
        ):
            raise ValueError("Not a glossary matcher file of this version.")
        matcher = cls((), word_boundaries=boundaries)
        matcher._ids, matcher._originals, matcher._corrections = ids, originals, corrections
        matcher._key_lengths = lengths
        if automaton is not None:
            matcher._automaton = automaton
        matcher._empty = not ids
        return matcher

    def __len__(self) -> int:
        if self._overlay is None:
            return len(self._ids)
        return len(self._base._ids) - len(self._hidden) + len(self._overlay._ids)

    @property
    def changed_entries(self) -> int:
        """How many entries this matcher holds apart from its base (0 when built whole)."""
        return len(self._changes)

    def with_changes(self, changes: dict[Any, Term | None]) -> Matcher:
        """This matcher with some entries replaced: `{entry_id: Term}` for an entry's
        current term (new or edited), `{entry_id: None}` for one no longer applied
        (archived, deleted, moved to another language). Costs O(changed entries)."""
        merged = {**self._changes, **changes}
        base = self._base
        layered = Matcher.__new__(Matcher)
        layered.word_boundaries = base.word_boundaries
        layered._ids = base._ids
        layered._originals = base._originals
        layered._corrections = base._corrections
        layered._key_lengths = base._key_lengths
        layered._index_of = base._index_of_entry()
        layered._automaton = base._automaton
        layered._base = base
        layered._changes = merged
        index_of = layered._index_of
        layered._hidden = frozenset(
            index_of[entry_id] for entry_id in merged if entry_id in index_of
        )
        layered._overlay = Matcher(
            [term for term in merged.values() if term is not None],
            word_boundaries=base.word_boundaries,
        )
        layered._empty = base._empty and layered._overlay._empty
        return layered

    def _layers(self) -> list[tuple[Matcher, frozenset[int]]]:
        if self._overlay is None:
            return [(self, frozenset())]
        return [(self._base, self._hidden), (self._overlay, frozenset())]

    def find(self, text: str) -> list[Match]:
        """Every match in `text`, leftmost-longest and non-overlapping, in order."""
        if self._empty or not text:
            return []
        folded = text.casefold()
        fold_map = None if len(folded) == len(text) else _FoldMap(text)
        if fold_map is not None:
            folded = fold_map.folded
        boundaries = self.word_boundaries
        text_length = len(text)
        category = unicodedata.category
        layers = self._layers()
        # (start, -end, layer, term index): sorting gives leftmost first, longest first,
        # and of two equal keys the base's.
        candidates: list[tuple[int, int, int, int]] = []
        for layer, (matcher, hidden) in enumerate(layers):
            if matcher._empty:
                continue
            lengths = matcher._key_lengths
            for last, index in matcher._automaton.iter(folded):
                if index in hidden:
                    continue
                end = last + 1
                start = end - lengths[index]
                if fold_map is not None:
                    start = fold_map.to_original(start)
                    end = fold_map.to_original(end)
                    if start is None or end is None:
                        continue
                if boundaries and (
                    (start > 0 and category(text[start - 1])[0] in WORD_CATEGORIES)
                    or (end < text_length and category(text[end])[0] in WORD_CATEGORIES)
                ):
                    continue
                candidates.append((start, -end, layer, index))
        if not candidates:
            return []
        candidates.sort()
        matches: list[Match] = []
        reached = 0
        for start, negative_end, layer, index in candidates:
            if start < reached:
                continue
            end = -negative_end
            term = layers[layer][0]._term(index)
            matched = text[start:end]
            replacement = matched if term.canonical else follow_case(matched, term.corrected)
            matches.append(
                Match(
                    start, end, matched, replacement, term.original, term.corrected, term.entry_id
                )
            )
            reached = end
        return matches

    def apply(self, text: str) -> tuple[str, list[Match]]:
        """The text with every match replaced, and the matches (positions in `text`)."""
        matches = self.find(text)
        if not matches:
            return text, matches
        pieces: list[str] = []
        last = 0
        for match in matches:
            pieces.append(text[last : match.start])
            pieces.append(match.replacement)
            last = match.end
        pieces.append(text[last:])
        return "".join(pieces), matches
