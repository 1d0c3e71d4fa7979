"""The transcription engine interface and the seed-shaped segments every engine returns.

A segment is `{"id", "start", "end", "text", "words": [{"word", "start", "end"}]}` with
times in seconds (the seed's `json_with_timestamps`); a word also carries `"probability"`
(0–1) when its engine reports a confidence (DESIGN.md "Offline speech recognition").
Engines only know their vendor's request and reply; this base class owns the shape, the
clean-up and the error mapping for faults that are not vendor-specific, as
`weblate/machinery/base.py` does.
"""

from __future__ import annotations

import math
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from core.text import clean_line
from integrations.base import connection_error, timeout_error
from integrations.errors import PermanentError, TransientError, VendorReplyError

Segment = dict[str, Any]
Word = dict[str, Any]
Audio = str | os.PathLike | np.ndarray  # a file path, or 16 kHz mono s16 samples

# 16 kHz mono s16 is 32,000 bytes a second before any compression: the worst case a
# lossless encoder (FLAC on pure noise) can approach, so pieces sized by it always fit.
PCM_BYTES_PER_SECOND = 32_000
VOCABULARY_PROMPT_CHARS = 800  # Whisper reads about the last 224 tokens of a prompt


class TranscriptionEngine(ABC):
    """One speech-to-text vendor.

    `transcribe()` takes a file path (in `piece_format`) or PCM samples and returns
    segments in the seed's shape, times relative to the start of that audio.
    """

    name: str = "base"
    # transcriptions.source allows only 'whisper' and 'sonix'; the engine name goes
    # into json_with_timestamps.metadata.engine, and `engine_label` (what really made
    # the text, e.g. "Whisper tiny.en, offline (faster-whisper)") into metadata.engine_label.
    source: str = "whisper"
    model: str = ""
    # False: the vendor takes the whole recording at once (Sonix), no local splitting.
    splits_media: bool = True
    # How pieces are handed over: "flac" / "wav" files, or "pcm" arrays (local engines).
    piece_format: str = "flac"
    max_request_bytes: int | None = None
    max_piece_seconds: float = 600.0
    # None: settings.TRANSCRIPTION_PARALLELISM; engines bound by local CPU set their own.
    max_parallel: int | None = None

    def piece_seconds_limit(self) -> float:
        """The longest piece that is certain to fit one request."""
        limit = self.max_piece_seconds
        if self.max_request_bytes and self.piece_format != "pcm":
            limit = min(limit, 0.95 * self.max_request_bytes / PCM_BYTES_PER_SECOND)
        return limit

    def transcribe(
        self,
        audio: Audio,
        *,
        prompt_vocabulary: Sequence[str] = (),
        language: str = "en",
        state: Mapping[str, Any] | None = None,
        on_state: Callable[[dict[str, Any]], None] | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> list[Segment]:
        """Segments for `audio`, cleaned up (times monotonic, empty ones dropped).

        `state`/`on_state` let a vendor that works asynchronously (upload, then poll)
        resume after a worker crash instead of starting over; `on_wait(message)` is
        called while polling so the caller can report progress and notice Cancel.
        """
        try:
            segments = self._transcribe(
                audio,
                prompt_vocabulary=list(prompt_vocabulary),
                language=language,
                state=dict(state or {}),
                on_state=on_state or (lambda _state: None),
                on_wait=on_wait or (lambda _message: None),
            )
        except (TransientError, PermanentError):
            raise
        except Exception as exc:
            mapped = self._map_error(exc)
            if mapped is None:
                raise
            raise mapped from exc
        return normalize_segments(segments)

    @abstractmethod
    def _transcribe(
        self,
        audio: Audio,
        *,
        prompt_vocabulary: list[str],
        language: str,
        state: dict[str, Any],
        on_state: Callable[[dict[str, Any]], None],
        on_wait: Callable[[str], None],
    ) -> list[Segment]:
        """The vendor call: raw segments (normalised by the caller)."""

    def _map_error(self, exc: Exception) -> Exception | None:
        """Turn a vendor/SDK exception into TransientError or PermanentError (None: re-raise)."""
        if isinstance(exc, TimeoutError):
            return timeout_error(self.label)
        if isinstance(exc, ConnectionError):
            return connection_error(self.label, exc)
        if isinstance(exc, ValueError | KeyError | TypeError):
            return VendorReplyError(f"{self.label} sent a reply Max cannot read ({exc}).")
        return None

    @property
    def label(self) -> str:
        return {"openai": "The OpenAI transcription service", "sonix": "Sonix"}.get(
            self.name, f"The {self.name} transcription engine"
        )

    @property
    def engine_label(self) -> str:
        """The engine and model that really produce the text, as editors read it on
        badges and in exports ("Whisper tiny.en, offline (faster-whisper)")."""
        return f"{self.name} {self.model}".strip()


def vocabulary_prompt(terms: Iterable[str], *, limit: int = VOCABULARY_PROMPT_CHARS) -> str:
    """The glossary's correct spellings as a Whisper prompt, most used first, within budget."""
    seen: set[str] = set()
    kept: list[str] = []
    used = len("Vocabulary: ")
    for term in terms:
        term = " ".join(str(term).split())
        key = term.casefold()
        if not term or key in seen:
            continue
        if used + len(term) + 2 > limit:
            break
        seen.add(key)
        kept.append(term)
        used += len(term) + 2
    return f"Vocabulary: {', '.join(kept)}." if kept else ""


def as_seconds(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise VendorReplyError(f"The transcript has a {what} that is not a number: {value!r}.")
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        raise VendorReplyError(f"The transcript has a {what} that is not a number: {value!r}.")
    return value


def make_word(word: Any, start: Any, end: Any, probability: Any = None) -> Word:
    if not isinstance(word, str):
        raise VendorReplyError(f"The transcript has a word that is not text: {word!r}.")
    out = {
        "word": word.strip(),
        "start": as_seconds(start, "word start"),
        "end": as_seconds(end, "word end"),
    }
    if probability is not None:
        out["probability"] = as_probability(probability)
    return out


def as_probability(value: Any) -> float:
    """A word's confidence, 0–1, rounded (more digits only weigh down the JSON)."""
    value = as_seconds(value, "word probability")
    return round(min(1.0, max(0.0, value)), 3)


def timed_word(word: Word, start: float, end: float) -> Word:
    """`word` with new times, keeping its probability when it has one."""
    out: Word = {"word": word["word"], "start": round(start, 3), "end": round(end, 3)}
    if word.get("probability") is not None:
        out["probability"] = word["probability"]
    return out


def normalize_segments(segments: Iterable[Segment]) -> list[Segment]:
    """Seed-shaped segments: stripped text, no empty segments, ids 0..n-1, times never
    negative and never going backwards, every end at or after its start."""
    out: list[Segment] = []
    last_start = 0.0
    last_word_start = 0.0
    for seg in segments:
        words = []
        for w in seg.get("words") or []:
            if not w["word"].strip():
                continue
            start = max(float(w["start"]), last_word_start, 0.0)
            end = max(float(w["end"]), start)
            words.append(timed_word({**w, "word": w["word"].strip()}, start, end))
            last_word_start = start
        text = " ".join(str(seg.get("text") or "").split())
        if not text and words:
            text = " ".join(w["word"] for w in words)
        if not text:
            continue
        start = max(float(seg["start"]), last_start, 0.0)
        if words:
            start = max(min(start, words[0]["start"]), last_start)
        end = max(float(seg["end"]), start, words[-1]["end"] if words else start)
        out.append(
            {
                "id": len(out),
                "start": round(start, 3),
                "end": round(end, 3),
                "text": text,
                "words": words,
                **_speaker_of(seg),
            }
        )
        last_start = start
    return out


def _speaker_of(seg: Segment) -> dict[str, str]:
    """The engine's speaker of a segment (diarization), when it gave one."""
    speaker = seg.get("speaker")
    return {"speaker": speaker.strip()} if isinstance(speaker, str) and speaker.strip() else {}


GENERIC_SPEAKER = re.compile(r"^(speaker|unknown)$|^(speaker[\s_-]*)?([a-z]|\d+)$", re.IGNORECASE)
# An engine's own "Speaker 3" (Sonix): shown as the engine numbered it.
NUMBERED_SPEAKER = re.compile(r"^speaker ([1-9]\d*)$", re.IGNORECASE)


# As long as a name the editor may type (documents.structure.MAX_SPEAKER_NAME).
SPEAKER_NAME_MAX = 80


def label_speakers(segments: list[Segment]) -> dict[str, str]:
    """Turn the engine's speakers ("A", "SPEAKER_01", "Dr. Lee") into the transcript's
    labels S1, S2, … in order of first appearance (DESIGN.md "Speakers and segments"), in
    place, and return their names. A real name is kept; a generic one ("A", "Speaker 2")
    names no one, so the first voice is the project's default speaker and the others read
    "Speaker 2", "Speaker 3". Segments the engine gave no speaker stay without one (the
    default speaker's)."""
    labels: dict[str, str] = {}
    names: dict[str, str] = {}
    for seg in segments:
        raw = seg.pop("speaker", None)
        if not isinstance(raw, str) or not raw.strip():
            continue
        raw = clean_line(raw, max_length=SPEAKER_NAME_MAX)
        if not raw:
            continue
        key = raw.casefold()  # "Speaker" and "speaker" are one voice
        if key not in labels:
            label = f"S{len(labels) + 1}"
            labels[key] = label
            numbered = NUMBERED_SPEAKER.match(raw)
            if not GENERIC_SPEAKER.match(raw):
                names[label] = raw
            elif label != "S1":
                names[label] = f"Speaker {numbered.group(1) if numbered else len(labels)}"
        seg["speaker"] = labels[key]
    return names if len(labels) > 1 or names else {}


SENTENCE_END = (".", "?", "!", "…")
# Titles and abbreviations whose full stop ends no sentence ("Dr. Soto").
NOT_SENTENCE_END = {"dr.", "mr.", "mrs.", "ms.", "prof.", "st.", "vs.", "e.g.", "i.e.", "fig."}


def segments_from_words(
    words: Sequence[Word],
    *,
    max_gap: float = 0.8,
    max_seconds: float = 15.0,
    max_words: int = 40,
    at_sentences: bool = False,
) -> list[Segment]:
    """Group timed words into segments, breaking at pauses or when a segment grows long
    (and, `at_sentences`, after every word that ends a sentence: one sentence per segment
    is what editors and caption cues work with)."""
    segments: list[Segment] = []
    current: list[Word] = []
    for word in words:
        if current and (
            word["start"] - current[-1]["end"] >= max_gap
            or word["end"] - current[0]["start"] > max_seconds
            or len(current) >= max_words
            or (at_sentences and _ends_sentence(current[-1]["word"]))
        ):
            segments.append(_segment_of(current))
            current = []
        current.append(word)
    if current:
        segments.append(_segment_of(current))
    return segments


def _ends_sentence(word: str) -> bool:
    word = word.rstrip("\"')]»”")
    return word.endswith(SENTENCE_END) and word.casefold() not in NOT_SENTENCE_END


# One alignment frame of Whisper (20 ms): a word stamped shorter than this was not really
# placed by the aligner (digits and symbols often come back so) and is timed from its
# neighbours instead.
MIN_WORD_SECONDS = 0.02


def time_every_word(words: Sequence[Word], start: float, end: float) -> list[Word]:
    """The words of a segment spanning [start, end], every one with a real start < end
    inside that span, in order.

    Words without usable times (missing, zero-length, backwards) are interpolated from
    their neighbours: a run of them shares the gap between the timed words around it, by
    length in characters; when that gap is too short, the run also shares its neighbours'
    own spans (so a "36" squeezed between "tooth" and "a" takes part of both).
    """
    end = max(end, start)
    out: list[Word] = []
    timed: list[bool] = []
    for w in words:
        raw_start, raw_end = w.get("start"), w.get("end")
        if isinstance(raw_start, int | float) and isinstance(raw_end, int | float):
            ok = True
            s = min(max(float(raw_start), start), end)
            e = min(max(float(raw_end), start), end)
        else:
            ok, s, e = False, start, start
        out.append({**w, "start": s, "end": e})
        timed.append(ok and e - s >= MIN_WORD_SECONDS)
    # Timed words that go backwards in time are not trusted either.
    last = start
    for i, w in enumerate(out):
        if timed[i]:
            if w["start"] < last:
                timed[i] = False
            else:
                last = w["end"]
    i = 0
    while i < len(out):
        if timed[i]:
            i += 1
            continue
        j = i
        while j < len(out) and not timed[j]:
            j += 1
        lo = out[i - 1]["end"] if i > 0 else start
        hi = out[j]["start"] if j < len(out) else end
        first, last_index = i, j
        if hi - lo < MIN_WORD_SECONDS * (j - i):
            # No room between the neighbours: share their spans as well.
            if i > 0:
                first, lo = i - 1, out[i - 1]["start"]
            if j < len(out):
                last_index, hi = j + 1, out[j]["end"]
        _spread_over(out, first, last_index, lo, hi)
        i = max(j, last_index)
    return [timed_word(w, w["start"], w["end"]) for w in out]


def _spread_over(words: list[Word], first: int, stop: int, lo: float, hi: float) -> None:
    """Give words[first:stop] consecutive spans over [lo, hi] in proportion to their length."""
    run = words[first:stop]
    total = sum(len(w["word"]) + 1 for w in run) or 1
    at = lo
    for w in run:
        step = (hi - lo) * (len(w["word"]) + 1) / total
        w["start"], w["end"] = at, at + step
        at += step


def _segment_of(words: Sequence[Word]) -> Segment:
    return {
        "id": 0,
        "start": words[0]["start"],
        "end": words[-1]["end"],
        "text": " ".join(w["word"] for w in words),
        "words": list(words),
    }


def words_into_segments(segments: Sequence[Segment], words: Sequence[Word]) -> list[Segment]:
    """Give each segment the words that fall in its time span (Whisper's verbose_json
    lists words and segments separately). A word goes to the last segment that starts
    at or before its midpoint, so every word lands in exactly one segment."""
    segments = sorted(segments, key=lambda s: (s["start"], s["end"]))
    out = [dict(seg, words=[]) for seg in segments]
    if not out:
        return []
    index = 0
    for word in sorted(words, key=lambda w: (w["start"], w["end"])):
        middle = (word["start"] + word["end"]) / 2
        while index + 1 < len(out) and out[index + 1]["start"] <= middle:
            index += 1
        out[index]["words"].append(word)
    for seg in out:
        if not seg["words"]:
            seg["words"] = _spread_words(seg)
    return out


def _spread_words(seg: Segment) -> list[Word]:
    """Word times for a segment the vendor gave none for: its span shared by word length."""
    tokens = str(seg.get("text") or "").split()
    if not tokens:
        return []
    start, end = float(seg["start"]), max(float(seg["end"]), float(seg["start"]))
    total = sum(len(t) + 1 for t in tokens)
    out, at = [], start
    for token in tokens:
        step = (end - start) * (len(token) + 1) / total
        out.append({"word": token, "start": round(at, 3), "end": round(at + step, 3)})
        at += step
    return out
