"""Long media end to end: decode → split at silences → transcribe pieces in parallel → join.

Plain Python (no Django), so the benchmark drives exactly the code the job runs. The
caller supplies callbacks: `on_piece` to store each finished piece (the job keeps
them, so a redelivered task skips what is done), `on_progress` to report progress
(it may raise to cancel). Only the main thread calls them; worker threads only talk
to the engine, so database access stays on one connection.

Memory stays flat in the length of the recording: samples are decoded as a stream,
at most one piece is assembled in memory, encoded pieces wait on disk, and no more
than `parallelism + 2` pieces are in flight at once.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from integrations.errors import PermanentError, TransientError
from integrations.transcription.audio import SAMPLE_RATE, iter_pcm, probe_duration, write_piece
from integrations.transcription.base import Audio, Segment, TranscriptionEngine
from integrations.transcription.chunking import (
    MEAN_FILL,
    SPLIT_VERSION,
    Piece,
    SilenceSplitter,
    plan_piece_seconds,
)
from integrations.transcription.join import PieceTranscript, join_pieces

LOOKAHEAD = 2  # pieces encoded and waiting beyond those being transcribed
# A piece waits in place for a Retry-After up to this long; longer waits go back to
# the job runner, which reschedules the task instead of holding a worker.
MAX_IN_PLACE_WAIT_SECONDS = 60.0


@dataclass(frozen=True)
class PiecePlan:
    """How a recording is cut. Its `key` must match for stored pieces to be reused."""

    engine: str
    model: str
    piece_seconds: float
    parallelism: int
    duration_hint: float | None

    @property
    def key(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "model": self.model,
            "piece_seconds": round(self.piece_seconds, 3),
            "split": SPLIT_VERSION,
        }


@dataclass(frozen=True)
class Progress:
    pieces_done: int
    pieces_seen: int
    pieces_total: int | None  # known once the whole file has been split
    pieces_expected: int  # estimate from the container's duration, while splitting
    note: str = ""

    @property
    def fraction(self) -> float:
        total = self.pieces_total or max(self.pieces_expected, self.pieces_seen, 1)
        return min(1.0, self.pieces_done / total)

    @property
    def message(self) -> str:
        if self.note:
            return self.note
        if self.pieces_seen == 0:
            return "Reading the recording…"
        # The piece being worked on: "piece 7 of 40" while the seventh is transcribed.
        if self.pieces_total is not None:
            return f"piece {min(self.pieces_done + 1, self.pieces_total)} of {self.pieces_total}"
        about = max(self.pieces_expected, self.pieces_seen, self.pieces_done + 1)
        return f"piece {self.pieces_done + 1} of about {about}"


@dataclass(frozen=True)
class MediaTranscript:
    segments: list[Segment]
    duration: float
    pieces: int
    reused_pieces: int


def plan_pieces(
    path: str | os.PathLike,
    *,
    engine: TranscriptionEngine,
    parallelism: int,
    max_piece_seconds: float | None = None,
) -> PiecePlan:
    parallelism = max(1, min(parallelism, engine.max_parallel or parallelism))
    duration = probe_duration(path)
    limit = engine.piece_seconds_limit()
    if max_piece_seconds:
        limit = min(limit, max_piece_seconds)
    return PiecePlan(
        engine=engine.name,
        model=engine.model,
        piece_seconds=plan_piece_seconds(
            duration=duration, max_piece_seconds=limit, parallelism=parallelism
        ),
        parallelism=parallelism,
        duration_hint=duration,
    )


def _noop(*_args: Any) -> None:
    return None


def _nothing(_index: int) -> None:
    return None


def transcribe_media(
    path: str | os.PathLike,
    *,
    engine: TranscriptionEngine,
    plan: PiecePlan | None = None,
    parallelism: int = 8,
    prompt_vocabulary: Sequence[str] = (),
    language: str = "en",
    reuse_piece: Callable[[int], PieceTranscript | None] | None = None,
    on_piece: Callable[[PieceTranscript], None] = _noop,
    on_progress: Callable[[Progress], None] = _noop,
    state: Mapping[str, Any] | None = None,
    on_state: Callable[[dict[str, Any]], None] = _noop,
    piece_retries: int = 0,
    retry_delay: Callable[[int, float | None], float] | None = None,
    heartbeat_seconds: float = 2.0,
    workdir: str | os.PathLike | None = None,
) -> MediaTranscript:
    """The whole recording's segments, joined, with times from its start."""
    if not engine.splits_media:
        return _transcribe_whole(
            path,
            engine=engine,
            prompt_vocabulary=prompt_vocabulary,
            language=language,
            on_progress=on_progress,
            state=state,
            on_state=on_state,
        )
    plan = plan or plan_pieces(path, engine=engine, parallelism=parallelism)
    return _PieceRun(
        path=path,
        engine=engine,
        plan=plan,
        prompt_vocabulary=list(prompt_vocabulary),
        language=language,
        reuse_piece=reuse_piece or _nothing,
        on_piece=on_piece,
        on_progress=on_progress,
        piece_retries=piece_retries,
        retry_delay=retry_delay or _default_delay,
        heartbeat_seconds=heartbeat_seconds,
        workdir=workdir,
    ).run()


