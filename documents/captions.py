"""Captions people can read: timed words → cues within a language's caption profile.

DESIGN.md "Captions and timing budgets". One builder serves SRT and WebVTT, transcripts and
translations:

- Cues never cross a segment (a segment is one speaker's turn). Within a segment, words are
  added to a cue while its text still wraps into the profile's lines and its words span no
  more than the longest cue; the cue then ends at the best phrase boundary of its last part
  (after a full stop, then after a comma; never after an article or preposition).
- Lines are broken at the boundary that balances them best, with the same phrase rules.
- Words keep their own times when the segment has them (a transcript); otherwise (a
  translation) the segment's time is spread over its words by characters.
- Times are whole milliseconds. A cue shows at least the minimum duration and long enough to
  be read at the profile's speed, as far as the next cue (less the minimum gap) and the
  longest cue allow. Whatever the speech makes impossible is reported per cue
  (`Cue.violations`), never cut: every word is in exactly one cue, in order.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from documents.text import format_timestamp, normalize_text
from languages.models import Language

# Rules a cue is checked against, in the order pages list them.
RULES: dict[str, str] = {
    "line_length": "Line length",
    "lines": "Number of lines",
    "reading_speed": "Reading speed",
    "min_duration": "Shortest cue",
    "max_duration": "Longest cue",
    "gap": "Gap between cues",
}


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


# Boundaries after these end a sentence or a clause: the best places to end a cue or a line.
SENTENCE_END = frozenset(".?!…。？！؟।")
CLAUSE_END = frozenset(",;:–—،，；：、")
# Words a line or cue never ends on: the article or preposition belongs with its noun.
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "a an the of to in on at by for from with into onto about over under between "
        "through during without within and or but nor as than that this these those "
        "its their our your his her my"
    ),
    "es": _words(
        "el la los las un una unos unas de del a al en con por para sin sobre entre "
        "y o e u que su sus"
    ),
    "pt": _words(
        "o a os as um uma uns umas de do da dos das em no na nos nas por pelo pela "
        "para com sem sobre entre e ou que seu sua"
    ),
    "fr": _words(
        "le la les l' un une des du de d' à au aux en dans par pour sur sous avec "
        "sans entre et ou que qu' son sa ses"
    ),
    "de": _words(
        "der die das den dem des ein eine einen einem einer eines zu zum zur im in "
        "am an auf aus bei mit nach von vom für über unter zwischen und oder dass "
        "sein seine ihr ihre"
    ),
    "it": _words(
        "il lo la i gli le un uno una di del della dei delle a al alla in nel nella "
        "con per su sul sulla tra fra da dal dalla e o che"
    ),
    "ar": _words("في من على إلى عن مع و أو ثم أن"),
}
# Hindi postpositions follow their noun: a break goes after them, never before.
POSTPOSITIONS: dict[str, frozenset[str]] = {
    "hi": _words("का की के में से को ने पर तक है हैं था थी थे"),
}
# For languages written without spaces: a Latin word or number stays whole, every other
# character is a word, and punctuation stays with the character before it.
_UNSPACED_TOKEN = re.compile(r"(\s*)([A-Za-z0-9][A-Za-z0-9.,%/+\-']*|\S)")
_PUNCTUATION = SENTENCE_END | CLAUSE_END | frozenset("\"'”’」』）)]》〉")
RLM = "\u200f"  # right-to-left mark: keeps an Arabic line's end punctuation at its end


@dataclass(frozen=True)
class CaptionProfile:
    chars_per_line: int = 42
    lines: int = 2
    chars_per_second: float = 17.0
    min_duration: float = 0.833
    max_duration: float = 7.0
    min_gap: float = 0.083
    language_code: str = "en"
    direction: str = "ltr"
    spaced: bool = True  # False for Chinese: no spaces between words

    @classmethod
    def of(cls, language: Any | None, code: str = "en") -> CaptionProfile:
        """The profile of a `languages.Language` row (defaults when there is none)."""
        if language is None:
            return cls(language_code=code)
        return cls(
            chars_per_line=language.caption_chars_per_line,
            lines=language.caption_lines,
            chars_per_second=language.caption_chars_per_second,
            min_duration=language.caption_min_duration,
            max_duration=language.caption_max_duration,
            min_gap=language.caption_min_gap,
            language_code=language.code,
            direction=language.direction,
            spaced=language.word_boundaries,
        )


def profile_for(code: str) -> CaptionProfile:
    """The caption profile of a language code (the defaults for a code not in `languages`)."""
    return CaptionProfile.of(Language.objects.filter(code=code).first(), code)


class Token(NamedTuple):  # a tuple: a three-hour document makes 30,000 of them
    text: str
    space_before: bool
    lead: bool = False  # the speaker's name opening a cue: best followed by a line break


@dataclass
class Cue:
    start_ms: int
    end_ms: int
    lines: list[str]
    segment_index: int  # position of its segment in the document
    segment_id: Any
    speaker: str = ""  # the speaker's name, for voice markup
    words: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    @property
    def start(self) -> float:
        return self.start_ms / 1000

    @property
    def end(self) -> float:
        return self.end_ms / 1000

    @property
    def duration(self) -> float:
        return (self.end_ms - self.start_ms) / 1000

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def chars(self) -> int:
        """Characters a viewer reads (spaces count, line breaks do not), as Netflix counts."""
        return sum(len(line) for line in self.lines)

    @property
    def chars_per_second(self) -> float:
        return self.chars / self.duration if self.end_ms > self.start_ms else float("inf")


@dataclass(frozen=True)
class CaptionSegment:
    """One segment to caption: its text, times, the words' own times if any, and a lead
    ("Dr. Lee:") that opens its first cue without being one of its words."""

    index: int
    id: Any
    start: float
    end: float
    text: str
    words: Sequence[dict] = ()
    speaker: str = ""
    lead: str = ""


def tokenize(text: str, *, spaced: bool = True) -> list[Token]:
    text = normalize_text(text)
    if spaced:
        return [Token(word, True) for word in text.split(" ") if word]
    tokens: list[Token] = []
    for space, word in _UNSPACED_TOKEN.findall(text):
        if tokens and not space and word in _PUNCTUATION:
            last = tokens[-1]
            tokens[-1] = Token(last.text + word, last.space_before)
        else:
            tokens.append(Token(word, bool(space)))
    return tokens


def join_tokens(tokens: Iterable[Token]) -> str:
    out: list[str] = []
    for token in tokens:
        if out and token.space_before:
            out.append(" ")
        out.append(token.text)
    return "".join(out)


@functools.lru_cache(maxsize=65536)
def _break_score(token: str, following: str | None, code: str) -> int:
    """How good a place the boundary after `token` is to end a cue or line."""
    last = token[-1:]
    if following is not None and following.casefold() in POSTPOSITIONS.get(code, ()):
        return -3
    if token.casefold().strip("«¿¡\"'(") in FUNCTION_WORDS.get(code, ()):
        return -3
    if last in SENTENCE_END:
        return 3
    if last in CLAUSE_END:
        return 2
    return 0


def _word_times(seg: CaptionSegment, tokens: list[Token]) -> list[tuple[int, int]]:
    """Each token's (start, end) in ms: the segment's own word times when they are the
    segment's words one for one, otherwise the segment's span shared out by characters."""
    start = round(seg.start * 1000)
    end = max(round(seg.end * 1000), start)
    words = seg.words or ()
    if len(words) == len(tokens) and all(
        isinstance(w, dict) and w.get("start") is not None and w.get("end") is not None
        for w in words
    ):
        times: list[tuple[int, int]] = []
        floor = start
        for w in words:
            s = min(max(round(float(w["start"]) * 1000), floor), end)
            e = min(max(round(float(w["end"]) * 1000), s), end)
            times.append((s, e))
            floor = s
        return times
    weights = [len(t.text) + 1 for t in tokens]
    total = sum(weights) or 1
    times = []
    done = 0
    for weight in weights:
        s = start + (end - start) * done // total
        done += weight
        times.append((s, start + (end - start) * done // total))
    return times


def break_lines(tokens: Sequence[Token], profile: CaptionProfile) -> list[str]:
    """The cue's text in as few lines as fit, balanced at the best phrase boundary."""
    return _break_lines(tokens, profile)[0]


