"""Decoding any audio or video to 16 kHz mono s16, streaming, and encoding pieces.

PyAV carries its own FFmpeg, so nothing outside Python is needed. Decoding is a
generator of short sample blocks: a three-hour lecture (345 MB of PCM) never sits in
memory at once.
"""

from __future__ import annotations

import os
import wave
from collections.abc import Generator
from typing import BinaryIO

import av
import av.error
import numpy as np

from integrations.errors import PermanentError

SAMPLE_RATE = 16_000
BLOCK_SAMPLES = SAMPLE_RATE * 5  # decoder output is regrouped into 5-second blocks


Source = str | os.PathLike | BinaryIO


def _open(source: Source):
    return av.open(source if hasattr(source, "read") else os.fspath(source))


def probe_duration(path: Source) -> float | None:
    """Duration in seconds from the container's header (no decoding), None if unknown."""
    try:
        with _open(path) as container:
            stream = _audio_stream(container)
            if stream.duration is not None and stream.time_base is not None:
                return float(stream.duration * stream.time_base)
            if container.duration is not None:
                return container.duration / av.time_base
    except av.error.FFmpegError as exc:
        raise PermanentError(_unreadable(exc)) from exc
    return None


def iter_pcm(
    path: Source, *, block_samples: int = BLOCK_SAMPLES
) -> Generator[np.ndarray, None, None]:
    """16 kHz mono int16 samples of the file's first audio track, in blocks."""
    try:
        with _open(path) as container:
            stream = _audio_stream(container)
            # Video frames are demuxed but never decoded.
            for other in container.streams:
                if other is not stream:
                    other.discard = av.stream.Discard.all
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            pending: list[np.ndarray] = []
            size = 0
            for frame in _decode(container, stream):
                for out in resampler.resample(frame):
                    samples = out.to_ndarray().reshape(-1)
                    pending.append(samples)
                    size += samples.size
                    if size >= block_samples:
                        yield np.concatenate(pending)
                        pending, size = [], 0
            for out in resampler.resample(None):
                pending.append(out.to_ndarray().reshape(-1))
            if pending:
                block = np.concatenate(pending)
                if block.size:
                    yield block
    except av.error.FFmpegError as exc:
        raise PermanentError(_unreadable(exc)) from exc


def _decode(container, stream):
    for packet in container.demux(stream):
        try:
            yield from packet.decode()
        except av.error.InvalidDataError:
            # One damaged packet in a long recording costs a few milliseconds, not the job.
            continue


def _audio_stream(container):
    stream = next((s for s in container.streams if s.type == "audio"), None)
    if stream is None:
        raise PermanentError("The file has no audio track to transcribe.")
    return stream


def _unreadable(exc: Exception) -> str:
    return f"The file could not be read as audio or video ({exc})."


def read_pcm(path: Source) -> np.ndarray:
    """All samples of a (short) file at once; for tests and small inputs only."""
    blocks = list(iter_pcm(path))
    return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.int16)


def write_piece(pcm: np.ndarray, target: str | os.PathLike | BinaryIO, fmt: str) -> None:
    """Encode samples as `fmt` ("flac" or "wav") into a file path or a binary file."""
    if isinstance(target, str | os.PathLike):
        target = os.fspath(target)
    if fmt == "wav":
        with wave.open(target, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(SAMPLE_RATE)
            out.writeframes(np.ascontiguousarray(pcm, dtype="<i2").tobytes())
        return
    if fmt != "flac":
        raise ValueError(f"Unknown piece format {fmt!r}")
    with av.open(target, "w", format="flac") as out:
        stream = out.add_stream("flac", rate=SAMPLE_RATE, layout="mono")
        stream.format = "s16"
        step = 4096
        for at in range(0, pcm.size, step):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(pcm[at : at + step]).reshape(1, -1),
                format="s16",
                layout="mono",
            )
            frame.rate = SAMPLE_RATE
            frame.pts = at
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
