"""Test audio for the transcription tests, and the OpenAI transcription server.

The tone-burst audio and the local server speaking OpenAI's audio transcription API
live with the vendor code they fake (`integrations.tests.transcription_fake`) and are
re-exported here; this module adds the recorded speech fixtures and test storage.
"""

from __future__ import annotations

from pathlib import Path

from integrations.tests.transcription_fake import (
    BASE_HZ,
    BURST_SECONDS,
    STEP_HZ,
    Burst,
    FakeOpenAI,
    Fault,
    SeenRequest,
    hear_bursts,
    tone_bursts,
    verbose_json,
    write_audio,
)

__all__ = [
    "BASE_HZ",
    "BURST_SECONDS",
    "DENTAL_FIXTURE",
    "DENTAL_TEXT",
    "FIXTURES",
    "SPEECH_FIXTURE",
    "SPEECH_TEXT",
    "SPEECH_WORDS",
    "STEP_HZ",
    "Burst",
    "FakeOpenAI",
    "Fault",
    "SeenRequest",
    "hear_bursts",
    "isolate_storage",
    "tone_bursts",
    "verbose_json",
    "write_audio",
]

FIXTURES = Path(__file__).parent / "fixtures"
SPEECH_FIXTURE = FIXTURES / "speech.flac"
SPEECH_TEXT = (
    "hello everyone. please open your books now. we are going to the store today. "
    "i live in new york city. the economy is growing."
)
SPEECH_WORDS = SPEECH_TEXT.replace(".", "").split()
# Dental terms the bundled tiny.en model mishears without the glossary as its prompt
# ("a reversible phi", "a very ethical radiograph") and spells right with it.
DENTAL_FIXTURE = FIXTURES / "dental.flac"
DENTAL_TEXT = (
    "That is a sign of irreversible pulpitis. Our first step is a periapical radiograph. "
    "On tooth 36, a lower first molar, expect three or four canals."
)


def isolate_storage(settings, root: Path) -> Path:
    """Point default storage at a test's own folder (call from an autouse fixture)."""
    root.mkdir(parents=True, exist_ok=True)
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root