def _break_lines(
    tokens: Sequence[Token], profile: CaptionProfile, *, text: bool = True
) -> tuple[list[str], bool]:
    """The lines (none unless `text`), and whether the best break still splits an article
    from its noun."""
    cpl = profile.chars_per_line
    n = len(tokens)
    # prefix[k]: the length of tokens[:k] joined (nothing is joined while choosing).
    prefix = [0] * (n + 1)
    for k, t in enumerate(tokens):
        prefix[k + 1] = prefix[k] + len(t.text) + (1 if k and t.space_before else 0)
    total = prefix[n]
    if total <= cpl or n < 2:
        return ([join_tokens(tokens)] if text else []), False
    code = profile.language_code
    best_cost, best_k, bad, best_over = 0.0, 0, False, 0
    for k in range(1, n):
        first = prefix[k]
        following = tokens[k]
        second = total - first - (1 if following.space_before else 0)
        over = (first - cpl if first > cpl else 0) + (second - cpl if second > cpl else 0)
        previous = tokens[k - 1]
        score = 5 if previous.lead else _break_score(previous.text, following.text, code)
        cost = over * 1000 + abs(first - second) + (100 if score < 0 else -6 * score)
        if best_k == 0 or cost < best_cost:
            best_cost, best_k, bad, best_over = cost, k, score < 0, over
    if best_over and profile.lines > 2:
        # Two lines cannot hold it: as many as greedy wrapping needs (the fewest that fit).
        needed, current = 1, 0
        for t in tokens:
            space = 1 if current and t.space_before else 0
            if current and current + space + len(t.text) > cpl:
                needed, current = needed + 1, len(t.text)
            else:
                current += space + len(t.text)
        return (_break_many(tokens, min(needed, n), profile) if text else []), False
    if not text:
        return [], bad
    return [join_tokens(tokens[:best_k]), join_tokens(tokens[best_k:])], bad


