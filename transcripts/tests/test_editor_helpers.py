"""Builders for the editor tests: projects, recordings (with a real WAV file), timed T-1s.

Thin names over tests/factories.py, kept because many tests call them.

No tests live here; the module name keeps it inside the editor's test files.
"""

from __future__ import annotations

from media_files.models import AudioFile
from projects.models import Project
from tests.factories import (  # noqa: F401  (SEGMENTS, timed_json, wav_bytes: used by the tests)
    SEGMENTS,
    AudioFileFactory,
    ProjectFactory,
    TranscriptionFactory,
    timed_json,
    wav_bytes,
)


def make_project(user, name: str = "Endo week") -> Project:
    return ProjectFactory(created_by=user, name=name)


def make_audio_file(project, user, *, seconds: float = 20.0, with_file: bool = True) -> AudioFile:
    return AudioFileFactory(
        project=project, uploaded_by=user, duration_seconds=seconds, stored=with_file
    )


def make_transcription(user, segments=SEGMENTS, *, with_file: bool = False, project=None):
    extra = {"audio_file__project": project} if project is not None else {}
    return TranscriptionFactory(
        created_by=user, segments=segments, audio_file__stored=with_file, **extra
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
