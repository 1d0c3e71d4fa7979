"""Transcripts with a final English version, ready to translate; local vendor servers."""

from __future__ import annotations

import pytest

from integrations.tests.elevenlabs_fake import FakeElevenLabs
from integrations.tests.llm_fakes import FakeAnthropic
from media_files.models import AudioFile
from projects.models import Project, ProjectType
from transcripts.models import Transcription, TranscriptionVersion

ENGLISH = [
    (0.0, 2.5, "Good morning, everyone."),
    (2.5, 6.0, "Today we place ceramic veneers on the upper incisors."),
    (6.0, 9.75, "The implane needs six weeks before the crown goes on."),
    (9.75, 12.0, "Thank you, Dr. Soto."),
]


def english_json(lines=ENGLISH):
    segments = []
    for index, (start, end, text) in enumerate(lines):
        words = text.split()
        step = (end - start) / len(words)
        segments.append(
            {
                "id": index,
                "start": start,
                "end": end,
                "text": text,
                "words": [
                    {
                        "word": w,
                        "start": round(start + i * step, 3),
                        "end": round(start + (i + 1) * step, 3),
                    }
                    for i, w in enumerate(words)
                ],
            }
        )
    return {"segments": segments, "metadata": {"source": "whisper", "duration": lines[-1][1]}}


def add_english_version(transcription, user, lines=ENGLISH, *, final=True):
    """An editor's save (H-n) of the English transcript, made final unless told otherwise."""
    number = transcription.versions.count() + 1
    data = english_json(lines)
    version = TranscriptionVersion.objects.create(
        transcription=transcription,
        version_number=number,
        version_type=f"H-{number}",
        edited_text="\n".join(seg["text"] for seg in data["segments"]),
        json_with_timestamps=data,
        edited_by=user,
    )
    if final:
        transcription.final_version = version
        transcription.save(update_fields=["final_version"])
    return version


@pytest.fixture
def project(editor):
    return Project.objects.create(
        name="Implant course", project_type=ProjectType.objects.get(slug="other"), created_by=editor
    )


@pytest.fixture
def audio_file(project, editor):
    return AudioFile.objects.create(
        project=project,
        file_name="Lecture 1.mp3",
        file_path="audio/other/lecture-1.mp3",
        uploaded_by=editor,
    )


@pytest.fixture
def transcription(audio_file, editor):
    data = english_json()
    return Transcription.objects.create(
        audio_file=audio_file,
        raw_text="\n".join(seg["text"] for seg in data["segments"]),
        json_with_timestamps=data,
        created_by=editor,
    )


@pytest.fixture
def final_transcription(transcription, editor):
    add_english_version(transcription, editor)
    return transcription


@pytest.fixture
def fake_claude(settings):
    server = FakeAnthropic().start()
    settings.LLM_ENGINE = "anthropic"
    settings.ANTHROPIC_API_KEY = "test-key"
    settings.ANTHROPIC_BASE_URL = server.url
    settings.ANTHROPIC_MODEL = "claude-test-model"
    settings.VENDOR_MAX_RETRIES = 0
    yield server
    server.stop()


@pytest.fixture
def fake_elevenlabs(settings):
    server = FakeElevenLabs().start()
    settings.ELEVENLABS_API_KEY = "xi-test"
    settings.ELEVENLABS_BASE_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def media_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path