def _break_many(tokens: Sequence[Token], count: int, profile: CaptionProfile) -> list[str]:
    """Three or more lines: the split minimising the lines' spread (dynamic programming)."""
    n = len(tokens)
    cpl = profile.chars_per_line
    ideal = len(join_tokens(tokens)) / count
    inf = float("inf")
    best: list[list[float]] = [[inf] * (count + 1) for _ in range(n + 1)]
    back = [[0] * (count + 1) for _ in range(n + 1)]
    best[0][0] = 0
    for j in range(1, n + 1):
        for m in range(1, count + 1):
            for i in range(m - 1, j):
                if best[i][m - 1] == inf:
                    continue
                line = len(join_tokens(tokens[i:j]))
                score = (
                    _break_score(tokens[j - 1].text, tokens[j].text, profile.language_code)
                    if j < n
                    else 0
                )
                cost = (
                    best[i][m - 1]
                    + max(0, line - cpl) * 1000
                    + (line - ideal) ** 2 / 10
                    + (100 if score < 0 else -6 * score)
                )
                if cost < best[j][m]:
                    best[j][m], back[j][m] = cost, i
    lines, j = [], n
    for m in range(count, 0, -1):
        i = back[j][m]
        lines.append(join_tokens(tokens[i:j]))
        j = i
    return lines[::-1]


