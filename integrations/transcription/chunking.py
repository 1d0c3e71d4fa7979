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
# A pause this long is a good place to cut (a sentence or clause boundary); the cut
# goes into the latest such pause in reach, so pieces come out close to full length.
GOOD_PAUSE_FRAMES = 25  # 0.5 s
# A piece whose loudest frames stay under this is silence; Whisper invents words for it.
SILENT_PIECE_DBFS = -65.0
MEAN_FILL = 0.9  # pieces come out at about this fraction of the planned length
SPLIT_VERSION = 2  # bump when the algorithm changes, so old checkpoints are ignored
_DB_CHUNK_FRAMES = 4096  # loudness is computed this many frames at a time (small temporaries)


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
    out = np.empty(frames.shape[0], dtype=np.float64)
    for at in range(0, frames.shape[0], _DB_CHUNK_FRAMES):
        chunk = frames[at : at + _DB_CHUNK_FRAMES].astype(np.float32)
        power = np.einsum("ij,ij->i", chunk, chunk, dtype=np.float64) / FRAME_SAMPLES
        out[at : at + chunk.shape[0]] = power
    return 20 * np.log10(np.maximum(np.sqrt(out), 1.0) / 32768.0)


def silence_threshold(db: np.ndarray) -> float:
    """A level between the noise floor and the speech level of these frames."""
    if db.size == 0:
        return -90.0
    floor = float(np.percentile(db, 10))
    loud = float(np.percentile(db, 95))
    return floor + max(3.0, 0.35 * (loud - floor))


def choose_cut_frame(db: np.ndarray, low: int, high: int) -> int:
    """Where to end a piece, as a frame index in [low, high]: in the latest pause of at
    least GOOD_PAUSE_FRAMES there, else in the longest pause, else at the quietest frame.
    `db` is the loudness of the frames from the piece's start (at least `high` of them).
    """
    high = min(high, db.size)
    if high <= low:
        return high
    window = db[low:high]
    quiet = window < silence_threshold(db[:high])
    # Runs of quiet frames as [start, end) pairs.
    edges = np.flatnonzero(np.diff(np.concatenate(([0], quiet.astype(np.int8), [0]))))
    starts, ends = edges[0::2], edges[1::2]
    if starts.size:
        lengths = ends - starts
        good = np.flatnonzero(lengths >= GOOD_PAUSE_FRAMES)
        pick = int(good[-1]) if good.size else int(np.argmax(lengths))
        middle = int(starts[pick] + lengths[pick] // 2)
    else:
        middle = int(np.argmin(window))
    return low + middle


class SilenceSplitter:
    """Cuts a sample stream into pieces of at most `piece_seconds`, at pauses.

    Only the piece being assembled is held in memory (at most `piece_seconds` of
    samples plus one input block), with the loudness of its 20 ms frames, measured
    once as the samples arrive.
    """

    def __init__(self, piece_seconds: float, *, min_fraction: float = 0.6):
        self.max_frames = max(10, int(piece_seconds * SAMPLE_RATE) // FRAME_SAMPLES)
        self.min_frames = int(self.max_frames * min_fraction)

    def split(self, blocks: Iterable[np.ndarray]) -> Iterator[Piece]:
        # Pieces start on frame boundaries, so a frame's index is its sample // 320.
        samples: list[np.ndarray] = []  # the piece being assembled
        loudness: list[np.ndarray] = []  # dB of its whole frames
        framed = 0  # samples covered by `loudness`
        buffered = 0
        start = 0
        index = 0
        for block in blocks:
            samples.append(block)
            buffered += block.size
            whole = (buffered - framed) // FRAME_SAMPLES * FRAME_SAMPLES
            if whole:
                tail = _tail(samples, buffered - framed, whole)
                loudness.append(frame_dbfs(tail))
                framed += whole
            while framed >= self.max_frames * FRAME_SAMPLES:
                db = np.concatenate(loudness)
                cut_frame = choose_cut_frame(db, self.min_frames, self.max_frames)
                cut = cut_frame * FRAME_SAMPLES
                pcm = np.concatenate(samples)
                yield Piece(index, start, pcm[:cut], _silent(db[:cut_frame]))
                index += 1
                start += cut
                rest = pcm[cut:].copy()  # drop the reference to the whole buffer
                del pcm
                samples, buffered = [rest], rest.size
                loudness, framed = [db[cut_frame:]], framed - cut
        if buffered:
            pcm = np.concatenate(samples)
            yield Piece(index, start, pcm, is_silent(pcm))


def _tail(samples: list[np.ndarray], unframed: int, take: int) -> np.ndarray:
    """The first `take` of the last `unframed` samples buffered in `samples`."""
    parts, need = [], unframed
    for block in reversed(samples):
        parts.append(block[-need:] if block.size > need else block)
        need -= parts[-1].size
        if need <= 0:
            break
    return np.concatenate(parts[::-1])[:take]


def _silent(db: np.ndarray) -> bool:
    return (float(np.percentile(db, 99.5)) if db.size else -90.0) < SILENT_PIECE_DBFS


def is_silent(pcm: np.ndarray) -> bool:
    """Nothing in these samples is louder than a quiet room (recognisers invent words
    for pure silence, so it is never sent)."""
    return _silent(frame_dbfs(pcm))


def plan_piece_seconds(
    *,
    duration: float | None,
    max_piece_seconds: float,
    parallelism: int,
    min_piece_seconds: float = 60.0,
) -> float:
    """Piece length that keeps every parallel request busy without exceeding the limit.

    A 10-minute talk with 8 requests in flight becomes 8 short pieces rather than one
    long one; a 3-hour lecture becomes rounds of 8 pieces of equal length. Cuts go to
    the latest good pause after 60 % of the length, so pieces average about 90 %.
    """
    if not duration or duration <= 0:
        return max_piece_seconds
    parallelism = max(1, parallelism)
    rounds = math.ceil(duration / (parallelism * max_piece_seconds * MEAN_FILL))
    wanted = duration / (parallelism * rounds) / MEAN_FILL
    return max(min(min_piece_seconds, max_piece_seconds), min(wanted, max_piece_seconds))
