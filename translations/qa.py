"""QA checks of a translation, segment by segment (DESIGN.md "Translation review").

Pure functions: text in, issues out; the review page, the overview, finalize and the bench
all call `document_issues`. Each check errs towards silence where languages legitimately
differ (a decimal comma, Arabic-Indic digits, a number written as a word, German „…“).

- glossary: a linked glossary term of the English is missing from the target (error)
- numbers: a number or unit of the English is missing, or one the English lacks was added
  (error)
- untranslated: the target is empty, still the English word for word, or an offline
  placeholder (error)
- budget: longer than the segment's voice-over budget (warning: the voice can speed up)
- brackets: brackets or quotes the English balances are unbalanced in the target (error)
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from documents.text import normalize_text

ERROR = "error"
WARNING = "warning"

CHECK_LABELS = {
    "glossary": "Glossary term missing",
    "numbers": "Numbers or units differ",
    "untranslated": "Untranslated or placeholder",
    "budget": "Over the voice-over budget",
    "brackets": "Unbalanced brackets or quotes",
}

# A segment of at least this many words that reads exactly as its English is untranslated
# (shorter ones may rightly be the same: a name, a number, "OK").
UNTRANSLATED_MIN_WORDS = 3


@dataclass(frozen=True)
class Issue:
    check: str
    severity: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"check": self.check, "severity": self.severity, "message": self.message}


@dataclass(frozen=True)
class TermPair:
    """An English term (every spelling that stands for it) and its rendering."""

    names: tuple[str, ...]
    english: str
    target: str


# --- numbers -----------------------------------------------------------------------------

# Digits of any script (Python's \d is Unicode), grouped by . , ' or Arabic separators, or by
# spaces before exactly three digits ("1 000"); then the unit written right after it, if any.
# Unit symbols written the same way in every target language (after normalising ٪ → %):
_UNIVERSAL_UNITS = ("%", "‰", "°")
_LATIN_UNITS = ("mm", "cm", "ml", "mg", "µm", "kg", "nm")
_NUMBER = re.compile(
    r"(\d+(?:[.,\u066b\u066c']\d+|[\u00a0\u202f ]\d{3}(?!\d))*)"
    r"[ \u00a0\u202f]?((?:%|‰|°|mm|cm|ml|mg|µm|kg|nm)(?![^\W\d_]))?"
)
_GROUPING = re.compile(r"[.,\u00a0\u202f' ]")
_LATIN_SCRIPT_LANGUAGES = {"en", "es", "pt", "fr", "de", "it", "nl", "pl", "ro", "ca", "sv"}


def _ascii_digits(text: str) -> str:
    return "".join(
        str(unicodedata.digit(ch)) if ch.isdigit() and not ch.isascii() else ch for ch in text
    )


@functools.lru_cache(maxsize=20_000)
def number_values(token: str) -> frozenset[float]:
    """Every value a written number can mean: "2.5" and "2,5" are 2.5; "2,500" is 2500 in
    English and 2.5 in German, so both; "1 000" and "1.000" are 1000."""
    if token.isascii() and token.isdigit():
        return frozenset({float(token)})
    token = _ascii_digits(token).replace("\u066b", ",").replace("\u066c", ".")
    parts = _GROUPING.split(token)
    if len(parts) == 1:
        return frozenset({float(token)})
    values: set[float] = set()
    # All separators group thousands.
    if all(len(p) == 3 for p in parts[1:]):
        values.add(float("".join(parts)))
    # The last separator is a decimal mark, the others group thousands.
    if token[-len(parts[-1]) - 1] in ".,":
        values.add(float(f"{''.join(parts[:-1])}.{parts[-1]}"))
    return frozenset(values or {float("".join(parts))})


_HAS_DIGIT = re.compile(r"\d")
# The same, for a text of ASCII only (most Latin-script text): faster, same result there.
_HAS_DIGIT_ASCII = re.compile(r"[0-9]")
_NUMBER_ASCII = re.compile(_NUMBER.pattern, re.ASCII)


def _has_digit(text: str) -> bool:
    return (_HAS_DIGIT_ASCII if text.isascii() else _HAS_DIGIT).search(text) is not None


def _find_numbers(text: str) -> list[tuple[str, str]]:
    if text.isascii():
        return _NUMBER_ASCII.findall(text)
    return _NUMBER.findall(text.replace("\u066a", "%"))


@functools.lru_cache(maxsize=20_000)
def _numbers(text: str) -> tuple[tuple[str, frozenset[float], str], ...]:
    """(token, values, unit right after it) for each number in the text (cached: the
    English of a segment is checked against every language)."""
    if not _HAS_DIGIT.search(text):
        return ()
    text = text.replace("\u066a", "%")  # Arabic percent sign
    return tuple(
        (match[1], number_values(match[1]), match[2] or "") for match in _NUMBER.finditer(text)
    )


@functools.lru_cache(maxsize=20_000)
def _number_tokens(text: str) -> list[tuple[str, str]]:
    """(number, unit) as written, each number of the text (cached: an English text is
    checked against every language)."""
    return _find_numbers(text) if _has_digit(text) else []


def _same_numbers(source: str, target: str) -> bool:
    """The usual case, cheaply: the target has the English's numbers in the same order,
    each with the same unit and a value the English one can mean ("2.5" and "2,5")."""
    src = _number_tokens(source)
    tgt = _find_numbers(target)
    if src == tgt:
        return True
    if len(src) != len(tgt):
        return False
    for (a, unit_a), (b, unit_b) in zip(src, tgt, strict=True):
        if unit_a != unit_b or (a != b and not number_values(a) & number_values(b)):
            return False
    return True


def check_numbers(source: str, target: str, *, language_code: str) -> list[Issue]:
    """Numbers of the English that the target lacks (or adds). A small whole number (under
    ten) may be written as a word in either text, so its absence alone is no issue."""
    if _same_numbers(source, target):
        return []
    src = _numbers(source)
    if not src and not _HAS_DIGIT.search(target):
        return []
    tgt = _numbers(target)
    if not src and not tgt:
        return []
    unused = list(range(len(tgt)))
    missing, wrong_unit = [], []
    for token, values, unit in src:
        match = next((k for k in unused if tgt[k][1] & values), None)
        if match is None:
            if not (len(values) == 1 and (v := next(iter(values))) < 10 and v == int(v)):
                missing.append(token)
            continue
        unused.remove(match)
        check_unit = unit in _UNIVERSAL_UNITS or language_code in _LATIN_SCRIPT_LANGUAGES
        if unit and check_unit and tgt[match][2] != unit:
            wrong_unit.append(f"{token} {unit}")
    added = [
        tgt[k][0]
        for k in unused
        if not (len(tgt[k][1]) == 1 and (v := next(iter(tgt[k][1]))) < 10 and v == int(v))
    ]
    issues = []
    if missing:
        message = "Missing from the translation: " + ", ".join(missing)
        issues.append(Issue("numbers", ERROR, message))
    if wrong_unit:
        issues.append(Issue("numbers", ERROR, "Unit differs for: " + ", ".join(wrong_unit)))
    if added:
        issues.append(Issue("numbers", ERROR, "Not in the English: " + ", ".join(added)))
    return issues


# --- untranslated ------------------------------------------------------------------------


_WORDS = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORDS.findall(text.casefold())


@functools.lru_cache(maxsize=20_000)
def _source_words(text: str) -> tuple[str, ...]:
    return tuple(_words(text))


def _may_be_the_english(source: str, target: str) -> bool:
    """A cheap test before comparing word lists: close in length, and holding the English's
    first and last words (string searches in C)."""
    if abs(len(source) - len(target)) > len(source) // 4 + 4:
        return False
    words = _source_words(source)
    if len(words) < UNTRANSLATED_MIN_WORDS:
        return False
    folded = target.casefold()
    return words[0] in folded and words[-1] in folded and words[len(words) // 2] in folded


def check_untranslated(
    source: str, target: str, *, placeholder: bool = False, placeholder_label: str = ""
) -> list[Issue]:
    if placeholder or (placeholder_label and target.strip().startswith(placeholder_label)):
        return [Issue("untranslated", ERROR, "Offline placeholder, not a translation")]
    if source.strip() and not target.strip():
        return [Issue("untranslated", ERROR, "Empty translation")]
    # Texts of clearly different lengths are not the same words (the usual case).
    if abs(len(source) - len(target)) > len(source) // 4 + 4:
        return []
    words = _source_words(source)
    if len(words) >= UNTRANSLATED_MIN_WORDS and _words(target) == list(words):
        return [Issue("untranslated", ERROR, "Still the English, word for word")]
    return []


# --- budget ------------------------------------------------------------------------------


def check_budget(target: str, *, budget: int | None) -> list[Issue]:
    if budget is None or not target.strip():
        return []
    if len(target) <= budget:
        return []  # normalising only ever shortens a text
    length = len(normalize_text(target))
    if length > budget:
        return [Issue("budget", WARNING, f"{length} characters, the voice-over budget is {budget}")]
    return []


# --- brackets and quotes -----------------------------------------------------------------

_PAIRS = (("(", ")"), ("[", "]"), ("{", "}"), ("「", "」"), ("『", "』"), ("（", "）"))
# Double quotes of any language, counted together: „…“ (German), “…”, «…», "…".
_QUOTES = '"“”„«»'


_MARKS = re.compile("[" + re.escape("".join(a + b for a, b in _PAIRS) + _QUOTES) + "]")


@functools.lru_cache(maxsize=20_000)
def _balanced(text: str) -> tuple[str, ...]:
    marks = _MARKS.findall(text)
    if not marks:
        return ()
    problems = []
    for opening, closing in _PAIRS:
        depth = 0
        for ch in marks:
            if ch == opening:
                depth += 1
            elif ch == closing:
                depth -= 1
                if depth < 0:
                    break
        if depth != 0:
            problems.append(f"{opening}{closing}")
    if sum(1 for ch in marks if ch in _QUOTES) % 2:
        problems.append("quotes")
    return tuple(problems)


@functools.lru_cache(maxsize=20_000)
def _marks(text: str) -> list[str]:
    return _MARKS.findall(text)


def check_brackets(source: str, target: str) -> list[Issue]:
    """Only what the English balances: a segment may cut a quotation in two."""
    marks = _MARKS.findall(target)
    if not marks or marks == _marks(source):
        return []  # no marks, or the English's very marks: balanced as the English is
    src = set(_balanced(source))
    problems = [p for p in _balanced(target) if p not in src]
    if problems:
        return [Issue("brackets", ERROR, "Unbalanced in the translation: " + ", ".join(problems))]
    return []


# --- glossary ----------------------------------------------------------------------------


class TermFinder:
    """Which term pairs an English text contains: one Aho-Corasick pass over the text for
    all pairs (thousands of terms × thousands of segments), whole words only."""

    def __init__(self, pairs: Sequence[TermPair]):
        import ahocorasick

        self.pairs = list(pairs)
        self.automaton: Any = None
        # The English of a segment is looked up once for all languages that share a finder.
        self._seen: dict[str, list[TermPair]] = {}
        if not self.pairs:
            return
        automaton = ahocorasick.Automaton()
        keys: dict[str, list[int]] = {}
        for n, pair in enumerate(self.pairs):
            for name in pair.names or (pair.english,):
                key = name.casefold()
                if key:
                    keys.setdefault(key, []).append(n)
        for key, ids in keys.items():
            automaton.add_word(key, (len(key), ids))
        automaton.make_automaton()
        self.automaton = automaton

    def in_text(self, text: str) -> list[TermPair]:
        if self.automaton is None or not text:
            return []
        cached = self._seen.get(text)
        if cached is None:
            cached = self._seen[text] = self._find(text)
        return cached

    def in_document(self, texts: dict[int, str]) -> dict[int, list[TermPair]]:
        """The term pairs of each text that has any, by key: one automaton pass over all the
        texts joined (a line break is no word character, so no match spans two texts)."""
        if self.automaton is None:
            return {}
        keys = [k for k, text in texts.items() if text]
        parts = [texts[k] for k in keys]
        joined = "\n".join(parts)
        folded = joined.casefold()
        if len(folded) != len(joined):
            # Case folding changed lengths (ß → ss): text by text, as in_text does.
            return {k: found for k in keys if (found := self.in_text(texts[k]))}
        starts = list(itertools.accumulate((len(p) + 1 for p in parts[:-1]), initial=0))
        size = len(folded)
        found: dict[int, dict[int, None]] = {}
        for end, (length, ids) in self.automaton.iter(folded):
            start = end - length + 1
            if (start == 0 or not _word_char(folded[start - 1])) and (
                end + 1 == size or not _word_char(folded[end + 1])
            ):
                index = bisect.bisect_right(starts, start) - 1
                if index + 1 < len(starts) and end >= starts[index + 1]:
                    continue  # a term with a line break of its own: never in one text
                found.setdefault(keys[index], {}).update(dict.fromkeys(ids))
        return {k: [self.pairs[n] for n in ids] for k, ids in found.items()}

    def _find(self, text: str) -> list[TermPair]:
        folded = text.casefold()
        if len(folded) != len(text):
            folded = text.lower()
        found: dict[int, None] = {}
        for end, (length, ids) in self.automaton.iter(folded):
            start = end - length + 1
            if (start == 0 or not _word_char(folded[start - 1])) and (
                end + 1 == len(folded) or not _word_char(folded[end + 1])
            ):
                found.update(dict.fromkeys(ids))
        return [self.pairs[n] for n in found]


def _word_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LMN"


def _contains(text: str, term: str, word_boundaries: bool) -> bool:
    """`term` in `text`, case-insensitive, whole words unless told otherwise (the rule of
    translations.terms.find_term; a plain substring search first, in C)."""
    folded, key = text.casefold(), term.casefold()
    if not key or len(folded) != len(text):
        folded, key = text.lower(), term.lower()
    index = folded.find(key)
    if index < 0 or not word_boundaries:
        return index >= 0 and bool(key)
    while index >= 0:
        end = index + len(key)
        if (index == 0 or not _word_char(text[index - 1])) and (
            end == len(text) or not _word_char(text[end])
        ):
            return True
        index = folded.find(key, index + 1)
    return False


def _glossary_issues(
    pairs: list[TermPair], target: str, word_boundaries: bool = True
) -> list[Issue]:
    return [
        Issue("glossary", ERROR, f"“{pair.english}” should read “{pair.target}”")
        for pair in pairs
        if not _contains(target, pair.target, word_boundaries)
    ]


def check_glossary(
    source: str, target: str, *, finder: TermFinder, word_boundaries: bool = True
) -> list[Issue]:
    return _glossary_issues(finder.in_text(source), target, word_boundaries)


# --- a whole document ----------------------------------------------------------------------


def segment_issues(
    source: str,
    target: str,
    *,
    language_code: str,
    finder: TermFinder | None = None,
    budget: int | None = None,
    placeholder: bool = False,
    placeholder_label: str = "",
    word_boundaries: bool = True,
) -> list[Issue]:
    issues = check_untranslated(
        source, target, placeholder=placeholder, placeholder_label=placeholder_label
    )
    if issues:
        return issues  # nothing else is worth checking in an English text
    if finder is not None:
        issues += check_glossary(source, target, finder=finder, word_boundaries=word_boundaries)
    issues += check_numbers(source, target, language_code=language_code)
    issues += check_brackets(source, target)
    issues += check_budget(target, budget=budget)
    return issues


def document_issues(
    english: dict[int, str],
    segments: Sequence[dict[str, Any]],
    *,
    language_code: str,
    finder: TermFinder | None = None,
    chars_per_second: float | None = None,
    placeholder_label: str = "",
    word_boundaries: bool = True,
) -> dict[int, list[Issue]]:
    """Issues by segment index, for the segments that have any. `english` maps a segment id
    to its English text; segments without English (none to compare with) are skipped."""
    from documents.realign import PLACEHOLDER_KEY

    # Every check runs only where a cheap test (a C string or regex search) says it may
    # find something, and the glossary's terms are found for the whole English in one
    # automaton pass: eight languages × 2,400 segments stay within a page load (make bench).
    terms = finder.in_document(english) if finder is not None else {}
    english_get = english.get
    has_digit = _has_digit
    has_mark = _MARKS.search
    cps = chars_per_second or 0
    found: dict[int, list[Issue]] = {}
    for index, seg in enumerate(segments):
        key = seg.get("id", index)
        if type(key) is not int:
            key = int(key)
        source = english_get(key)
        if not source or source.isspace():
            continue
        target = seg.get("text") or ""
        if type(target) is not str:
            target = str(target)
        placeholder = bool(seg.get(PLACEHOLDER_KEY))
        if (
            placeholder
            or not target.strip()
            or (placeholder_label and target.lstrip().startswith(placeholder_label))
            or (
                abs(len(source) - len(target)) <= len(source) // 4 + 4
                and _may_be_the_english(source, target)
            )
        ):
            issues = check_untranslated(
                source, target, placeholder=placeholder, placeholder_label=placeholder_label
            )
            if issues:
                found[index] = issues
                continue
        issues = []
        pairs = terms.get(key)
        if pairs:
            issues += _glossary_issues(pairs, target, word_boundaries)
        if has_digit(target) or _number_tokens(source):
            issues += check_numbers(source, target, language_code=language_code)
        if has_mark(target):
            issues += check_brackets(source, target)
        if cps:
            start, end = seg.get("start"), seg.get("end")
            if start is not None and end is not None:
                budget = math.floor(max(float(end) - float(start), 0.0) * cps)
                if len(target) > budget:
                    issues += check_budget(target, budget=budget)
        if issues:
            found[index] = issues
    return found


def summary(issues: Iterable[list[Issue]]) -> dict[str, Any]:
    """Counts for a QA summary: segments with errors, with warnings, and per check."""
    by_check: Counter[str] = Counter()
    errors = warnings = 0
    for segment in issues:
        checks = {i.check for i in segment}
        by_check.update(checks)
        if any(i.severity == ERROR for i in segment):
            errors += 1
        elif segment:
            warnings += 1
    return {
        "errors": errors,
        "warnings": warnings,
        "checks": [
            {"check": check, "label": CHECK_LABELS[check], "count": by_check[check]}
            for check in CHECK_LABELS
            if by_check[check]
        ],
    }