def _group(
    tokens: list[Token], times: list[tuple[int, int]], profile: CaptionProfile, lead: int = 0
) -> list[tuple[int, int]]:
    """Consecutive (start, end) token ranges of a segment, one per cue; the first cue's
    text is preceded by `lead` characters (the speaker's name)."""
    n = len(tokens)
    cpl, max_lines = profile.chars_per_line, profile.lines
    max_ms = round(profile.max_duration * 1000)
    code = profile.language_code
    # chars[i]: length of tokens[0:i] joined, used for the cue's share of a candidate end.
    chars = [0] * (n + 1)
    for i, t in enumerate(tokens):
        chars[i + 1] = chars[i] + len(t.text) + (1 if i and t.space_before else 0)
    ranges = []
    i = 0
    while i < n:
        j, lines, current = i, 1, (lead if i == 0 else 0)
        while j < n:
            t = tokens[j]
            length = len(t.text)
            if current == 0 and j == i:
                new_lines, new_current = lines, length
            elif current + (1 if t.space_before or j == i else 0) + length <= cpl:
                space = 1 if t.space_before or j == i else 0
                new_lines, new_current = lines, current + space + length
            else:
                new_lines, new_current = lines + 1, length
            if j > i and (new_lines > max_lines or times[j][1] - times[i][0] > max_ms):
                break
            lines, current = new_lines, new_current
            j += 1
        end = j
        if j < n:
            # End at the best boundary in the cue's last part (never after an article), and
            # when the rest of the segment fits in two cues, near its middle: no orphan.
            full = chars[j] - chars[i]
            rest = chars[n] - chars[i]
            last_two = rest <= 2 * max_lines * cpl
            target = min(rest / 2, full) if last_two else full
            # Cheapest first; the line checks (slower) only until none can win any more.
            candidates = []
            for k in range(j, i, -1):
                share = chars[k] - chars[i]
                if k < j and share < full * 0.4:
                    break
                score = _break_score(tokens[k - 1].text, tokens[k].text, code)
                cost = abs(share - target) / 4 + (100 if score < 0 else -6 * score)
                candidates.append((cost, -k, share))
            candidates.sort()
            best = None
            for cost, negative_k, share in candidates:
                if best is not None and cost >= best[0]:
                    break
                k = -negative_k
                # Its lines (or, when the rest is the last cue, the rest's lines) could only
                # break after an article.
                if share > cpl and _break_lines(tokens[i:k], profile, text=False)[1]:
                    cost += 50
                if (
                    last_two
                    and rest - share > cpl
                    and _break_lines(tokens[k:], profile, text=False)[1]
                ):
                    cost += 50
                if best is None or cost < best[0]:
                    best = (cost, k)
            if best is not None:
                end = best[1]
        ranges.append((i, end))
        i = end
    return ranges


def build_cues(segments: Iterable[CaptionSegment], profile: CaptionProfile) -> list[Cue]:
    """The cues of a document's segments (segments without text have none)."""
    cues: list[Cue] = []
    for seg in segments:
        tokens = tokenize(seg.text, spaced=profile.spaced)
        if not tokens:
            continue
        times = _word_times(seg, tokens)
        lead = [Token(seg.lead, False, lead=True)] if seg.lead else []
        for a, b in _group(tokens, times, profile, len(seg.lead)):
            part = tokens[a:b]
            shown = [*lead, Token(part[0].text, bool(lead)), *part[1:]] if lead else part
            lead = []
            cues.append(
                Cue(
                    start_ms=times[a][0],
                    end_ms=max(times[b - 1][1], times[a][0]),
                    lines=break_lines(shown, profile),
                    segment_index=seg.index,
                    segment_id=seg.id,
                    speaker=seg.speaker,
                    words=[t.text for t in part],
                )
            )
    _time(cues, profile)
    return cues


