"""Builders for the editor tests: projects, recordings (with a real WAV file), timed T-1s.

No tests live here; the module name keeps it inside the editor's test files.
"""

from __future__ import annotations

import io
import math
import struct
import uuid
import wave

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from media_files.models import AudioFile
from projects.models import Project, ProjectType
from transcripts.services import transcription_create_t1

SEGMENTS = [
    (0.0, 4.0, "Welcome to the course on endodontics."),
    (4.0, 9.0, "Today we look at root canal treatment of molars."),
    (9.0, 14.0, "The implane is placed after the extraction heals."),
    (14.0, 19.0, "Ceramic crowns need a careful preparation."),
]


def timed_json(segments, source: str = "whisper") -> dict:
    """The seed's JSON with each segment's words spread evenly over the segment."""
    out = []
    for i, (start, end, text) in enumerate(segments):
        words = text.split()
        step = (end - start) / max(1, len(words))
        out.append(
            {
                "id": i,
                "start": start,
                "end": end,
                "text": text,
                "words": [
                    {
                        "word": w,
                        "start": round(start + k * step, 3),
                        "end": round(start + (k + 1) * step, 3),
                    }
                    for k, w in enumerate(words)
                ],
            }
        )
    return {
        "segments": out,
        "metadata": {"source": source, "duration": segments[-1][1] if segments else 0},
    }


def wav_bytes(seconds: float = 20.0, rate: int = 8000) -> bytes:
    """A quiet 220 Hz tone: small, real audio any browser can play and seek."""
    frames = int(seconds * rate)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(
            b"".join(
                struct.pack("<h", int(3000 * math.sin(2 * math.pi * 220 * n / rate)))
                for n in range(frames)
            )
        )
    return buffer.getvalue()


def make_project(user, name: str = "Endo week") -> Project:
    return Project.objects.create(
        name=name, project_type=ProjectType.objects.get(slug="lecture"), created_by=user
    )


def make_audio_file(project, user, *, seconds: float = 20.0, with_file: bool = True) -> AudioFile:
    name = "dr-soto-endo-101.wav"
    path = f"audio/lecture/{uuid.uuid4()}-{name}"
    size = None
    if with_file:
        data = wav_bytes(seconds)
        path = default_storage.save(path, ContentFile(data))
        size = len(data)
    return AudioFile.objects.create(
        project=project,
        file_name=name,
        file_path=path,
        file_size_bytes=size,
        duration_seconds=seconds,
        uploaded_by=user,
    )


def make_transcription(user, segments=SEGMENTS, *, with_file: bool = False, project=None):
    project = project or make_project(user)
    audio = make_audio_file(
        project,
        user,
        seconds=max(20.0, segments[-1][1] + 1 if segments else 20.0),
        with_file=with_file,
    )
    return transcription_create_t1(
        audio_file=audio,
        json_with_timestamps=timed_json(segments),
        source="whisper",
        created_by=user,
    )


def generated_segments(words: int = 30_000, per_segment: int = 10) -> list[tuple]:
    """A long lecture: `words` words in segments of `per_segment`, 0.4 s a word."""
    vocabulary = " ".join(
        [
            "the patient tooth root canal crown implant enamel dentin pulp molar premolar",
            "occlusion periodontal gingiva ceramic veneer bridge abutment anesthesia file",
            "irrigation obturation apex lesion radiograph bone graft suture healing week",
        ]
    ).split()
    segments = []
    t = 0.0
    for s in range(words // per_segment):
        text = (
            " ".join(
                vocabulary[(s * 7 + k * 3) % len(vocabulary)] for k in range(per_segment)
            ).capitalize()
            + "."
        )
        segments.append((round(t, 3), round(t + per_segment * 0.4, 3), text))
        t += per_segment * 0.4
    return segments
