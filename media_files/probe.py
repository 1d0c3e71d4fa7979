"""What is inside an uploaded file, decided by its content (never by its name).

PyAV's wheels carry FFmpeg, so the probe needs nothing outside Python. A file is
accepted when FFmpeg recognises one of the container formats editors use (mp3, m4a,
aac, wav, flac, ogg/opus, mp4, mov, webm, mkv), it has an audio stream that
actually decodes, and a duration can be read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import IO

import av
import av.error
from django.core.exceptions import ValidationError

# FFmpeg demuxer names (a container reports several, comma-separated).
ACCEPTED_FORMATS = {"mp3", "mov", "mp4", "m4a", "aac", "wav", "flac", "ogg", "matroska", "webm"}
ACCEPTED_EXTENSIONS = (
    "mp3",
    "m4a",
    "aac",
    "wav",
    "flac",
    "ogg",
    "opus",
    "mp4",
    "mov",
    "webm",
    "mkv",
)
# What to call a file whose name has no usable extension, by demuxer and kind.
_EXTENSION_FOR_FORMAT = {
    "mp3": "mp3",
    "aac": "aac",
    "wav": "wav",
    "flac": "flac",
    "ogg": "ogg",
}


@dataclass(frozen=True)
class MediaProbe:
    duration_seconds: float
    file_type: str  # "audio" | "video"
    format_name: str  # FFmpeg's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    audio_codec: str

    @property
    def default_extension(self) -> str:
        names = self.format_name.split(",")
        for name in names:
            if name in _EXTENSION_FOR_FORMAT:
                return _EXTENSION_FOR_FORMAT[name]
        if "matroska" in names or "webm" in names:
            return "webm" if self.audio_codec in ("opus", "vorbis") else "mkv"
        return "mp4" if self.file_type == "video" else "m4a"


UNREADABLE = (
    "“{name}” is not an audio or video file we can read. Accepted: "
    + ", ".join(ACCEPTED_EXTENSIONS)
    + "."
)


def probe_media(source: str | os.PathLike | IO[bytes], *, name: str) -> MediaProbe:
    """Probe a path or a seekable binary file; raise ValidationError with a clear message.

    `name` is only used in messages.
    """
    opened = str(source) if isinstance(source, (str, os.PathLike)) else source
    try:
        with av.open(opened, mode="r") as container:
            return _inspect(container, name=name)
    except (av.error.FFmpegError, OSError) as exc:
        raise ValidationError(UNREADABLE.format(name=name), code="unreadable") from exc
    finally:
        if not isinstance(source, (str, os.PathLike)):
            source.seek(0)


def _inspect(container, *, name: str) -> MediaProbe:
    formats = set(container.format.name.split(","))
    if not formats & ACCEPTED_FORMATS:
        raise ValidationError(UNREADABLE.format(name=name), code="format")
    audio_streams = list(container.streams.audio)
    if not audio_streams:
        raise ValidationError(
            f"“{name}” has no audio track, so there is nothing to transcribe.", code="no_audio"
        )
    audio = audio_streams[0]
    has_video = any(
        not (stream.disposition & av.stream.Disposition.attached_pic)  # cover art is not video
        for stream in container.streams.video
    )
    duration = _header_duration(container, audio)
    if not _decodes(container, audio):
        raise ValidationError(
            f"“{name}” has an audio track that cannot be decoded (damaged or unsupported).",
            code="undecodable",
        )
    if duration is None:
        duration = _demuxed_duration(container, audio)
    if not duration or duration <= 0:
        raise ValidationError(
            f"“{name}” has no readable duration (the file may be cut off).", code="no_duration"
        )
    return MediaProbe(
        duration_seconds=round(duration, 3),
        file_type="video" if has_video else "audio",
        format_name=container.format.name,
        audio_codec=audio.codec_context.name,
    )


def _header_duration(container, audio) -> float | None:
    if audio.duration is not None and audio.time_base is not None and audio.duration > 0:
        return float(audio.duration * audio.time_base)
    if container.duration is not None and container.duration > 0:
        return container.duration / av.time_base
    return None


def _decodes(container, audio) -> bool:
    """Decode the first few packets: a header alone does not prove there is audio."""
    for other in container.streams:
        if other is not audio:
            other.discard = av.stream.Discard.all  # demux video without decoding it
    try:
        for index, packet in enumerate(container.demux(audio)):
            if packet.size and packet.decode():
                return True
            if index > 50:
                return False
    except av.error.FFmpegError:
        return False
    return False


def _demuxed_duration(container, audio) -> float | None:
    """Last packet's end time, for files whose header carries no duration (live-recorded
    webm, raw aac). Packets are read, not decoded."""
    try:
        container.seek(0)
    except av.error.FFmpegError:
        return None
    end = None
    for packet in container.demux(audio):
        if packet.pts is None or packet.time_base is None:
            continue
        stop = float((packet.pts + (packet.duration or 0)) * packet.time_base)
        end = stop if end is None else max(end, stop)
    return end
