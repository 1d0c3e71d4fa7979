"""Transcripts with a final English version, ready to translate; local vendor servers."""

from __future__ import annotations

import pytest

from integrations.tests.elevenlabs_fake import FakeElevenLabs
from integrations.tests.llm_fakes import FakeAnthropic
from tests.factories import (
    AudioFileFactory,
    ProjectFactory,
    TranscriptionFactory,
    TranscriptionVersionFactory,
    timed_json,
)

ENGLISH = [
    (0.0, 2.5, "Good morning, everyone."),
    (2.5, 6.0, "Today we place ceramic veneers on the upper incisors."),
    (6.0, 9.75, "The implane needs six weeks before the crown goes on."),
    (9.75, 12.0, "Thank you, Dr. Soto."),
]


def english_json(lines=ENGLISH):
    return timed_json(lines)


def add_english_version(transcription, user, lines=ENGLISH, *, final=True):
    """An editor's save (H-n) of the English transcript, made final unless told otherwise."""
    return TranscriptionVersionFactory(
        transcription=transcription, edited_by=user, segments=lines, final=final
    )


@pytest.fixture
def project(editor):
    return ProjectFactory(created_by=editor, name="Implant course", project_type__slug="other")


@pytest.fixture
def audio_file(project, editor):
    return AudioFileFactory(
        project=project,
        file_name="Lecture 1.mp3",
        file_path="audio/other/lecture-1.mp3",
        uploaded_by=editor,
    )


@pytest.fixture
def transcription(audio_file, editor):
    # The bare row these tests were written against (no transcription.create activity).
    return TranscriptionFactory(
        audio_file=audio_file, created_by=editor, segments=ENGLISH, through_service=False
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