def _time(cues: list[Cue], profile: CaptionProfile) -> None:
    """Show each cue long enough, keep the gap, then note what is still out of bounds."""
    gap = round(profile.min_gap * 1000)
    shortest = round(profile.min_duration * 1000)
    longest = round(profile.max_duration * 1000)
    cps = profile.chars_per_second
    previous_end = None
    for n, cue in enumerate(cues):
        if previous_end is not None and cue.start_ms < previous_end + gap:
            cue.start_ms = previous_end + gap
        words_end = max(cue.end_ms, cue.start_ms)
        wanted = max(shortest, int(-(-cue.chars * 1000 // cps)))
        end = max(words_end, cue.start_ms + min(wanted, longest))
        if n + 1 < len(cues):
            end = min(end, cues[n + 1].start_ms - gap)
        cue.end_ms = max(end, cue.start_ms + 1)
        previous_end = cue.end_ms
    for n, cue in enumerate(cues):
        cue.violations = check_cue(cue, cues[n + 1] if n + 1 < len(cues) else None, profile)


def check_cue(cue: Cue, following: Cue | None, profile: CaptionProfile) -> list[str]:
    broken = []
    duration = cue.end_ms - cue.start_ms
    if any(len(line) > profile.chars_per_line for line in cue.lines):
        broken.append("line_length")
    if len(cue.lines) > profile.lines:
        broken.append("lines")
    if cue.chars * 1000 > profile.chars_per_second * duration + 0.5:
        broken.append("reading_speed")
    if duration < round(profile.min_duration * 1000):
        broken.append("min_duration")
    if duration > round(profile.max_duration * 1000):
        broken.append("max_duration")
    if following is not None and following.start_ms - cue.end_ms < round(profile.min_gap * 1000):
        broken.append("gap")
    return broken


def display_lines(cue: Cue, profile: CaptionProfile) -> list[str]:
    """Lines as a file holds them: a right-to-left line is wrapped in right-to-left marks,
    so punctuation at either end stays there in players that guess the direction."""
    if profile.direction == "rtl":
        return [f"{RLM}{line}{RLM}" for line in cue.lines]
    return list(cue.lines)


@dataclass(frozen=True)
class CaptionReport:
    cues: list[Cue]
    profile: CaptionProfile

    @property
    def violating(self) -> list[Cue]:
        return [cue for cue in self.cues if cue.violations]

    def rule_counts(self) -> list[dict[str, Any]]:
        """Per rule: how many cues meet it, and the share (what the check page shows)."""
        total = len(self.cues)
        rows = []
        for key, label in RULES.items():
            broken = sum(1 for cue in self.cues if key in cue.violations)
            rows.append(
                {
                    "key": key,
                    "label": label,
                    "met": total - broken,
                    "broken": broken,
                    "share": (total - broken) / total if total else 1.0,
                }
            )
        return rows

    @property
    def max_line_length(self) -> int:
        return max((len(line) for cue in self.cues for line in cue.lines), default=0)


def caption_segments(
    segments: Sequence[dict], *, name_of=None, lead_names: bool = False
) -> list[CaptionSegment]:
    """The timed segments of a document's JSON, ready for `build_cues`. With `lead_names`,
    a segment whose speaker differs from the previous one opens with "Name:"."""
    result = []
    previous = None
    for index, seg in enumerate(segments):
        text = normalize_text(seg.get("text"))
        if not text:
            continue
        if seg.get("start") is None or seg.get("end") is None:
            raise ValueError("untimed")
        name = name_of(seg) if name_of else ""
        start = max(float(seg["start"]), 0.0)
        result.append(
            CaptionSegment(
                index=index,
                id=seg.get("id", index),
                start=start,
                end=max(float(seg["end"]), start),
                text=text,
                words=seg.get("words") or (),
                speaker=name,
                lead=f"{name}:" if lead_names and name != previous else "",
            )
        )
        previous = name
    return result


# The check page lists at most this many cues that break a rule (the counts cover all).
CHECK_PAGE_CUES = 500


def caption_check_context(report: CaptionReport, source: Any, version: str) -> dict[str, Any]:
    """What the caption check page shows for one state of a document (`source` is its
    `documents.exports.ExportSource`)."""
    cues = report.cues
    hours = any(cue.end_ms >= 3_600_000 for cue in cues)
    speeds = sorted(cue.chars_per_second for cue in cues if cue.end_ms > cue.start_ms)
    violating = report.violating
    profile = report.profile

    def stamp(ms: int) -> str:
        return f"{format_timestamp(ms / 1000, hours=hours)}.{ms % 1000:03d}"

    return {
        "label": source.label,
        "version": version,
        "profile": profile,
        "cue_count": len(cues),
        "clean_count": len(cues) - len(violating),
        "rules": report.rule_counts(),
        "max_line_length": report.max_line_length,
        "cps_median": speeds[len(speeds) // 2] if speeds else 0.0,
        "cps_p90": speeds[min(len(speeds) - 1, round(0.9 * (len(speeds) - 1)))] if speeds else 0.0,
        "violations": [
            {
                "number": number,
                "start": stamp(cue.start_ms),
                "end": stamp(cue.end_ms),
                "seconds": f"{cue.start:.2f}",
                "lines": cue.lines,
                "chars_per_second": cue.chars_per_second,
                "duration": cue.duration,
                "rules": [RULES[key] for key in cue.violations],
                "segment": cue.segment_index + 1,
            }
            for number, cue in itertools.islice(
                ((n, c) for n, c in enumerate(cues, start=1) if c.violations), CHECK_PAGE_CUES
            )
        ],
        "more_violations": max(0, len(violating) - CHECK_PAGE_CUES),
    }
