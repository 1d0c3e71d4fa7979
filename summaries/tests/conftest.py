"""Fixtures for the summaries tests: a finalized transcript and a scripted chat engine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from integrations.llm import ChatEngine
from media_files.models import AudioFile
from projects.models import Project, ProjectType
from transcripts.models import Transcription, TranscriptionVersion


class ScriptedChatEngine(ChatEngine):
    """A test double for OUR logic: answers from a function of (system, prompt), records calls.

    The vendor adapters themselves are tested by their owner, and end to end in
    test_anthropic_end_to_end.py against a local Messages API server.
    """

    name = "scripted"
    is_offline = False

    def __init__(
        self,
        reply: Callable[[str, str], Any] | None = None,
        *,
        json_reply: Callable[[str, str], Any] | None = None,
        max_input_chars: int = 400_000,
    ):
        self.reply = reply or (lambda system, prompt: "A drafted text.")
        self.json_reply = json_reply or (
            lambda system, prompt: {"tone_changes": [], "structure_changes": []}
        )
        self.max_input_chars = max_input_chars
        self.calls: list[dict[str, Any]] = []
        self.json_calls: list[dict[str, Any]] = []

    def complete(self, *, system: str, prompt: str, max_tokens: int = 2048) -> str:
        self.calls.append({"system": system, "prompt": prompt, "max_tokens": max_tokens})
        answer = self.reply(system, prompt)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def complete_json(
        self,
        *,
        system: str,
        prompt: str,
        schema: dict[str, Any],
        tool_name: str,
        max_tokens: int = 4096,
    ) -> dict[str, Any]:
        self.json_calls.append(
            {"system": system, "prompt": prompt, "schema": schema, "tool_name": tool_name}
        )
        answer = self.json_reply(system, prompt)
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def use_engine(monkeypatch):
    """Make the summaries services use `engine` wherever they ask for the configured one."""

    def install(engine: ChatEngine) -> ChatEngine:
        for module in ("generation", "feedback"):
            monkeypatch.setattr(
                f"summaries.services.{module}.get_chat_engine", lambda name=None: engine
            )
        return engine

    return install


@pytest.fixture
def project(editor):
    return Project.objects.create(
        name="Endodontics 101",
        project_type=ProjectType.objects.get(slug="lecture"),
        created_by=editor,
    )


@pytest.fixture
def transcription(project, editor):
    audio = AudioFile.objects.create(
        project=project,
        file_name="dr-soto-endo-101.mp3",
        file_path="audio/lecture/0000-dr-soto-endo-101.mp3",
        uploaded_by=editor,
    )
    return Transcription.objects.create(
        audio_file=audio,
        raw_text="Machine text that nobody corrected.",
        json_with_timestamps={"segments": [], "metadata": {"source": "whisper"}},
        created_by=editor,
    )


def make_final(transcription: Transcription, text: str, user, number: int = 1):
    version = TranscriptionVersion.objects.create(
        transcription=transcription,
        version_number=number,
        version_type=f"H-{number}",
        edited_text=text,
        edited_by=user,
    )
    transcription.final_version = version
    transcription.save(update_fields=["final_version"])
    return version


FINAL_TEXT = (
    "Welcome to today's lecture on endodontics.\n"
    "We will look at rotary instrumentation and irrigation protocols.\n"
    "Dr. Soto explains why sodium hypochlorite concentration matters."
)


@pytest.fixture
def final_transcription(transcription, editor):
    make_final(transcription, FINAL_TEXT, editor)
    return transcription
