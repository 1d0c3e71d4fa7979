"""Chat-model engines for translation and summaries, behind one small interface.

Domain code calls `get_chat_engine()` and never imports an SDK. Each vendor adapter is a
subclass that only knows its request and response; SDK exceptions are mapped to
TransientError (retry with backoff) or PermanentError (fail the job clearly).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

ENGINES = {
    "offline": "integrations.llm_offline.OfflineChatEngine",
    "anthropic": "integrations.llm_anthropic.AnthropicChatEngine",
    "openai": "integrations.llm_openai.OpenAIChatEngine",
}


class ChatEngine(ABC):
    """One LLM vendor. `name` is recorded with outputs; `is_offline` marks draft stand-ins."""

    name: str = "base"
    is_offline: bool = False

    @abstractmethod
    def complete(self, *, system: str, prompt: str, max_tokens: int = 2048) -> str:
        """Free text for `prompt`. Empty or refused replies raise VendorReplyError."""

    @abstractmethod
    def complete_json(
        self,
        *,
        system: str,
        prompt: str,
        schema: dict[str, Any],
        tool_name: str,
        max_tokens: int = 4096,
    ) -> dict[str, Any]:
        """A JSON object matching `schema` (tool use / JSON mode). Malformed → VendorReplyError."""

    # Context budget in characters of prompt text; callers split longer inputs deliberately.
    max_input_chars: int = 400_000


def get_chat_engine(name: str | None = None) -> ChatEngine:
    name = name or settings.LLM_ENGINE
    try:
        path = ENGINES[name]
    except KeyError as exc:
        raise ValueError(f"Unknown LLM engine {name!r}; choose one of {sorted(ENGINES)}") from exc
    return import_string(path)()