def _default_delay(retries: int, retry_after: float | None) -> float:
    return max(min(30.0, 2.0 ** (retries + 1)), retry_after or 0.0)


def _transcribe_whole(path, *, engine, prompt_vocabulary, language, on_progress, state, on_state):
    def on_wait(note: str) -> None:
        on_progress(Progress(0, 0, 1, 1, note=note))

    on_wait("Sending the recording…")
    segments = engine.transcribe(
        path,
        prompt_vocabulary=prompt_vocabulary,
        language=language,
        state=state,
        on_state=on_state,
        on_wait=on_wait,
    )
    on_progress(Progress(1, 1, 1, 1))
    duration = probe_duration(path) or (segments[-1]["end"] if segments else 0.0)
    return MediaTranscript(segments=segments, duration=duration, pieces=1, reused_pieces=0)


@dataclass(frozen=True)
class _PieceInfo:
    index: int
    start_sample: int
    samples: int


class _PieceRun:
    def __init__(
        self,
        *,
        path,
        engine,
        plan,
        prompt_vocabulary,
        language,
        reuse_piece,
        on_piece,
        on_progress,
        piece_retries,
        retry_delay,
        heartbeat_seconds,
        workdir,
    ):
        self.path = path
        self.engine = engine
        self.plan = plan
        self.vocabulary = prompt_vocabulary
        self.language = language
        self.reuse_piece = reuse_piece
        self.on_piece = on_piece
        self.on_progress = on_progress
        self.piece_retries = piece_retries
        self.retry_delay = retry_delay
        self.heartbeat_seconds = heartbeat_seconds
        self.workdir = workdir
        self.results: dict[int, PieceTranscript] = {}
        self.pending: dict[Future, tuple[_PieceInfo, Path | None]] = {}
        self.error: Exception | None = None
        self.seen = 0
        self.total: int | None = None
        self.reused = 0
        self.samples = 0
        self.last_report = 0.0
        hint = plan.duration_hint
        self.expected = max(1, math.ceil(hint / (plan.piece_seconds * MEAN_FILL))) if hint else 1

    def run(self) -> MediaTranscript:
        pool = ThreadPoolExecutor(
            max_workers=self.plan.parallelism, thread_name_prefix="transcribe-piece"
        )
        blocks = iter_pcm(self.path)
        finished = False
        try:
            with tempfile.TemporaryDirectory(prefix="max-pieces-", dir=self.workdir) as tmp:
                self._report(force=True)
                splitter = SilenceSplitter(self.plan.piece_seconds)
                for piece in splitter.split(blocks):
                    self.seen = piece.index + 1
                    self.samples = piece.start_sample + piece.pcm.size
                    if not self._reuse_or_skip(piece):
                        self._submit(pool, piece, Path(tmp))
                    self._collect(block=False)
                    if self.error is not None:
                        break
                else:
                    self.total = self.seen
                self._drain(pool)
                finished = True
        finally:
            blocks.close()
            # After a failure or Cancel, don't wait for requests still in the air.
            pool.shutdown(wait=finished, cancel_futures=True)
        missing = [i for i in range(self.seen) if i not in self.results]
        if missing:  # pragma: no cover - guarded by the error path above
            raise TransientError(f"Pieces {missing[:5]} were not transcribed.")
        segments = join_pieces(self.results[i] for i in range(self.seen))
        return MediaTranscript(
            segments=segments,
            duration=round(self.samples / SAMPLE_RATE, 3),
            pieces=self.seen,
            reused_pieces=self.reused,
        )

    def _reuse_or_skip(self, piece: Piece) -> bool:
        previous = self.reuse_piece(piece.index)
        if (
            previous is not None
            and previous.start_sample == piece.start_sample
            and previous.samples == piece.pcm.size
        ):
            self.results[piece.index] = previous
            self.reused += 1
            self._report(force=True)
            return True
        if piece.silent:
            self._finish(_PieceInfo(piece.index, piece.start_sample, piece.pcm.size), [])
            return True
        return False

    def _submit(self, pool: ThreadPoolExecutor, piece: Piece, tmp: Path) -> None:
        while len(self.pending) >= self.plan.parallelism + LOOKAHEAD and self.error is None:
            self._collect(block=True)
        if self.error is not None:
            return
        info = _PieceInfo(piece.index, piece.start_sample, piece.pcm.size)
        payload: Audio
        if self.engine.piece_format == "pcm":
            payload, file = piece.pcm, None
        else:
            # The samples go to disk now; only the bookkeeping stays in memory.
            file = tmp / f"piece-{piece.index:05d}.{self.engine.piece_format}"
            write_piece(piece.pcm, file, self.engine.piece_format)
            size = file.stat().st_size
            if self.engine.max_request_bytes and size > self.engine.max_request_bytes:
                raise PermanentError(
                    f"Piece {piece.index + 1} encodes to {size / 1e6:.1f} MB, over the "
                    f"{self.engine.max_request_bytes / 1e6:.0f} MB the engine accepts."
                )
            payload = file
        future = pool.submit(self._transcribe_piece, payload)
        self.pending[future] = (info, file)

    def _transcribe_piece(self, payload) -> list[Segment]:
        attempt = 0
        while True:
            try:
                return self.engine.transcribe(
                    payload, prompt_vocabulary=self.vocabulary, language=self.language
                )
            except TransientError as exc:
                delay = self.retry_delay(attempt, exc.retry_after)
                if attempt >= self.piece_retries or delay > MAX_IN_PLACE_WAIT_SECONDS:
                    raise
                time.sleep(delay)
                attempt += 1

    def _collect(self, *, block: bool) -> None:
        if not self.pending:
            self._report()
            return
        completed, _ = wait(
            list(self.pending),
            timeout=self.heartbeat_seconds if block else 0,
            return_when=FIRST_COMPLETED,
        )
        for future in completed:
            piece, file = self.pending.pop(future)
            if file is not None:
                with contextlib.suppress(OSError):
                    file.unlink()
            try:
                segments = future.result()
            except Exception as exc:
                self._fail(exc)
                continue
            self._finish(piece, segments)
        self._report(force=bool(completed))

    def _fail(self, exc: Exception) -> None:
        # A permanent fault decides the outcome over a transient one: retrying won't help.
        if self.error is None or (
            isinstance(exc, PermanentError) and not isinstance(self.error, PermanentError)
        ):
            self.error = exc
        for future in self.pending:
            future.cancel()

    def _finish(self, piece: _PieceInfo, segments: list[Segment]) -> None:
        result = PieceTranscript(
            index=piece.index,
            offset=round(piece.start_sample / SAMPLE_RATE, 3),
            duration=round(piece.samples / SAMPLE_RATE, 3),
            segments=segments,
            start_sample=piece.start_sample,
            samples=piece.samples,
        )
        self.results[piece.index] = result
        self.on_piece(result)

    def _drain(self, pool: ThreadPoolExecutor) -> None:
        while self.pending:
            for future in [f for f in self.pending if f.cancelled()]:
                _piece, file = self.pending.pop(future)
                if file is not None:
                    with contextlib.suppress(OSError):
                        file.unlink()
            if self.pending:
                self._collect(block=True)
        if self.error is not None:
            raise self.error

    def _report(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last_report < self.heartbeat_seconds:
            return
        self.last_report = now
        self.on_progress(
            Progress(
                pieces_done=len(self.results),
                pieces_seen=self.seen,
                pieces_total=self.total,
                pieces_expected=self.expected,
            )
        )
