"""Tone-burst "speech" and a local server that speaks OpenAI's audio transcription API.

Synthetic "speech" is a row of tone bursts separated by pauses; burst k is a sine at
`BASE_HZ + STEP_HZ * k`, so the fake server can tell which burst it heard and answer
with the word `w<k>` at the burst's real time. Split a recording anywhere, send the
pieces, join the answers: every `w<k>` must come back exactly once, in order, at the
right time — which is what "no word lost or duplicated at the joins" means.

`FakeOpenAI` answers `POST /v1/audio/transcriptions` in `verbose_json` (top-level
`words` and `segments`, as documented for whisper-1), or follows a script of faults
(HTTP errors with headers, hangs, malformed bodies) for the next requests.
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import av
import numpy as np

from integrations.tests.http_fake import Fault, LocalHTTPFake, read_body, send
from integrations.transcription.audio import SAMPLE_RATE, iter_pcm, probe_duration, write_piece
from integrations.transcription.chunking import frame_dbfs

__all__ = ["Fault"]  # re-exported: the tests script faults with it

BASE_HZ = 400.0
STEP_HZ = 40.0
BURST_SECONDS = 0.4


@dataclass(frozen=True)
class Burst:
    index: int
    start: float
    end: float

    @property
    def word(self) -> str:
        return f"w{self.index}"


def tone_bursts(
    count: int,
    *,
    gap: float = 0.6,
    lead: float = 0.5,
    noise_dbfs: float | None = -70.0,
    seed: int = 1,
    gaps: list[float] | None = None,
) -> tuple[np.ndarray, list[Burst]]:
    """16 kHz s16 samples: `count` bursts with pauses, over a faint noise floor."""
    rng = np.random.default_rng(seed)
    pieces: list[np.ndarray] = []
    bursts: list[Burst] = []
    at = 0
    silence = np.zeros(int(lead * SAMPLE_RATE), dtype=np.float64)
    pieces.append(silence)
    at += silence.size
    n = int(BURST_SECONDS * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    ramp = np.minimum(1.0, np.minimum(np.arange(n), np.arange(n)[::-1]) / 160)
    for k in range(count):
        tone = 0.3 * np.sin(2 * np.pi * (BASE_HZ + STEP_HZ * k) * t) * ramp
        bursts.append(Burst(k, at / SAMPLE_RATE, (at + n) / SAMPLE_RATE))
        pieces.append(tone)
        at += n
        pause = np.zeros(int((gaps[k] if gaps else gap) * SAMPLE_RATE))
        pieces.append(pause)
        at += pause.size
    signal = np.concatenate(pieces)
    if noise_dbfs is not None:
        signal += rng.normal(0, 10 ** (noise_dbfs / 20), signal.size)
    pcm = np.clip(signal * 32767, -32768, 32767).astype(np.int16)
    return pcm, bursts


def write_audio(pcm: np.ndarray, path: Path, fmt: str = "flac") -> Path:
    """Write samples as flac/wav, or as a 44.1 kHz stereo mp3 like a real upload."""
    if fmt in ("flac", "wav"):
        write_piece(pcm, path, fmt)
        return path
    with av.open(str(path), "w", format=fmt) as out:
        codec = {"mp3": "libmp3lame", "mp4": "aac"}[fmt]
        stream = out.add_stream(codec, rate=44100, layout="stereo")
        resampler = av.AudioResampler(
            format=stream.format.name,
            layout="stereo",
            rate=44100,
            frame_size=stream.codec_context.frame_size or None,
        )
        for at in range(0, pcm.size, SAMPLE_RATE):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(pcm[at : at + SAMPLE_RATE]).reshape(1, -1),
                format="s16",
                layout="mono",
            )
            frame.rate = SAMPLE_RATE
            for resampled in resampler.resample(frame):
                for packet in stream.encode(resampled):
                    out.mux(packet)
        for resampled in resampler.resample(None):
            for packet in stream.encode(resampled):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def hear_bursts(pcm: np.ndarray) -> list[Burst]:
    """What the fake server "hears": each loud run of 20 ms frames and its tone's index."""
    db = frame_dbfs(pcm)
    loud = db > -30
    edges = np.flatnonzero(np.diff(np.concatenate(([0], loud.astype(np.int8), [0]))))
    heard = []
    for start, end in zip(edges[0::2], edges[1::2], strict=True):
        if end - start < 3:  # a click at a cut, not a word
            continue
        samples = pcm[start * 320 : end * 320].astype(np.float64)
        spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
        freq = np.argmax(spectrum) * SAMPLE_RATE / samples.size
        heard.append(Burst(round((freq - BASE_HZ) / STEP_HZ), start * 0.02, end * 0.02))
    return heard


