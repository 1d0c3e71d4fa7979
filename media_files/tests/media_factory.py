"""Small real audio/video files for tests, encoded with PyAV (its FFmpeg) on the fly."""

from __future__ import annotations

import wave
from pathlib import Path

import av
import numpy as np

# name → (container format or None to guess from the name, audio codec, sample rate, video)
KINDS = {
    "mp3": (None, "mp3", 16000, False),
    "m4a": ("ipod", "aac", 16000, False),
    "aac": ("adts", "aac", 16000, False),
    "wav": (None, "pcm_s16le", 16000, False),
    "flac": (None, "flac", 16000, False),
    "ogg": ("ogg", "flac", 16000, False),
    "opus": ("ogg", "libopus", 48000, False),
    "webm": (None, "libopus", 48000, False),
    "mkv": (None, "flac", 16000, False),
    "mp4": (None, "aac", 16000, True),
    "mov": (None, "aac", 16000, True),
    "video.webm": (None, "libopus", 48000, True),
}


def tone(rate: int, seconds: float) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16)


def _frame(samples: np.ndarray, fmt_name: str) -> av.AudioFrame:
    """A mono frame in the encoder's sample format, from int16 samples."""
    chunk = samples.reshape(1, -1)
    if fmt_name.startswith("s16"):
        data = chunk
    elif fmt_name.startswith("s32"):
        data = chunk.astype(np.int32) << 16
    else:
        data = (chunk.astype(np.float32) / 32768).astype(np.float32)
    return av.AudioFrame.from_ndarray(data, format=fmt_name, layout="mono")


def write_media(path: Path, kind: str, *, seconds: float = 1.0, audio: bool = True) -> Path:
    """Encode `seconds` of a 440 Hz tone (and a tiny black video when the kind has one)."""
    fmt, codec, rate, video = KINDS[kind]
    with av.open(str(path), "w", format=fmt) as out:
        vstream = None
        if video:
            vstream = out.add_stream("libvpx" if kind.endswith("webm") else "mpeg4", rate=10)
            vstream.width, vstream.height, vstream.pix_fmt = 32, 32, "yuv420p"
        if audio:
            astream = out.add_stream(codec, rate=rate, layout="mono")
            samples = tone(rate, seconds)
            size = astream.codec_context.frame_size or 1024
            fmt_name = astream.codec_context.format.name
            for pos in range(0, len(samples), size):
                frame = _frame(samples[pos : pos + size], fmt_name)
                frame.sample_rate, frame.pts = rate, pos
                for packet in astream.encode(frame):
                    out.mux(packet)
            for packet in astream.encode(None):
                out.mux(packet)
        if vstream is not None:
            for index in range(max(1, int(seconds * 10))):
                image = np.zeros((32, 32, 3), dtype=np.uint8)
                frame = av.VideoFrame.from_ndarray(image, format="rgb24")
                frame.pts = index
                for packet in vstream.encode(frame):
                    out.mux(packet)
            for packet in vstream.encode(None):
                out.mux(packet)
    return path


def write_wav(path: Path, *, seconds: float, rate: int = 8000, silent: bool = False) -> Path:
    """A PCM WAV written in blocks (cheap even for tens of megabytes)."""
    block = np.zeros(rate, dtype=np.int16) if silent else tone(rate, 1.0)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        whole, rest = divmod(seconds, 1.0)
        for _ in range(int(whole)):
            out.writeframes(block.tobytes())
        if rest:
            out.writeframes(block[: int(rate * rest)].tobytes())
    return path


def write_mp3_with_cover(path: Path, *, seconds: float = 1.0) -> Path:
    """An mp3 carrying cover art (an attached-picture "video" stream): still audio."""
    with av.open(str(path), "w", format="mp3") as out:
        astream = out.add_stream("mp3", rate=16000, layout="mono")
        cover = out.add_stream("mjpeg", rate=1)
        cover.width, cover.height, cover.pix_fmt = 16, 16, "yuvj420p"
        cover.disposition = av.stream.Disposition.attached_pic
        image = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), dtype=np.uint8), format="rgb24")
        for packet in cover.encode(image.reformat(format="yuvj420p")):
            out.mux(packet)
        for packet in cover.encode(None):
            out.mux(packet)
        samples = tone(16000, seconds)
        size = astream.codec_context.frame_size or 1152
        for pos in range(0, len(samples), size):
            frame = _frame(samples[pos : pos + size], astream.codec_context.format.name)
            frame.sample_rate, frame.pts = 16000, pos
            for packet in astream.encode(frame):
                out.mux(packet)
        for packet in astream.encode(None):
            out.mux(packet)
    return path


def claim_duration(source: Path, target: Path, *, seconds: float) -> Path:
    """A copy of a Matroska/WebM file whose header claims `seconds` (its Segment Info
    Duration, an 8-byte float in milliseconds) while its packets stay as they were."""
    import struct

    data = bytearray(source.read_bytes())
    at = data.find(b"\x44\x89\x88")  # the Duration element, 8-byte payload
    if at < 0:
        raise ValueError(f"{source} has no 8-byte Matroska Duration element")
    data[at + 3 : at + 11] = struct.pack(">d", seconds * 1000)
    target.write_bytes(bytes(data))
    return target
