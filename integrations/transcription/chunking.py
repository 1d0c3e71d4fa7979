"""Splitting a stream of samples into pieces at silences.

Loudness is measured as RMS over 20 ms frames. What counts as silence adapts to the
recording: the threshold sits between its noise floor and its speech level, measured
on the audio around each cut, so a hissy webinar and a studio podcast both split at
their pauses. A piece never exceeds the engine's limit; when a stretch has no pause
at all, the cut goes to its quietest frame.

The split is deterministic: the same file always gives the same pieces, so a
redelivered job can recognise pieces it already transcribed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from integrations.transcription.audio import SAMPLE_RATE

FRAME_SAMPLES = SAMPLE_RATE // 50  # 20 ms
# A piece whose loudest frames stay under this is silence; Whisper invents words for it.
SILENT_PIECE_DBFS = -65.0
SPLIT_VERSION = 1  # bump when the algorithm changes, so old checkpoints are ignored


@dataclass(frozen=True)
class Piece:
    index: int
    start_sample: int
    pcm: np.ndarray
    silent: bool

    @property
    def start(self) -> float:
        return self.start_sample / SAMPLE_RATE

    @property
    def duration(self) -> float:
        return self.pcm.size / SAMPLE_RATE


def frame_dbfs(pcm: np.ndarray) -> np.ndarray:
    """Loudness of each whole 20 ms frame in dB relative to full scale (floor -90)."""
    frames = pcm[: pcm.size - pcm.size % FRAME_SAMPLES].reshape(-1, FRAME_SAMPLES)
    power = np.square(frames, dtype=np.float64).mean(axis=1)
    rms = np.sqrt(power)
    return 20 * np.log10(np.maximum(rms, 1.0) / 32768.0)


def silence_threshold(db: np.ndarray) -> float:
    """A level between the noise floor and the speech level of these frames."""
    if db.size == 0:
        return -90.0
    floor = float(np.percentile(db, 10))
    loud = float(np.percentile(db, 95))
    return floor + max(3.0, 0.35 * (loud - floor))


def choose_cut(pcm: np.ndarray, low: int, high: int) -> int:
    """Where to end a piece: a sample offset in [low, high], in the longest pause there."""
    db = frame_dbfs(pcm[:high])
    first, last = low // FRAME_SAMPLES, min(high // FRAME_SAMPLES, db.size)
    if last <= first:
        return high
    window = db[first:last]
    quiet = window < silence_threshold(db)
    # Runs of quiet frames as [start, end) pairs; cut in the middle of the longest.
    edges = np.flatnonzero(np.diff(np.concatenate(([0], quiet.astype(np.int8), [0]))))
    starts, ends = edges[0::2], edges[1::2]
    if starts.size:
        longest = int(np.argmax(ends - starts))
        best_mid = int(starts[longest] + (ends[longest] - starts[longest]) // 2)
    else:
        best_mid = int(np.argmin(window))
    return (first + best_mid) * FRAME_SAMPLES


class SilenceSplitter:
    """Cuts a sample stream into pieces of at most `piece_seconds`, at pauses.

    Only the piece being assembled is held in memory (at most `piece_seconds` of
    samples plus one input block).
    """

    def __init__(self, piece_seconds: float, *, min_fraction: float = 0.6):
        self.max_samples = max(FRAME_SAMPLES * 10, int(piece_seconds * SAMPLE_RATE))
        self.max_samples -= self.max_samples % FRAME_SAMPLES
        self.min_samples = int(self.max_samples * min_fraction)

    def split(self, blocks: Iterable[np.ndarray]) -> Iterator[Piece]:
        buffer: list[np.ndarray] = []
        buffered = 0
        start = 0
        index = 0
        for block in blocks:
            buffer.append(block)
            buffered += block.size
            while buffered >= self.max_samples:
                pcm = np.concatenate(buffer)
                cut = choose_cut(pcm, self.min_samples, self.max_samples)
                yield self._piece(index, start, pcm[:cut])
                index += 1
                start += cut
                rest = pcm[cut:].copy()  # drop the reference to the whole buffer
                buffer, buffered = [rest], rest.size
        if buffered:
            pcm = np.concatenate(buffer)
            if pcm.size:
                yield self._piece(index, start, pcm)

    @staticmethod
    def _piece(index: int, start: int, pcm: np.ndarray) -> Piece:
        return Piece(index=index, start_sample=start, pcm=pcm, silent=is_silent(pcm))


def is_silent(pcm: np.ndarray) -> bool:
    """Nothing in these samples is louder than a quiet room (recognisers invent words
    for pure silence, so it is never sent)."""
    db = frame_dbfs(pcm)
    return (float(np.percentile(db, 99.5)) if db.size else -90.0) < SILENT_PIECE_DBFS


def plan_piece_seconds(
    *,
    duration: float | None,
    max_piece_seconds: float,
    parallelism: int,
    min_piece_seconds: float = 60.0,
) -> float:
    """Piece length that keeps every parallel request busy without exceeding the limit.

    A 10-minute talk with 8 requests in flight becomes 8 short pieces rather than one
    long one; a 3-hour lecture becomes rounds of 8 pieces of equal length. Cuts land
    between 60 % and 100 % of the length, so aim for the mean at about 80 %.
    """
    if not duration or duration <= 0:
        return max_piece_seconds
    parallelism = max(1, parallelism)
    rounds = math.ceil(duration / (parallelism * max_piece_seconds * 0.8))
    wanted = duration / (parallelism * rounds) / 0.8
    return max(min(min_piece_seconds, max_piece_seconds), min(wanted, max_piece_seconds))
