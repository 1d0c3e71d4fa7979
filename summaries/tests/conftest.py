"""Fixtures for the summaries tests: a finalized transcript, and Claude at a local server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from integrations.llm_anthropic import AnthropicChatEngine
from integrations.tests.llm_fakes import FakeAnthropic, Reply, text, tool
from tests.factories import ProjectFactory, TranscriptionFactory, TranscriptionVersionFactory
from transcripts.models import Transcription


class Claude:
    """The real `anthropic` SDK and adapter, pointed at a local server that speaks the
    Messages API (as the translations tests do). Its answers come from functions of
    (system, prompt): `reply` for free text, `json_reply` for the forced tool call; each
    returns the answer, or a scripted Reply (an HTTP error, a refusal) instead."""

    def __init__(self, server: FakeAnthropic, monkeypatch):
        self.server = server
        self._monkeypatch = monkeypatch
        self.reply: Callable[[str, str], str | Reply] = lambda system, prompt: "A drafted text."
        self.json_reply: Callable[[str, str], dict[str, Any] | Reply] = lambda system, prompt: {
            "tone_changes": [],
            "structure_changes": [],
        }
        server.respond = self._respond

    def _respond(self, body: dict[str, Any]) -> Reply:
        system, prompt = self.server.system_of(body), self.server.prompt_of(body)
        if "tools" in body:
            answer = self.json_reply(system, prompt)
            return answer if isinstance(answer, Reply) else tool(answer)
        answer = self.reply(system, prompt)
        return answer if isinstance(answer, Reply) else text(answer)

    def limit_input(self, chars: int) -> None:
        """Give the model a context budget this small (prompts are split to fit it)."""
        self._monkeypatch.setattr(AnthropicChatEngine, "max_input_chars", chars)

    @property
    def calls(self) -> list[dict[str, Any]]:
        """The free-text requests the server received, as (system, prompt, max_tokens)."""
        return [
            {
                "system": self.server.system_of(body),
                "prompt": self.server.prompt_of(body),
                "max_tokens": body["max_tokens"],
            }
            for body in self.server.requests
            if "tools" not in body
        ]

    @property
    def json_calls(self) -> list[dict[str, Any]]:
        return [
            {
                "system": self.server.system_of(body),
                "prompt": self.server.prompt_of(body),
                "schema": body["tools"][0]["input_schema"],
                "tool_name": body["tool_choice"]["name"],
            }
            for body in self.server.requests
            if "tools" in body
        ]


@pytest.fixture
def claude(settings, monkeypatch):
    """The configured engine is Claude, at a local Messages API server."""
    with FakeAnthropic() as server:
        settings.LLM_ENGINE = "anthropic"
        settings.ANTHROPIC_API_KEY = "sk-ant-test"
        settings.ANTHROPIC_BASE_URL = server.url
        settings.ANTHROPIC_MODEL = "claude-test"
        # A fault goes back to the job, which retries it; the SDK must not retry too.
        settings.VENDOR_MAX_RETRIES = 0
        settings.VENDOR_TIMEOUT_SECONDS = 10
        yield Claude(server, monkeypatch)


@pytest.fixture
def project(editor):
    return ProjectFactory(created_by=editor, name="Endodontics 101")


@pytest.fixture
def transcription(project, editor):
    return TranscriptionFactory(
        audio_file__project=project,
        audio_file__file_name="dr-soto-endo-101.mp3",
        audio_file__file_path="audio/lecture/0000-dr-soto-endo-101.mp3",
        raw_text="Machine text that nobody corrected.",
        json_with_timestamps={"segments": [], "metadata": {"source": "whisper"}},
        created_by=editor,
        through_service=False,
    )


def make_final(transcription: Transcription, text: str, user, number: int = 1):
    return TranscriptionVersionFactory(
        transcription=transcription,
        version_number=number,
        edited_text=text,
        edited_by=user,
        segments=None,
    )


FINAL_TEXT = (
    "Welcome to today's lecture on endodontics.\n"
    "We will look at rotary instrumentation and irrigation protocols.\n"
    "Dr. Soto explains why sodium hypochlorite concentration matters."
)


@pytest.fixture
def final_transcription(transcription, editor):
    make_final(transcription, FINAL_TEXT, editor)
    return transcription