def verbose_json(words: list[dict[str, Any]], duration: float, *, per_segment: int = 3):
    """A whisper-1 `verbose_json` body: text, segments (with their decoding stats) and words."""
    segments = []
    for i in range(0, len(words), per_segment):
        chunk = words[i : i + per_segment]
        segments.append(
            {
                "id": len(segments),
                "seek": 0,
                "start": chunk[0]["start"],
                "end": chunk[-1]["end"],
                "text": " " + " ".join(w["word"] for w in chunk) + ".",
                "tokens": [50364, 1000 + i],
                "temperature": 0.0,
                "avg_logprob": -0.2,
                "compression_ratio": 1.1,
                "no_speech_prob": 0.01,
            }
        )
    return {
        "task": "transcribe",
        "language": "english",
        "duration": duration,
        "text": " ".join(w["word"] for w in words),
        "words": words,
        "segments": segments,
        "usage": {"type": "duration", "seconds": round(duration)},
    }


@dataclass
class SeenRequest:
    path: str
    fields: dict[str, list[str]]
    filename: str
    audio_bytes: int
    authorization: str


class FakeOpenAI(LocalHTTPFake):
    """`POST /v1/audio/transcriptions` on 127.0.0.1, in a background thread.

    `script` holds Faults for the next requests (first in, first out); with it empty
    the server listens to the audio and answers honestly. `seconds_per_audio_second`
    makes it sleep like the real service (the benchmark uses 1/30).
    """

    protocol_version = "HTTP/1.1"

    def __init__(self, *, seconds_per_audio_second: float = 0.0, listen: bool = True):
        super().__init__()
        self.on_request = None  # called (in the server's thread) before each answer
        self.seconds_per_audio_second = seconds_per_audio_second
        self.listen = listen

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/v1"

    PASS = None  # use Fault(None) in a script to let one request through

    def fail_next(self, *faults: Fault) -> None:
        self.script.extend(faults)

    def handle(self, request, method):
        with self.busy():
            self._handle(request)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        body = read_body(handler)
        fields, filename, audio = _multipart(handler.headers.get("Content-Type", ""), body)
        fault = self.record(
            SeenRequest(
                path=handler.path,
                fields=fields,
                filename=filename,
                audio_bytes=len(audio),
                authorization=handler.headers.get("Authorization", ""),
            )
        )
        if self.on_request is not None:
            self.on_request(len(self.requests))
        if fault is not None and fault.status is not None:
            self.send_fault(handler, fault, "application/json")
            return
        if handler.path.rstrip("/") != "/v1/audio/transcriptions":
            self._send(handler, 404, json.dumps({"error": {"message": "Not found"}}).encode())
            return
        if self.listen:
            pcm = np.concatenate(list(iter_pcm(io.BytesIO(audio)))) if audio else np.zeros(0)
            duration = pcm.size / SAMPLE_RATE
        else:  # the header's duration is enough, and keeps the benchmark's server cheap
            duration = probe_duration(io.BytesIO(audio)) or 0.0
        if self.seconds_per_audio_second:
            time.sleep(duration * self.seconds_per_audio_second)
        if self.listen:
            words = [
                {"word": b.word, "start": round(b.start, 2), "end": round(b.end, 2)}
                for b in hear_bursts(pcm)
            ]
        else:  # a talker at 2.5 words a second, for the benchmark
            words = [
                {"word": f"word{i}", "start": round(i * 0.4, 2), "end": round(i * 0.4 + 0.3, 2)}
                for i in range(int(duration * 2.5))
            ]
        reply = verbose_json(words, duration)
        self._send(handler, 200, json.dumps(reply).encode())

    @staticmethod
    def _send(handler, status: int, body: bytes) -> None:
        send(handler, status, body, {"Content-Type": "application/json"})


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, list[str]], str, bytes]:
    """Form fields, file name and file bytes of a multipart/form-data body."""
    boundary = content_type.partition("boundary=")[2].strip('"').encode()
    fields: dict[str, list[str]] = {}
    filename, audio = "", b""
    if not boundary:
        return fields, filename, audio
    for part in body.split(b"--" + boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, _, payload = part.partition(b"\r\n\r\n")
        payload = payload.removesuffix(b"\r\n")
        headers = BytesParser(policy=HTTP).parsebytes(head.strip() + b"\r\n\r\n")
        name = headers.get_param("name", header="content-disposition")
        if headers.get_filename():
            filename, audio = headers.get_filename(), payload
        else:
            fields.setdefault(name, []).append(payload.decode())
    return fields, filename, audio
