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


# The extensions a file of each kind may keep from its name (anything else gets the
# kind's default_extension), so a WAV uploaded as "talk.mp3" is stored and downloaded as .wav.
_EXTENSIONS_FOR_FORMAT = {
    "mp3": {"mp3"},
    "aac": {"aac"},
    "wav": {"wav"},
    "flac": {"flac"},
    "ogg": {"ogg", "opus"},
    "matroska": {"mkv", "webm"},
    "webm": {"mkv", "webm"},
    "mov": {"mp4", "m4a", "mov"},
    "mp4": {"mp4", "m4a", "mov"},
}
# A header may round or estimate; a claim this far beyond the audio it holds is not that.
CLAIM_SLACK_FACTOR = 1.5
CLAIM_SLACK_SECONDS = 10.0
# Where the check of the stream's real end starts, before the claimed end.
TAIL_SECONDS = 10.0


@dataclass(frozen=True)
class MediaProbe:
    duration_seconds: float  # what the audio track really holds
    file_type: str  # "audio" | "video"
    format_name: str  # FFmpeg's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    audio_codec: str
    sample_rate: int = 0  # Hz, of the audio track

    def extension_for(self, name: str) -> str:
        """The name's own extension when it fits the content, else the content's default."""
        ext = name.rpartition(".")[2].lower() if "." in name else ""
        fitting = set().union(
            *(_EXTENSIONS_FOR_FORMAT.get(f, set()) for f in self.format_name.split(","))
        )
        if self.file_type == "video":
            fitting.discard("m4a")
        return ext if ext in fitting else self.default_extension

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
    sample_rate = int(audio.codec_context.sample_rate or audio.sample_rate or 0)
    claimed = _header_duration(container, audio)
    if not _decodes(container, audio):
        raise ValidationError(
            f"“{name}” has an audio track that cannot be decoded (damaged or unsupported).",
            code="undecodable",
        )
    held = _held_duration(container, audio, claimed)
    if not held or held <= 0:
        raise ValidationError(
            f"“{name}” has no readable duration (the file may be cut off).", code="no_duration"
        )
    if claimed and claimed > held * CLAIM_SLACK_FACTOR + CLAIM_SLACK_SECONDS:
        raise ValidationError(
            f"“{name}” says it is {clock(claimed)} long, but its audio stops at {clock(held)}: "
            "the file is cut off or damaged. Export or download it again and upload the new file.",
            code="duration_mismatch",
        )
    # The header's figure when the audio bears it out (it is exact where the packets' ends
    # are rounded); what the audio holds when the header says less.
    duration = claimed if claimed and claimed >= held * 0.95 - 1 else held
    return MediaProbe(
        duration_seconds=round(duration, 3),
        file_type="video" if has_video else "audio",
        format_name=container.format.name,
        audio_codec=audio.codec_context.name,
        sample_rate=sample_rate,
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


def _held_duration(container, audio, claimed: float | None) -> float | None:
    """How long the audio track really is: the end of its last packet (packets are read,
    not decoded). Reading starts shortly before the claimed end, so an honest file costs a
    few packets; a header that claims more than the file holds sends the search to the end
    of what is there, read from the start."""
    if claimed:
        end = _last_packet_end(container, audio, from_seconds=max(0.0, claimed - TAIL_SECONDS))
        if end is not None:
            return end
    return _last_packet_end(container, audio, from_seconds=0.0)


def _last_packet_end(container, audio, *, from_seconds: float) -> float | None:
    time_base = audio.time_base
    if time_base is None:
        return None
    try:
        if from_seconds > 0:
            container.seek(int(from_seconds / time_base), stream=audio, backward=True)
        else:
            container.seek(0)
    except (av.error.FFmpegError, OverflowError):
        return None
    end = None
    try:
        for packet in container.demux(audio):
            if packet.pts is None or not packet.size:
                continue
            stop = float((packet.pts + (packet.duration or 0)) * time_base)
            end = stop if end is None else max(end, stop)
    except av.error.FFmpegError:
        pass  # a damaged end: what was read so far is what the file holds
    if end is not None and from_seconds > 0 and end < from_seconds:
        return None  # the seek landed before the window: the claim is not in the file
    return end


def clock(seconds: float) -> str:
    """1:02:03 / 2:03 for messages; absurd figures as hours."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours >= 1000:
        return f"{hours:,} hours"
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
